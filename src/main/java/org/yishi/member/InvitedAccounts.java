package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.security.Principal;

import java.util.function.BiFunction;

/**
 * What member invitations need of accounts to open one: a member account linked to {@code memberId}
 * (its generated password is never shown: the member sets their own through the link), with
 * {@code alsoInTx} run in the same transaction with the new account's id (the account feature answers,
 * wired by the root).
 */
@FunctionalInterface
public interface InvitedAccounts {
  Future<JsonObject> open(Principal actor, String username, String displayName, String scopeCode, long memberId,
                          BiFunction<SqlClient, Long, Future<?>> alsoInTx);
}
