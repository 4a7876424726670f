package org.yishi.platform.reliability;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per signed-in user on this node: a token bucket per user holding up to {@code burst}
 * requests, refilled at {@code perSecond}. Per node, not cluster-wide: a count shared through
 * Hazelcast would cost a network round trip on every request; behind a load balancer that spreads
 * one user's requests over N nodes, that user may make up to N times the rate (docs/reliability.md).
 */
public final class RateLimiter {
  private static final int MAX_USERS = 100_000;
  private final double perSecond;
  private final double burst;
  private final Map<Long, Bucket> buckets = new ConcurrentHashMap<>();

  /** @param perSecond 0 disables the limit */
  public RateLimiter(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
  }

  public boolean enabled() {
    return perSecond > 0;
  }

  /**
   * Takes one request from the user's bucket: 0 when the request may go ahead, otherwise the
   * whole seconds until it may be retried (at least 1).
   */
  public long acquire(long userId) {
    if (!enabled()) {
      return 0;
    }
    if (buckets.size() > MAX_USERS) {
      buckets.clear(); // forgetting is generous, never wrong
    }
    return buckets.computeIfAbsent(userId, id -> new Bucket(burst)).take(perSecond, burst, System.nanoTime());
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double burst) {
      this.tokens = burst;
      this.last = System.nanoTime();
    }

    synchronized long take(double perSecond, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    }
  }
}
