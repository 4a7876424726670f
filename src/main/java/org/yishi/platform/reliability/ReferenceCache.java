package org.yishi.platform.reliability;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.db.NodePool;
import org.yishi.platform.http.ErrorHandler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A node's cache of reference data that changes rarely and is read constantly (administrative
 * divisions, topic categories). Entries are fresh for {@link #TTL_MILLIS}; a change anywhere in the
 * cluster ({@link #changed}, called after the writing transaction committed, published on the event
 * bus to every node) drops them at once. While the database cannot be reached, an entry is served
 * however old it is: reading reference data keeps working during an outage (nothing can change it
 * meanwhile, since changes need the database).
 *
 * <p>Loads are versioned: each set has a generation that every invalidation (local or heard from
 * another node) increases, and a load stores its value only if the set's generation is still the
 * one it started under. A load that began before a change (and may have read the old rows) and
 * finishes after the invalidation is handed to its caller but never cached, so no node keeps
 * serving a value from before a change once it has heard of the change.
 */
public final class ReferenceCache {
  /** Event-bus address published after reference data changed; the body is the data set's name. */
  public static final String CHANGED = "yishi.reference.changed";
  static final long TTL_MILLIS = 60_000;
  private static final int MAX_ENTRIES = 20_000;

  private record Entry(Object value, long loadedAt) {
  }

  private final Vertx vertx;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  /** Set name → its generation, increased by every invalidation of the set. */
  private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();

  /** @param vertx the node's Vert.x (for cluster-wide invalidation); null for a private cache */
  public ReferenceCache(Vertx vertx) {
    this.vertx = vertx;
    if (vertx != null) {
      vertx.eventBus().<String>consumer(CHANGED, msg -> invalidate(msg.body()));
    }
  }

  /** The node's cache when {@code pool} is the node's pool, else a private one (tools and tests using a bare pool). */
  public static ReferenceCache of(Pool pool) {
    return pool instanceof NodePool node ? node.referenceCache() : new ReferenceCache(null);
  }

  /**
   * The value of {@code set}/{@code key}: cached while fresh, else loaded; when loading fails
   * because the database is unavailable, the last value known, if any.
   */
  @SuppressWarnings("unchecked")
  public <T> Future<T> get(String set, String key, Supplier<Future<T>> loader) {
    String k = set + '\u0000' + key;
    Entry e = entries.get(k);
    long now = System.currentTimeMillis();
    if (e != null && now - e.loadedAt() < TTL_MILLIS) {
      return Future.succeededFuture((T) copy(e.value()));
    }
    AtomicLong generation = generation(set);
    long startedUnder = generation.get();
    return loader.get()
        .map(v -> {
          if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
          }
          Entry loaded = new Entry(copy(v), now);
          // stored only if no invalidation of the set happened since the load started; invalidate()
          // bumps the generation before removing, so a store racing with it is undone here or removed there
          if (generation.get() == startedUnder) {
            entries.put(k, loaded);
            if (generation.get() != startedUnder) {
              entries.remove(k, loaded);
            }
          }
          return v;
        })
        .recover(err -> e != null && ErrorHandler.isDatabaseUnavailable(err)
            ? Future.succeededFuture((T) copy(e.value()))
            : Future.failedFuture(err));
  }

  /** Drops the set on this node and tells every other node to drop it too. */
  public void changed(String set) {
    invalidate(set);
    if (vertx != null) {
      vertx.eventBus().publish(CHANGED, set);
    }
  }

  private void invalidate(String set) {
    generation(set).incrementAndGet(); // first: loads in flight will not store what they read before
    String prefix = set + '\u0000';
    entries.keySet().removeIf(k -> k.startsWith(prefix));
  }

  private AtomicLong generation(String set) {
    return generations.computeIfAbsent(set, s -> new AtomicLong());
  }

  /** The set's generation (the number of invalidations this node has seen), for tests. */
  long generationOf(String set) {
    return generation(set).get();
  }

  /** JSON is mutable: callers get their own copy. Other cached values are immutable records and lists. */
  private static Object copy(Object v) {
    if (v instanceof JsonArray a) {
      return a.copy();
    }
    if (v instanceof JsonObject o) {
      return o.copy();
    }
    return v;
  }
}
