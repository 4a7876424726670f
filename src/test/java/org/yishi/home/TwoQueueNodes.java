package org.yishi.home;

import io.vertx.core.json.JsonObject;
import org.yishi.app.Node;
import org.yishi.platform.events.DomainEvent;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Http;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Two clustered nodes on one fresh database with the account fixtures (written through node 1), for
 * the work queue's tests across nodes (start them with the caches on, {@link SharedSectionsTest.CachesOn}),
 * and what those tests ask of them: a caller's queue, and an event heard on a node.
 */
final class TwoQueueNodes implements AutoCloseable {
  final Node one;
  final Node two;
  final AccountFixtures f;
  final Sql sql;
  final Api apiOne;
  final Api apiTwo;

  private TwoQueueNodes(Node one, AccountFixtures f, Node two, Sql sql) {
    this.one = one;
    this.two = two;
    this.f = f;
    this.sql = sql;
    this.apiOne = new Api(one.baseUrl());
    this.apiTwo = new Api(two.baseUrl());
  }

  static TwoQueueNodes start() {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    List<Map<String, String>> envs = TestNodes.clusterEnvs(pgUrl, 2, Map.of());
    Node one = TestNodes.start(envs.get(0));
    AccountFixtures f = AccountFixtures.create(one);
    return new TwoQueueNodes(one, f, TestNodes.start(envs.get(1)), new Sql(pgUrl));
  }

  /** Each test starts without copies on either node (other tests of the class read the same scopes). */
  void noCopies() {
    one.services().queue().shared().clear();
    two.services().queue().shared().clear();
  }

  @Override
  public void close() {
    two.close();
    one.close();
  }

  static String token(Api api, String username) {
    return api.token(username, AccountFixtures.PASSWORD);
  }

  /** The ids listed in section {@code key} of the caller's queue. */
  static Set<Long> items(Api api, String token, String key) {
    Set<Long> ids = new TreeSet<>();
    ids(api, token, key).forEach(id -> ids.add(Long.parseLong(id)));
    return ids;
  }

  /** The ids listed in section {@code key} of the caller's queue, as text. */
  static Set<String> ids(Api api, String token, String key) {
    JsonObject queue = Http.json(api.get("/api/v1/me/queue", token));
    for (Object o : queue.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      if (key.equals(s.getString("key"))) {
        Set<String> ids = new TreeSet<>();
        s.getJsonArray("items").forEach(i -> ids.add(String.valueOf(((JsonObject) i).getValue("id"))));
        return ids;
      }
    }
    throw new AssertionError("no " + key + " in " + queue.encode());
  }

  /**
   * Whether {@code section} of the caller's queue on {@code api} comes to hold {@code id} ({@code present})
   * or to lack it: asked again a few times, as a page would be, since the node's own listener of the
   * event may run just after the test's.
   */
  static boolean becomes(Api api, String token, String section, long id, boolean present) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      if (items(api, token, section).contains(id) == present) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** Completes once node {@code at} has heard {@code event} with a payload that {@code about} accepts. */
  static CompletableFuture<Void> heardOn(Node at, DomainEvent event, Predicate<JsonObject> about) {
    CompletableFuture<Void> heard = new CompletableFuture<>();
    var consumer = at.app().vertx().eventBus().<JsonObject>consumer(event.address(), m -> {
      if (about.test(m.body())) {
        heard.complete(null);
      }
    });
    consumer.completion().await();
    return heard.whenComplete((v, e) -> consumer.unregister());
  }
}
