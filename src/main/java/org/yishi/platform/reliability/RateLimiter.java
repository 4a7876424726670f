package org.yishi.platform.reliability;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests per signed-in user for the cluster as a whole: one token bucket per user in a Hazelcast
 * map, holding up to {@code burst} requests and refilled at {@code perSecond}, changed only by an
 * entry processor on the key's owner (atomic whichever node asks). So that a request does not pay a
 * network round trip, a node takes tokens from the user's bucket a few at a time ({@link #lease})
 * and spends them locally; a lease not spent within a second is dropped. Every token comes out of
 * the one bucket, so N nodes never allow more than the rate; leasing only moves when a token is
 * taken, by at most {@code lease × nodes} requests of one user.
 */
public final class RateLimiter {
  private static final String MAP = "yishi.rate-limit";
  private static final int MAX_USERS = 100_000;
  private static final long LEASE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final IMap<Long, Bucket> buckets;
  private final double perSecond;
  private final double burst;
  private final int lease;
  private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RateLimiter.class.getName());
  private volatile long lastWarning = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

  /** @param perSecond 0 disables the limit */
  public RateLimiter(HazelcastInstance hazelcast, int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
    this.lease = (int) Math.max(1, Math.min(10, this.burst / 10));
    this.buckets = perSecond > 0 ? hazelcast.getMap(MAP) : null;
  }

  /** No limit (tools, tests that do not start a cluster). */
  public static RateLimiter disabled() {
    return new RateLimiter(null, 0, 1);
  }

  public boolean enabled() {
    return perSecond > 0;
  }

  /**
   * Takes one request from the user's allowance: 0 when the request may go ahead, otherwise the
   * whole seconds until it may be retried (at least 1).
   */
  public Future<Long> acquire(long userId) {
    if (!enabled()) {
      return Future.succeededFuture(0L);
    }
    if (leases.size() > MAX_USERS) {
      leases.clear(); // forgetting leased tokens only ever refuses sooner, never lets more through
    }
    Lease held = leases.get(userId);
    if (held != null && held.take(System.nanoTime())) {
      return Future.succeededFuture(0L);
    }
    return Future.fromCompletionStage(buckets.submitToKey(userId, new Take(lease, perSecond, burst)))
        .map(granted -> {
          if (granted < 0) {
            return -granted;
          }
          if (granted > 1) {
            leases.put(userId, new Lease((int) (granted - 1), System.nanoTime()));
          }
          return 0L;
        })
        .otherwise(err -> {
          // the limit protects the nodes; it never fails a request. The bucket's owner may be unable to
          // run the processor: a member of the previous release during a rolling upgrade (it lacks the
          // class), or a partition migrating
          long now = System.nanoTime();
          if (now - lastWarning > TimeUnit.MINUTES.toNanos(1)) {
            lastWarning = now;
            LOG.warning("Request rate limit not applied: the cluster map did not answer (" + err + ")");
          }
          return 0L;
        });
  }

  /** Tokens this node took from a user's bucket and has not spent yet. */
  private static final class Lease {
    private int tokens;
    private final long taken;

    Lease(int tokens, long taken) {
      this.tokens = tokens;
      this.taken = taken;
    }

    synchronized boolean take(long now) {
      if (tokens <= 0 || now - taken > LEASE_NANOS) {
        return false;
      }
      tokens--;
      return true;
    }
  }

  /** A user's bucket as stored in the cluster map. */
  public record Bucket(double tokens, long updatedMillis) implements Serializable {
  }

  /**
   * Takes up to {@code want} tokens (at least one) on the key's owner: answers how many were taken,
   * or minus the seconds until one will be there.
   */
  static final class Take implements EntryProcessor<Long, Bucket, Long> {
    private static final long serialVersionUID = 1L;
    private final int want;
    private final double perSecond;
    private final double burst;

    Take(int want, double perSecond, double burst) {
      this.want = want;
      this.perSecond = perSecond;
      this.burst = burst;
    }

    @Override
    public Long process(Map.Entry<Long, Bucket> entry) {
      long now = System.currentTimeMillis();
      Bucket b = entry.getValue();
      double tokens = b == null ? burst : Math.min(burst, b.tokens() + Math.max(0, now - b.updatedMillis()) / 1000.0 * perSecond);
      long taken = tokens >= 1 ? (long) Math.min(want, Math.floor(tokens)) : 0;
      // kept while it matters: a bucket that has filled up again is the same as none
      long ttl = (long) Math.ceil(burst / perSecond) + 1;
      ((ExtendedMapEntry<Long, Bucket>) entry).setValue(new Bucket(tokens - taken, now), ttl, TimeUnit.SECONDS);
      return taken > 0 ? taken : -Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    }
  }
}
