package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The roll-up cache's promises: computed once per key and period, never older than 2 × ttl, failures not kept. */
class RollupCacheTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final List<Promise<JsonObject>> computations = new ArrayList<>();
  private final RollupCache cache = new RollupCache(400, now::get);

  private Future<JsonObject> get(String key) {
    return cache.get(key, () -> {
      Promise<JsonObject> p = Promise.promise();
      computations.add(p);
      return p.future();
    });
  }

  private void finish(int i, int value) {
    computations.get(i).complete(new JsonObject().put("v", value));
  }

  @Test
  void concurrentReadersShareOneComputationAndReuseItWhileYoung() {
    Future<JsonObject> a = get("k");
    Future<JsonObject> b = get("k");
    assertSame(a, b);
    assertEquals(1, computations.size());
    finish(0, 1);
    now.addAndGet(399 * MS);
    assertEquals(1, get("k").result().getInteger("v"));
    assertEquals(1, computations.size());
    get("other");
    assertEquals(2, computations.size(), "each key has its own answer");
  }

  @Test
  void betweenTtlAndTwiceTtlTheOldAnswerIsServedWhileOneRefreshRuns() {
    get("k");
    finish(0, 1);
    now.addAndGet(500 * MS);
    assertEquals(1, get("k").result().getInteger("v"), "served at once");
    assertEquals(1, get("k").result().getInteger("v"));
    assertEquals(2, computations.size(), "one background refresh, not one per reader");
    finish(1, 2);
    assertEquals(2, get("k").result().getInteger("v"), "the refreshed answer replaces the old one");
  }

  @Test
  void olderThanTwiceTtlReadersWaitForAFreshAnswer() {
    get("k");
    finish(0, 1);
    now.addAndGet(800 * MS);
    Future<JsonObject> f = get("k");
    assertFalse(f.isComplete(), "an answer 0.8 s old is not served");
    finish(1, 2);
    assertEquals(2, f.result().getInteger("v"));
  }

  @Test
  void aFailedComputationIsNotKept() {
    Future<JsonObject> f = get("k");
    computations.get(0).fail("database down");
    assertTrue(f.failed());
    assertEquals(0, cache.size());
    get("k");
    assertEquals(2, computations.size());
  }

  @Test
  void ttlZeroComputesEveryTime() {
    RollupCache off = new RollupCache(0, now::get);
    AtomicLong calls = new AtomicLong();
    off.get("k", () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
    off.get("k", () -> Future.succeededFuture(new JsonObject().put("n", calls.incrementAndGet())));
    assertEquals(2, calls.get());
  }
}
