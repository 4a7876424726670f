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
 * Counts failed sign-ins per account name and per client address in a cluster-wide Hazelcast map,
 * so guessing cannot be spread across nodes. Each failure is counted by an entry processor that
 * runs on the key's owner (atomic, whichever node saw the failure) and restarts the entry's time
 * to live: {@code window} seconds after the last failure the counter is gone and sign-in opens.
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

  private static String accountKey(String username) {
    return "u:" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "a:" + address;
  }

  /** Whether this account name or this address has used up its attempts. */
  public Future<Boolean> blocked(String username, String address) {
    Future<Integer> account = Future.fromCompletionStage(failures.getAsync(accountKey(username)));
    Future<Integer> byAddress = Future.fromCompletionStage(failures.getAsync(addressKey(address)));
    return Future.all(account, byAddress)
        .map(v -> count(account.result()) >= maxPerAccount || count(byAddress.result()) >= maxPerAddress);
  }

  /** Records one failed attempt for both the account name and the address. */
  public Future<Void> failed(String username, String address) {
    Increment inc = new Increment(windowSeconds);
    return Future.all(
            Future.fromCompletionStage(failures.submitToKey(accountKey(username), inc)),
            Future.fromCompletionStage(failures.submitToKey(addressKey(address), inc)))
        .mapEmpty();
  }

  /** Clears the account's counter after a successful sign-in (the address keeps its count). */
  public Future<Void> succeeded(String username) {
    return Future.fromCompletionStage(failures.removeAsync(accountKey(username))).mapEmpty();
  }

  private static int count(Integer n) {
    return n == null ? 0 : n;
  }

  /** Adds one and restarts the time to live; runs on the member owning the key. */
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
}
