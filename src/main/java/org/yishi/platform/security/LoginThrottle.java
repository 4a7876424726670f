package org.yishi.platform.security;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts sign-in attempts per account name and per client address in a cluster-wide Hazelcast map,
 * so guessing cannot be spread across nodes. An attempt is counted BEFORE its password is checked,
 * by an entry processor that runs on the key's owner (atomic, whichever node saw the attempt) and
 * refuses to count past the limit: of any number of parallel guesses, at most the limit get their
 * password checked. Each count restarts the entry's time to live ({@code window} seconds). A
 * successful sign-in clears the account's count and gives the address its attempt back, so that
 * only failures stay counted.
 */
public final class LoginThrottle {
  private static final String MAP = "yishi.login-failures";
  private final IMap<String, Integer> failures;
  private final int maxPerAccount;
  private final int maxPerAddress;
  private final long windowSeconds;

  public LoginThrottle(HazelcastInstance hazelcast, int maxPerAccount, int maxPerAddress, long windowSeconds) {
    this.failures = hazelcast.getMap(MAP);
    this.maxPerAccount = maxPerAccount;
    this.maxPerAddress = maxPerAddress;
    this.windowSeconds = windowSeconds;
  }

  public long windowMinutes() {
    return Math.max(1, (windowSeconds + 59) / 60);
  }

  public long windowSeconds() {
    return windowSeconds;
  }

  private static String accountKey(String username) {
    return "u:" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "a:" + address;
  }

  /**
   * Counts one attempt for this account name and this address, unless either has used up its
   * attempts: true when counted (the password may be checked), false when throttled (nothing counted).
   */
  public Future<Boolean> reserve(String username, String address) {
    return Future.fromCompletionStage(failures.submitToKey(accountKey(username), new Reserve(maxPerAccount, windowSeconds)))
        .compose(account -> {
          if (account < 0) {
            return Future.succeededFuture(false);
          }
          return Future.fromCompletionStage(failures.submitToKey(addressKey(address), new Reserve(maxPerAddress, windowSeconds)))
              .compose(byAddress -> byAddress >= 0 ? Future.succeededFuture(true)
                  : release(accountKey(username)).map(false));
        });
  }

  /** After a successful sign-in: the account's count is cleared and the address gets its attempt back. */
  public Future<Void> succeeded(String username, String address) {
    return Future.all(Future.fromCompletionStage(failures.removeAsync(accountKey(username))), release(addressKey(address)))
        .mapEmpty();
  }

  /** After an attempt that was not a wrong password (a disabled account): both get their attempt back. */
  public Future<Void> released(String username, String address) {
    return Future.all(release(accountKey(username)), release(addressKey(address))).mapEmpty();
  }

  private Future<Void> release(String key) {
    return Future.fromCompletionStage(failures.submitToKey(key, new Release(windowSeconds))).mapEmpty();
  }

  private static int count(Integer n) {
    return n == null ? 0 : n;
  }

  /** Adds one and restarts the time to live, unless the count has reached {@code max} (then -1); runs on the key's owner. */
  static final class Reserve implements EntryProcessor<String, Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final int max;
    private final long ttlSeconds;

    Reserve(int max, long ttlSeconds) {
      this.max = max;
      this.ttlSeconds = ttlSeconds;
    }

    @Override
    public Integer process(Map.Entry<String, Integer> entry) {
      int now = count(entry.getValue());
      if (now >= max) {
        return -1;
      }
      ((ExtendedMapEntry<String, Integer>) entry).setValue(now + 1, ttlSeconds, TimeUnit.SECONDS);
      return now + 1;
    }
  }

  /** Takes one back (removing the entry at zero); runs on the key's owner. */
  static final class Release implements EntryProcessor<String, Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final long ttlSeconds;

    Release(long ttlSeconds) {
      this.ttlSeconds = ttlSeconds;
    }

    @Override
    public Integer process(Map.Entry<String, Integer> entry) {
      int next = count(entry.getValue()) - 1;
      if (next <= 0) {
        entry.setValue(null);
        return 0;
      }
      ((ExtendedMapEntry<String, Integer>) entry).setValue(next, ttlSeconds, TimeUnit.SECONDS);
      return next;
    }
  }
}
