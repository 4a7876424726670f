package org.yishi.platform.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;

import java.util.Locale;

/**
 * Counts failed sign-ins per account name and per client address in a cluster-wide map (Hazelcast),
 * so guessing cannot be spread across nodes. Each failure restarts the window; after
 * {@code window} seconds without failures the counter disappears and sign-in is possible again.
 * Increments are compare-and-set loops, so concurrent failures on two nodes are both counted.
 */
public final class LoginThrottle {
  private static final String MAP = "yishi.login-failures";
  private final Vertx vertx;
  private final int maxPerAccount;
  private final int maxPerAddress;
  private final long windowMillis;

  public LoginThrottle(Vertx vertx, int maxPerAccount, int maxPerAddress, long windowSeconds) {
    this.vertx = vertx;
    this.maxPerAccount = maxPerAccount;
    this.maxPerAddress = maxPerAddress;
    this.windowMillis = windowSeconds * 1000;
  }

  public long windowMinutes() {
    return Math.max(1, (windowMillis + 59_999) / 60_000);
  }

  private static String accountKey(String username) {
    return "u:" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "a:" + address;
  }

  /** Whether this account name or this address has used up its attempts. */
  public Future<Boolean> blocked(String username, String address) {
    return map().compose(m -> Future.all(m.get(accountKey(username)), m.get(addressKey(address)))
        .map(all -> count(all.resultAt(0)) >= maxPerAccount || count(all.resultAt(1)) >= maxPerAddress));
  }

  /** Records one failed attempt for both the account name and the address. */
  public Future<Void> failed(String username, String address) {
    return map().compose(m -> Future.all(increment(m, accountKey(username)), increment(m, addressKey(address))))
        .mapEmpty();
  }

  /** Clears the account's counter after a successful sign-in (the address keeps its count). */
  public Future<Void> succeeded(String username) {
    return map().compose(m -> m.remove(accountKey(username))).mapEmpty();
  }

  private Future<AsyncMap<String, Integer>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  private Future<Void> increment(AsyncMap<String, Integer> m, String key) {
    return m.putIfAbsent(key, 1, windowMillis).compose(previous -> previous == null
        ? Future.succeededFuture()
        : m.replaceIfPresent(key, previous, previous + 1, windowMillis)
            .compose(done -> done ? Future.<Void>succeededFuture() : increment(m, key)));
  }

  private static int count(Object value) {
    return value instanceof Integer i ? i : 0;
  }
}
