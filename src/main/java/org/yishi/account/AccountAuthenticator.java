package org.yishi.account;

import io.vertx.core.Future;
import org.yishi.platform.http.ErrorHandler;
import org.yishi.platform.security.Authenticator;
import org.yishi.platform.security.Principal;

import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves sessions and bearer tokens to principals. Results are cached for a few seconds per
 * node so that busy API clients do not cost a query per request; any account change anywhere in
 * the cluster ({@link AccountService#CHANGED}) drops the cached entries at once. While the database
 * cannot be reached, the last principal known for a session or token is used however old it is
 * (accounts cannot change meanwhile): signed-in users keep reading cached reference data, and get
 * a clear 503 for anything else.
 */
public final class AccountAuthenticator implements Authenticator {
  private static final long TTL_MILLIS = 5_000;
  private static final int MAX_ENTRIES = 50_000;
  /** How long past its freshness a cached principal may stand in while the database is unreachable. */
  private static final long STALE_MILLIS = 12 * 3_600_000L;

  private record Cached(Principal principal, long until) {
  }

  private final AccountStore store;
  private final Map<Long, Cached> byId = new ConcurrentHashMap<>();
  private final Map<String, Cached> byToken = new ConcurrentHashMap<>();

  public AccountAuthenticator(AccountService accounts) {
    this.store = accounts.store();
    accounts.onChange(accountId -> {
      byId.remove(accountId);
      byToken.clear(); // rare: cheaper than indexing tokens by account
    });
  }

  @Override
  public Future<Principal> byAccountId(long accountId) {
    Cached c = byId.get(accountId);
    if (c != null && c.until() > System.currentTimeMillis()) {
      return Future.succeededFuture(c.principal());
    }
    return store.byId(accountId).map(row -> {
      Principal p = row == null || row.disabled() ? null : row.principal();
      remember(byId, accountId, p);
      return p;
    }).recover(err -> stale(c, err));
  }

  @Override
  public Future<Principal> byBearerToken(String token) {
    if (token == null || token.length() > 200) {
      return Future.succeededFuture();
    }
    byte[] hash = AccountService.sha256(token);
    String key = HexFormat.of().formatHex(hash);
    Cached c = byToken.get(key);
    if (c != null && c.until() > System.currentTimeMillis()) {
      return Future.succeededFuture(c.principal());
    }
    return store.byTokenHash(hash).map(row -> {
      Principal p = row == null || row.disabled() ? null : row.principal();
      remember(byToken, key, p);
      return p;
    }).recover(err -> stale(c, err));
  }

  private static Future<Principal> stale(Cached c, Throwable err) {
    return c != null && c.until() + STALE_MILLIS > System.currentTimeMillis() && ErrorHandler.isDatabaseUnavailable(err)
        ? Future.succeededFuture(c.principal()) : Future.failedFuture(err);
  }

  private static <K> void remember(Map<K, Cached> cache, K key, Principal p) {
    if (p == null) {
      cache.remove(key);
      return;
    }
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(key, new Cached(p, System.currentTimeMillis() + TTL_MILLIS));
  }
}
