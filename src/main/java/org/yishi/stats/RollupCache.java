package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A short-lived cache of computed roll-ups, per HTTP verticle instance (one event loop: no locking).
 * A city or province roll-up sums tens of thousands of station-months; under many readers the same
 * answer would be recomputed hundreds of times a second. Here it is computed at most once per
 * {@code ttl} per unit and month range:
 * <ul>
 *   <li>younger than {@code ttl}: served as it is;</li>
 *   <li>between {@code ttl} and {@code 2 × ttl}: served as it is while one recomputation runs in the
 *       background (readers never queue behind it);</li>
 *   <li>older, or absent: readers wait for a fresh computation, and concurrent readers of the same
 *       key share it.</li>
 * </ul>
 * Ages count from the moment a computation started (its database snapshot), so an answer never
 * reflects the database as it was more than {@code 2 × ttl} ago: with the default 400 ms a
 * committed record shows in every roll-up within 0.8 s plus one computation. {@code ttl} 0 turns
 * the cache off ({@code YISHI_STATS_CACHE_MILLIS} or the system property {@code yishi.stats.cacheMillis};
 * the tests run with it off, so that they read their own writes at once). A failed computation is
 * not kept.
 */
public final class RollupCache {
  static final long DEFAULT_TTL_MILLIS = 400;
  private static final int MAX_ENTRIES = 2_000;

  private final long ttlNanos;
  private final LongSupplier clock;
  private final Map<String, Entry> entries = new HashMap<>();

  private static final class Entry {
    Future<JsonObject> current;   // the answer served (may still be computing when there is no older one)
    long startedAt;               // when the computation behind {@code current} started
    Future<JsonObject> refreshing; // a background recomputation, or null
    long refreshStartedAt;
  }

  public RollupCache(long ttlMillis, LongSupplier nanoClock) {
    this.ttlNanos = Math.max(0, ttlMillis) * 1_000_000L;
    this.clock = nanoClock;
  }

  /** The cache with the configured time to live (default {@value #DEFAULT_TTL_MILLIS} ms). */
  public static RollupCache configured() {
    String raw = System.getProperty("yishi.stats.cacheMillis", System.getenv("YISHI_STATS_CACHE_MILLIS"));
    long ttl = DEFAULT_TTL_MILLIS;
    if (raw != null && !raw.isBlank()) {
      try {
        ttl = Long.parseLong(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("YISHI_STATS_CACHE_MILLIS: '" + raw + "' is not a number of milliseconds");
      }
    }
    return new RollupCache(ttl, System::nanoTime);
  }

  /** The roll-up for {@code key}, computed by {@code compute} when there is no recent enough one. */
  public Future<JsonObject> get(String key, Supplier<Future<JsonObject>> compute) {
    if (ttlNanos == 0) {
      return compute.get();
    }
    long now = clock.getAsLong();
    Entry e = entries.get(key);
    if (e != null) {
      if (e.refreshing != null && e.refreshing.isComplete()) {
        promote(e);
      }
      long age = now - e.startedAt;
      if (!e.current.isComplete() || age < ttlNanos) {
        return e.current;
      }
      if (age < 2 * ttlNanos && e.current.succeeded()) {
        if (e.refreshing == null) {
          e.refreshStartedAt = now;
          e.refreshing = compute.get();
          e.refreshing.onComplete(ar -> {
            if (entries.get(key) == e && e.refreshing != null && e.refreshing.isComplete()) {
              promote(e);
            }
          });
        }
        return e.current;
      }
      if (e.refreshing != null) { // too old to serve: wait for the computation already running
        return e.refreshing;
      }
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(old -> now - old.startedAt >= 2 * ttlNanos);
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
    }
    Entry fresh = new Entry();
    fresh.startedAt = now;
    fresh.current = compute.get();
    entries.put(key, fresh);
    fresh.current.onFailure(err -> entries.remove(key, fresh));
    return fresh.current;
  }

  private static void promote(Entry e) {
    if (e.refreshing.succeeded()) {
      e.current = e.refreshing;
      e.startedAt = e.refreshStartedAt;
    }
    e.refreshing = null;
  }

  int size() {
    return entries.size();
  }
}
