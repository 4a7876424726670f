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
import java.util.function.Supplier;

/**
 * A node's cache of reference data that changes rarely and is read constantly (administrative
 * divisions, topic categories). Entries are fresh for {@link #TTL_MILLIS}; a change anywhere in the
 * cluster ({@link #changed}, published on the event bus) drops them at once. While the database
 * cannot be reached, an entry is served however old it is: reading reference data keeps working
 * during an outage (nothing can change it meanwhile, since changes need the database).
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
    return loader.get()
        .map(v -> {
          if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
          }
          entries.put(k, new Entry(copy(v), now));
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
    String prefix = set + '\u0000';
    entries.keySet().removeIf(k -> k.startsWith(prefix));
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
