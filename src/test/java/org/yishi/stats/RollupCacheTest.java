package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;
import org.yishi.platform.events.DomainEvents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The roll-up cache's promises: one computation per key shared by its readers, reused while young
 * or unchanged, refreshed in the background after a change inside its unit or after its maximum
 * age, waited for only when very old or when a reader follows a change; failures not kept.
 */
class RollupCacheTest {
  private static final long MS = 1_000_000L;
  private static final String TIANJIN = "12";
  private static final String JIZHOU = "120119";
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final List<Promise<JsonObject>> computations = new ArrayList<>();
  private final RollupCache cache = new RollupCache(400, 5_000, now::get);

  private Future<JsonObject> get(String key, String scope) {
    return get(key, scope, false);
  }

  private Future<JsonObject> get(String key, String scope, boolean afterChanges) {
    return cache.get(key, scope, afterChanges, () -> {
      Promise<JsonObject> p = Promise.promise();
      computations.add(p);
      return p.future();
    });
  }

  private void finish(int i, int value) {
    computations.get(i).complete(new JsonObject().put("v", value));
  }

  private static int v(Future<JsonObject> f) {
    assertTrue(f.isComplete(), "answered at once");
    return f.result().getInteger("v");
  }

  @Test
  void concurrentReadersShareOneComputationAndEachKeyHasItsOwn() {
    Future<JsonObject> a = get("k", JIZHOU);
    Future<JsonObject> b = get("k", JIZHOU);
    assertEquals(1, computations.size());
    finish(0, 1);
    assertEquals(1, v(a));
    assertEquals(1, v(b));
    get("other", JIZHOU);
    assertEquals(2, computations.size());
  }

  @Test
  void anUnchangedAnswerIsReusedUntilItsMaximumAge() {
    get("k", JIZHOU);
    finish(0, 1);
    now.addAndGet(4_999 * MS);
    assertEquals(1, v(get("k", JIZHOU)));
    assertEquals(1, computations.size(), "no change heard of: no recomputation");
    now.addAndGet(1 * MS);
    assertEquals(1, v(get("k", JIZHOU)), "served at once while it is recomputed");
    assertEquals(1, v(get("k", JIZHOU)));
    assertEquals(2, computations.size(), "one background recomputation, not one per reader");
    finish(1, 2);
    assertEquals(2, v(get("k", JIZHOU)), "the recomputed answer replaces the old one");
  }

  @Test
  void aChangeInsideTheUnitRefreshesItOnceItIsOlderThanTtl() {
    get("city", TIANJIN);
    get("district", JIZHOU);
    get("other district", "120101");
    finish(0, 1);
    finish(1, 1);
    finish(2, 1);
    now.addAndGet(100 * MS);
    cache.changed("120119100001");
    assertEquals(1, v(get("district", JIZHOU)), "younger than ttl: served as it is");
    assertEquals(3, computations.size());
    now.addAndGet(300 * MS);
    assertEquals(1, v(get("district", JIZHOU)), "served while recomputed");
    assertEquals(1, v(get("city", TIANJIN)));
    assertEquals(1, v(get("other district", "120101")), "a change elsewhere does not touch it");
    assertEquals(5, computations.size(), "the district and the city are recomputed, the other district is not");
    finish(3, 2);
    finish(4, 2);
    assertEquals(2, v(get("district", JIZHOU)));
    assertEquals(2, v(get("city", TIANJIN)));
    assertEquals(5, computations.size(), "the new answers started after the change: no further recomputation");
  }

  @Test
  void aReaderFollowingAChangeWaitsForAnAnswerComputedAfterIt() {
    get("k", JIZHOU);
    finish(0, 1);
    now.addAndGet(10 * MS);
    assertEquals(1, v(get("k", JIZHOU, true)), "no change heard of: the cached answer will do");
    cache.changed("120119100001");
    now.addAndGet(1 * MS);
    Future<JsonObject> a = get("k", JIZHOU, true);
    Future<JsonObject> b = get("k", JIZHOU, true);
    assertFalse(a.isComplete(), "the answer predates the change");
    assertEquals(2, computations.size(), "readers following the same change share one computation");
    assertEquals(1, v(get("k", JIZHOU)), "other readers are still served at once");
    finish(1, 2);
    assertEquals(2, v(a));
    assertEquals(2, v(b));
  }

