package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.security.Principal;

import java.util.function.BiFunction;

/** What member invitations need of accounts (the account feature answers, wired by the root). */
public interface InvitedAccounts {
  /**
   * Opens a member account linked to {@code memberId} (no password anyone knows until the invitation is
   * used) and runs {@code alsoInTx} in the same transaction with the new account's id; answers the
   * account (as the user API shows it) once both committed.
   */
  Future<JsonObject> open(Principal actor, String username, String displayName, String scopeCode, long memberId,
                          BiFunction<SqlClient, Long, Future<?>> alsoInTx);

  /** Checks a new password against the password rules (422 on {@code password} / {@code confirmPassword}); answers its hash. */
  Future<String> checkedHash(String username, String password, String confirm);

  /** Sets an account's password hash in {@code tx} (no change required at sign-in), ending its sessions and tokens. */
  Future<Void> setPassword(SqlClient tx, long accountId, String passwordHash);

  /** Tells every node that the account changed (after the commit). */
  void changed(long accountId);
}
