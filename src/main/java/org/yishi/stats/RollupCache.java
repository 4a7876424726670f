package org.yishi.stats;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's cache of computed roll-ups and dashboard lists, shared by all its HTTP verticles. A
 * city or province roll-up sums tens of thousands of station-months; under many readers the same
 * answer would otherwise be recomputed hundreds of times a second, and the dashboard's lists
 * (members, dormant stations, overdue referrals) would take the pool from the API.
 *
 * <p>Each entry has a <em>scope</em>, the division-code prefix of the unit it describes. The
 * committed changes the roll-ups count (the domain events of {@link StatsLive#EVENTS}, published
 * after commit to every node, and {@code station.moved} for both the division left and the one
 * joined) mark the entries whose scope contains the changed station as changed.
 * An entry is served as it is while it is
 * <ul>
 *   <li>younger than {@code ttl} (at most one computation per {@code ttl} per key, however many
 *       changes arrive), or</li>
 *   <li>unchanged since its computation started and younger than {@code maxAge} (the bound for
 *       changes that publish no event — a station registered, a rebuild, a change made in
 *       SQL — and for an event lost with a node that died between its commit and the publication).</li>
 * </ul>
 * Otherwise it is served while one recomputation runs in the background: readers never queue behind
 * it. Only an entry older than {@code 2 × maxAge} (nobody asked for a while) makes readers wait for a
 * fresh computation; concurrent readers of a key always share one. A reader that follows a change it
 * has heard of ({@code afterChanges}, the dashboard's live refresh) waits for a computation that
 * started after the last change. Ages count from the moment a computation started (its database
 * snapshot). A failed computation is not kept.
 *
 * <p>So a committed meeting, topic, record or outcome shows on every node within {@code ttl} plus
 * one computation; any other change within {@code maxAge} plus one. {@code ttl} 0 turns the cache off
 * ({@code YISHI_STATS_CACHE_MILLIS}, default 400 ms; {@code YISHI_STATS_CACHE_MAX_AGE_MILLIS},
 * default 5 s: {@link AppConfig.StatsSettings}; the tests run with it off, so that they read their
 * own writes at once).
 */
public final class RollupCache {
  /** Entries kept at most (roll-ups, and lists of at most a page of 200 rows; exports bypass the cache). */
  private static final int MAX_ENTRIES = 2_000;

  private final long ttl;
  private final long maxAge;
  private final LongSupplier clock;
  private final Map<String, Entry> entries = new HashMap<>(); // guarded by this

  private static final class Entry {
    final String scope;             // division-code prefix; null: not invalidated by events
    Future<Object> current;         // the answer served (may still be computing when there is no older one)
    long startedAt;                 // when the computation behind {@code current} started
    Future<Object> refreshing;      // the latest background recomputation, or null
    long refreshStartedAt;
    long changedAt = Long.MIN_VALUE; // when the last change inside {@code scope} was heard of

    Entry(String scope) {
      this.scope = scope;
    }

    boolean changedSince(long t) {
      return changedAt >= t;
    }
  }

  public RollupCache(long ttlMillis, long maxAgeMillis, LongSupplier nanoClock) {
    this.ttl = Math.max(0, ttlMillis) * 1_000_000L;
    this.maxAge = Math.max(ttlMillis, maxAgeMillis) * 1_000_000L;
    this.clock = nanoClock;
  }

  /** A cache that computes every time (reports, which must reflect the database as it is). */
  public static RollupCache off() {
    return new RollupCache(0, 0, System::nanoTime);
  }

  /**
   * The node's cache, with the configured times ({@code YISHI_STATS_CACHE_MILLIS},
   * {@code YISHI_STATS_CACHE_MAX_AGE_MILLIS}), listening to the committed changes. Built once per
   * node by the composition root and shared by all its HTTP verticles.
   */
  public static RollupCache start(Vertx vertx, AppConfig.StatsSettings settings) {
    return start(vertx, settings.cacheMillis(), settings.cacheMaxAgeMillis());
  }

  static RollupCache start(Vertx vertx, long ttlMillis, long maxAgeMillis) {
    RollupCache cache = new RollupCache(ttlMillis, maxAgeMillis, System::nanoTime);
    if (cache.ttl > 0) {
      for (String type : StatsLive.EVENTS) {
        vertx.eventBus().<JsonObject>consumer(DomainEvents.PREFIX + type, m -> {
          String code = m.body() == null ? null : m.body().getString("divisionCode");
          if (code != null) {
            cache.changed(code);
          }
        });
      }
      // a station moved to another division changes the roll-ups of the unit it left and of the one it joined
      vertx.eventBus().<JsonObject>consumer(DomainEvent.STATION_MOVED.address(), m -> {
        for (String key : new String[] {"divisionCode", "previousDivisionCode"}) {
          String code = m.body() == null ? null : m.body().getString(key);
          if (code != null) {
            cache.changed(code);
          }
        }
      });
    }
    return cache;
  }

  /** Marks every entry whose scope contains the division {@code code} as changed now. */
  public synchronized void changed(String code) {
    long now = clock.getAsLong();
    for (Entry e : entries.values()) {
      if (e.scope != null && code.startsWith(e.scope)) {
        e.changedAt = now;
      }
    }
  }

  /** The answer for {@code key}: cached, or computed by {@code compute} (see the class comment). */
  public <T> Future<T> get(String key, String scope, Supplier<Future<T>> compute) {
    return get(key, scope, false, compute);
  }

  /**
   * The answer for {@code key}; with {@code afterChanges}, one computed after the last change heard
   * of inside {@code scope}.
   */
  @SuppressWarnings("unchecked")
  public <T> Future<T> get(String key, String scope, boolean afterChanges, Supplier<Future<T>> compute) {
    if (ttl == 0) {
      return compute.get();
    }
    Promise<Object> started;
    Future<Object> answer;
    synchronized (this) {
      long now = clock.getAsLong();
      Entry e = entries.get(key);
      if (e == null) {
        evictIfFull(now);
        e = new Entry(scope);
        entries.put(key, e);
        started = Promise.promise();
        e.current = started.future();
        e.startedAt = now;
        watch(key, e, started.future(), now, true);
        answer = started.future();
      } else {
        boolean changed = e.changedSince(e.startedAt);
        long age = now - e.startedAt;
        boolean mustRefresh = afterChanges && changed;
        if (!mustRefresh && (!e.current.isComplete() || age < ttl || !changed && age < maxAge)) {
          started = null;
          answer = e.current;
        } else if (!mustRefresh && age < 2 * maxAge) {
          started = refresh(key, e, now, false);
          answer = e.current;
        } else {
          started = refresh(key, e, now, afterChanges);
          answer = e.refreshing;
        }
      }
    }
    if (started != null) {
      Future<T> computed;
      try {
        computed = compute.get();
      } catch (RuntimeException ex) {
        computed = Future.failedFuture(ex);
      }
      computed.onComplete(ar -> started.handle((io.vertx.core.AsyncResult<Object>) ar));
    }
    return (Future<T>) onCallerContext(answer);
  }

  /**
   * Starts a background recomputation unless one is running (that started after the last change,
   * when {@code afterChanges}); returns the promise to complete, or null when one is already running.
   */
  private Promise<Object> refresh(String key, Entry e, long now, boolean afterChanges) {
    if (e.refreshing != null && !(afterChanges && e.changedSince(e.refreshStartedAt))) {
      return null;
    }
    Promise<Object> p = Promise.promise();
    e.refreshing = p.future();
    e.refreshStartedAt = now;
    watch(key, e, p.future(), now, false);
    return p;
  }

  /** When a computation ends: a newer successful answer replaces the served one; a failed first one is dropped. */
  private void watch(String key, Entry e, Future<Object> f, long startedAt, boolean first) {
    f.onComplete(ar -> {
      synchronized (this) {
        if (e.refreshing == f) {
          e.refreshing = null;
        }
        if (ar.succeeded() && !first && startedAt > e.startedAt) {
          e.current = f;
          e.startedAt = startedAt;
        } else if (ar.failed() && first && e.current == f) {
          entries.remove(key, e);
        }
      }
    });
  }

  private void evictIfFull(long now) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(old -> now - old.startedAt >= 2 * maxAge && old.refreshing == null);
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
    }
  }

  /**
   * A computation runs on the context of the reader who started it; a reader on another event loop
   * (another HTTP verticle of the node) continues on its own.
   */
  private static Future<Object> onCallerContext(Future<Object> f) {
    Context caller = Vertx.currentContext();
    if (f.isComplete() || caller == null) {
      return f;
    }
    Promise<Object> p = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == caller) {
        p.handle(ar);
      } else {
        caller.runOnContext(v -> p.handle(ar));
      }
    });
    return p.future();
  }

  synchronized int size() {
    return entries.size();
  }
}
