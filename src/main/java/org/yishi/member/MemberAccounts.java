package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.security.Principal;

/** What the member feature needs of accounts: an account for a member (the account feature answers, wired by the root). */
public interface MemberAccounts {
  /** Creates a member account linked to {@code memberId}; the answer carries a one-time temporary password. */
  Future<JsonObject> createMemberAccount(Principal actor, String username, String displayName, String scopeCode, long memberId);
}
