package org.yishi.platform.reliability;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Versioned loads (issue 18, item 12): a load that started before a change and finishes after the
 * invalidation is handed to its caller but not cached, on the node that made the change and on a
 * node that heard of it over the event bus.
 */
class ReferenceCacheTest {

  @Test
  void aLoadStartedBeforeAChangeIsNotKept() {
    ReferenceCache cache = new ReferenceCache(null);
    Promise<String> slow = Promise.promise();
    Future<String> first = cache.get("categories", "all", slow::future); // reads the rows before the change
    cache.changed("categories");                                         // the change commits meanwhile
    slow.complete("old");
    assertEquals("old", first.result(), "the caller that asked before the change gets what was read");
    AtomicInteger loads = new AtomicInteger();
    assertEquals("new", cache.get("categories", "all", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("new");
    }).result(), "the value read before the change must not be served after it");
    assertEquals(1, loads.get());
    assertEquals("new", cache.get("categories", "all", () -> Future.succeededFuture("newer")).result(),
        "a load started after the change is cached");
  }

  @Test
  void otherSetsAndLaterLoadsAreUnaffected() {
    ReferenceCache cache = new ReferenceCache(null);
    Promise<String> slow = Promise.promise();
    Future<String> divisions = cache.get("divisions", "x", slow::future);
    cache.changed("categories");
    slow.complete("d1");
    assertEquals("d1", divisions.result());
    assertEquals("d1", cache.get("divisions", "x", () -> Future.succeededFuture("d2")).result(),
        "a change of another set does not drop this one");
  }

  @Test
  void aLoadInFlightOnAnotherNodeIsNotKeptAfterItHeardOfTheChange() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ReferenceCache changing = new ReferenceCache(vertx); // the node where the change is made
      ReferenceCache other = new ReferenceCache(vertx);    // another node, on the same event bus
      Promise<String> slow = Promise.promise();
      Future<String> inFlight = other.get("divisions", "find:220802000000", slow::future);
      long before = other.generationOf("divisions");
      changing.changed("divisions");
      long deadline = System.nanoTime() + 10_000_000_000L; // waits for the event, asserts nothing about time
      while (other.generationOf("divisions") == before && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertTrue(other.generationOf("divisions") > before, "the other node heard of the change");
      slow.complete("old");
      assertEquals("old", inFlight.result());
      assertEquals("new", other.get("divisions", "find:220802000000", () -> Future.succeededFuture("new")).result(),
          "the other node must not keep what it read before the change");
    } finally {
      vertx.close().await();
    }
  }
}
