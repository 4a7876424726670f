package org.yishi.reliability;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestPostgres;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits that keep a node answering under pressure: the per-user request rate (429 with
 * Retry-After) and a saturated database pool, whose bounded wait queue answers 503 at once
 * instead of queueing requests without end.
 */
class ResourceLimitsTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of(
        "YISHI_RATE_LIMIT_PER_SECOND", "2", "YISHI_RATE_LIMIT_BURST", "5",
        "YISHI_PG_POOL_SIZE", "2", "YISHI_PG_WAIT_QUEUE", "1", "YISHI_PG_CONNECT_TIMEOUT", "30"));
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;

  @Test
  void aUserOverTheRateGets429WithRetryAfterAndOthersAreUnaffected() throws Exception {
    Api api = new Api(node.baseUrl());
    String c3 = api.token("c3", AccountFixtures.PASSWORD);
    String d2 = api.token("d2", AccountFixtures.PASSWORD);
    HttpResponse<String> last = null;
    int ok = 0;
    for (int i = 0; i < 12; i++) {
      last = api.get("/api/v1/stations", c3);
      if (last.statusCode() != 200) {
        break;
      }
      ok++;
    }
    assertEquals(429, last.statusCode(), last.body());
    assertTrue(ok >= 5 && ok < 12, "the burst passed, then the limit: " + ok);
    assertEquals("too_many_requests", Api.errorCode(last));
    long wait = Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(wait >= 1, "Retry-After: " + wait);
    assertEquals(200, api.get("/api/v1/stations", d2).statusCode(), "another user is not limited");
    assertEquals(200, Http.get(node.baseUrl() + "/health").statusCode(), "probes are not limited");
    Thread.sleep(TimeUnit.SECONDS.toMillis(wait) + 200);
    assertEquals(200, api.get("/api/v1/stations", c3).statusCode(), "after Retry-After the user is served again");

    Browser page = new Browser(node.baseUrl()).login("c2", AccountFixtures.PASSWORD);
    HttpResponse<String> r = null;
    for (int i = 0; i < 12; i++) {
      r = page.get("/stations");
      if (r.statusCode() != 200) {
        break;
      }
    }
    assertEquals(429, r.statusCode());
    assertTrue(r.headers().firstValue("Retry-After").isPresent());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), "a page for a browser");
  }

  @Test
  void aSaturatedPoolAnswers503AtOnce() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    Api api = new Api(node.baseUrl());
    List<String> tokens = new ArrayList<>();
    for (String user : List.of("admin", "city", "d1", "c1")) {
      tokens.add(api.token(user, AccountFixtures.passwordOf(user)));
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    HttpResponse<String> refused;
    try (Connection lock = TestPostgres.jdbc(pgUrl)) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("SELECT 1 FROM station WHERE id = " + station + " FOR UPDATE");
      }
      // two writers take both pooled connections and wait on the locked station row; a third waits for a connection
      for (int i = 0; i < 3; i++) {
        held.add(client.sendAsync(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/topics"))
            .header("Authorization", "Bearer " + tokens.get(i)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("stationId", station).put("title", "占用连接" + i)
                .put("category", "livelihood").put("source", "residents").encode())).build(), HttpResponse.BodyHandlers.ofString()));
        Thread.sleep(400);
      }
      // the wait queue (one place) is full: the next request is refused without waiting
      refused = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/stations"))
          .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + tokens.get(3)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "the writers are still held while the refusal came back");
      lock.commit();
    }
    assertEquals(503, refused.statusCode(), refused.body());
    assertEquals("unavailable", Api.errorCode(refused));
    assertTrue(Http.json(refused).getJsonObject("error").getString("message").contains("busy"), refused.body());
    assertTrue(refused.headers().firstValue("Retry-After").isPresent());
    for (var h : held) {
      assertEquals(201, h.get(60, TimeUnit.SECONDS).statusCode(), "the held writers finish once the row is free");
    }
    assertEquals(3, new Sql(pgUrl).count("SELECT count(*) FROM topic WHERE title LIKE '占用连接%'"));
  }
}
