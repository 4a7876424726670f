package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.platform.events.DomainEvents;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
  void aSettingThatIsNotANumberStopsTheNodeWithItsName() {
    Vertx vertx = Vertx.vertx();
    String before = System.getProperty("yishi.stats.cacheMaxAgeMillis");
    try {
      System.setProperty("yishi.stats.cacheMaxAgeMillis", "5 s");
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> RollupCache.of(vertx));
      assertEquals("YISHI_STATS_CACHE_MAX_AGE_MILLIS: '5 s' is not a number of milliseconds", e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty("yishi.stats.cacheMaxAgeMillis");
      } else {
        System.setProperty("yishi.stats.cacheMaxAgeMillis", before);
      }
      vertx.close().await();
    }
  }

  @Test
  void theNodesVerticlesShareOneCacheThatHearsCommittedChanges() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RollupCache node = RollupCache.of(vertx, 400, 5_000);
      assertSame(node, RollupCache.of(vertx, 400, 5_000), "one cache per node");
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
