package org.yishi.platform.security;

import io.vertx.core.Future;

/** Turns a session's account id or a bearer token into a {@link Principal} (implemented by the account feature). */
public interface Authenticator {
  /** The event-bus address on which a changed account's id is published, cluster-wide (caches and open streams listen). */
  String ACCOUNT_CHANGED = "yishi.account.changed";

  /** The active account with this id, or null (unknown or disabled). */
  Future<Principal> byAccountId(long accountId);

  /** The active account owning this unexpired, unrevoked bearer token, or null. */
  Future<Principal> byBearerToken(String token);
}
