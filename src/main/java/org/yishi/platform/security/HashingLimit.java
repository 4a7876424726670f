package org.yishi.platform.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * How many password checks each client address may have running at once on this node. Anonymous
 * requests (sign-in pages, token requests) cost a deliberately slow hash each; without this bound
 * one address could keep every worker thread hashing. Beyond the bound the request is answered 429
 * with {@code Retry-After} before any hashing starts.
 */
public final class HashingLimit {
  private final int maxPerAddress;
  private final ConcurrentMap<String, Integer> running = new ConcurrentHashMap<>();

  public HashingLimit(int maxPerAddress) {
    this.maxPerAddress = maxPerAddress;
  }

  /** Takes a slot for {@code address}; false (nothing taken) when it already has its maximum running. */
  public boolean tryAcquire(String address) {
    boolean[] taken = {false};
    running.compute(address, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= maxPerAddress) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  public void release(String address) {
    running.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
  }
}