  @Test
  void aVeryOldAnswerIsNotServed() {
    get("k", JIZHOU);
    finish(0, 1);
    now.addAndGet(10_000 * MS);
    Future<JsonObject> f = get("k", JIZHOU);
    assertFalse(f.isComplete(), "an answer twice the maximum age old is not served");
    finish(1, 2);
    assertEquals(2, v(f));
  }

  @Test
  void failuresAreNotKept() {
    Future<JsonObject> f = get("k", JIZHOU);
    computations.get(0).fail("database down");
    assertTrue(f.failed());
    assertEquals(0, cache.size());
    get("k", JIZHOU);
    finish(1, 1);
    now.addAndGet(5_000 * MS);
    get("k", JIZHOU);
    computations.get(2).fail("database down");
    assertEquals(1, v(get("k", JIZHOU)), "a failed recomputation leaves the last answer in place");
    assertEquals(4, computations.size(), "and the next reader tries again");
  }

  @Test
  void ttlZeroComputesEveryTime() {
    RollupCache off = RollupCache.off();
    AtomicLong calls = new AtomicLong();
    off.get("k", JIZHOU, () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
    off.get("k", JIZHOU, () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
    assertEquals(2, calls.get());
  }

  @Test
  void theSettingsAreTheNodesConfigurationValidatedWithTheirNames() {
    String before = System.getProperty("yishi.stats.cacheMillis");
    System.clearProperty("yishi.stats.cacheMillis"); // the test run sets it to 0
    try {
      AppConfig.StatsSettings defaults = AppConfig.from(new JsonObject(), Map.of()).stats();
      assertEquals(400, defaults.cacheMillis());
      assertEquals(5_000, defaults.cacheMaxAgeMillis());
      AppConfig.StatsSettings set = AppConfig.from(new JsonObject().put("stats", new JsonObject().put("cacheMillis", 250)),
          Map.of("YISHI_STATS_CACHE_MAX_AGE_MILLIS", "9000")).stats();
      assertEquals(250, set.cacheMillis(), "from the YAML file");
      assertEquals(9_000, set.cacheMaxAgeMillis(), "from the environment");
      ConfigException e = assertThrows(ConfigException.class,
          () -> AppConfig.from(new JsonObject(), Map.of("YISHI_STATS_CACHE_MAX_AGE_MILLIS", "5 s")));
      assertEquals("YISHI_STATS_CACHE_MAX_AGE_MILLIS (stats.cacheMaxAgeMillis): '5 s' is not a whole number (expected 0-86400000)",
          e.getMessage());
      e = assertThrows(ConfigException.class, () -> AppConfig.from(new JsonObject(), Map.of("YISHI_STATS_CACHE_MILLIS", "-1")));
      assertEquals("YISHI_STATS_CACHE_MILLIS (stats.cacheMillis): -1 is out of range (expected 0-3600000)", e.getMessage());
      System.setProperty("yishi.stats.cacheMillis", "0");
      assertEquals(0, AppConfig.from(new JsonObject(), Map.of("YISHI_STATS_CACHE_MILLIS", "400")).stats().cacheMillis(),
          "the system property (the test run's switch) comes first");
    } finally {
      if (before == null) {
        System.clearProperty("yishi.stats.cacheMillis");
      } else {
        System.setProperty("yishi.stats.cacheMillis", before);
      }
    }
  }

  @Test
  void theNodesVerticlesShareOneCacheThatHearsCommittedChanges() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RollupCache node = RollupCache.start(vertx, 400, 5_000);
      AtomicLong calls = new AtomicLong();
      node.get("k", JIZHOU, () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
      node.get("k", JIZHOU, true, () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
      assertEquals(1, calls.get());
      new DomainEvents(vertx).publish("record.filed", new JsonObject().put("divisionCode", "120119100001"));
      CompletableFuture<Long> after = new CompletableFuture<>();
      // the event is delivered on an event loop: ask (and retry) until the cache has heard of it
      vertx.setPeriodic(10, id -> node.<JsonObject>get("k", JIZHOU, true,
          () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet()))).onSuccess(r -> {
            if (r.getLong("n") == 2) {
              vertx.cancelTimer(id);
              after.complete(calls.get());
            }
          }));
      assertEquals(2L, after.get(10, TimeUnit.SECONDS), "the committed change made the next reader recompute, once");
    } finally {
      vertx.close().await();
    }
  }
}
