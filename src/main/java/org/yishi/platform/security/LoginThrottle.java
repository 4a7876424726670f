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
    return reserveCounted(username, address)
        .recover(err -> previousReleaseOwnsAKey(err) ? reserveAsThePreviousRelease(username, address) : Future.failedFuture(err));
  }

  private Future<Boolean> reserveCounted(String username, String address) {
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

  /**
   * The account names (lower case) that have used up their failed attempts and are refused until the
   * window passes. Reads the cluster-wide map with a predicate run on its members; call off the event
   * loop ({@code executeBlocking}).
   */
  public java.util.Set<String> lockedAccountNames() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (Map.Entry<String, Integer> e : failures.entrySet(com.hazelcast.query.Predicates.and(
        com.hazelcast.query.Predicates.like(com.hazelcast.query.QueryConstants.KEY_ATTRIBUTE_NAME.value(), "u:%"),
        com.hazelcast.query.Predicates.greaterEqual(com.hazelcast.query.QueryConstants.THIS_ATTRIBUTE_NAME.value(),
            maxPerAccount)))) {
      out.add(e.getKey().substring(2));
    }
    return out;
  }

  private Future<Void> release(String key) {
    return Future.fromCompletionStage(failures.submitToKey(key, new Release(windowSeconds))).<Void>mapEmpty()
        .recover(err -> previousReleaseOwnsAKey(err) ? Future.succeededFuture() : Future.failedFuture(err));
  }

  /**
   * During a rolling upgrade a key may be owned by a member of the previous release, which lacks
   * {@link Reserve} and {@link Release}: then the attempt is counted as that release counts it (its
   * {@link Increment}, which both releases have, after a check of the counts), not refused.
   */
  private Future<Boolean> reserveAsThePreviousRelease(String username, String address) {
    Future<Integer> account = Future.fromCompletionStage(failures.getAsync(accountKey(username)));
    Future<Integer> byAddress = Future.fromCompletionStage(failures.getAsync(addressKey(address)));
    return Future.all(account, byAddress).compose(v -> {
      if (count(account.result()) >= maxPerAccount || count(byAddress.result()) >= maxPerAddress) {
        return Future.succeededFuture(false);
      }
      Increment inc = new Increment(windowSeconds);
      return Future.all(Future.fromCompletionStage(failures.submitToKey(accountKey(username), inc)),
          Future.fromCompletionStage(failures.submitToKey(addressKey(address), inc))).map(true);
    });
  }

  /** Whether a cluster call failed because the key's owner cannot load this release's processor class. */
  static boolean previousReleaseOwnsAKey(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClassNotFoundException || t instanceof com.hazelcast.nio.serialization.HazelcastSerializationException) {
        return true;
      }
    }
    return false;
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

  /**
   * Adds one and restarts the time to live; runs on the key's owner. The previous release's only
   * processor, kept with its name, fields and serial version so that both releases can run it.
   */
  static final class Increment implements EntryProcessor<String, Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final long ttlSeconds;

    Increment(long ttlSeconds) {
      this.ttlSeconds = ttlSeconds;
    }

    @Override
    public Integer process(Map.Entry<String, Integer> entry) {
      int next = entry.getValue() == null ? 1 : entry.getValue() + 1;
      ((ExtendedMapEntry<String, Integer>) entry).setValue(next, ttlSeconds, TimeUnit.SECONDS);
      return next;
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
