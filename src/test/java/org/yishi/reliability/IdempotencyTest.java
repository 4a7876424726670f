package org.yishi.reliability;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
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
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idempotency keys across two nodes sharing one database: a retry after a timeout, on the other
 * node, is answered with the first answer and writes nothing twice; a retry that took over the key
 * of a stalled attempt makes the stalled one roll back; forms carry their own token.
 */
class IdempotencyTest {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2);
  @FromNode private static String pgUrl;
  @FromNode private static Node a;
  @FromNode(member = 1) private static Node b;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql sql;
  private static String token;
  private static long haiming;

  @BeforeAll
  static void start() {
    haiming = f.stations.get(AccountFixtures.HAIMING);
    token = new Api(a.baseUrl()).token("c1", AccountFixtures.PASSWORD);
  }

  private static String topic(String title) {
    return new JsonObject().put("stationId", haiming).put("title", title).put("category", "livelihood")
        .put("source", "residents").put("description", "幂等测试").put("q1Answer", true).put("q1Reason", "热点")
        .put("q2Answer", true).put("q2Reason", "多部门").encode();
  }

  private static HttpRequest post(Node node, String key, String body, Duration timeout) {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/topics")).timeout(timeout)
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      r.header("Idempotency-Key", key);
    }
    return r.build();
  }

  private static HttpResponse<String> send(HttpRequest r) throws Exception {
    return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static long topics(String title) {
    return sql.count("SELECT count(*) FROM topic WHERE title = ?", title);
  }

  @Test
  void aRetryOnAnotherNodeIsAnsweredWithTheFirstAnswer() throws Exception {
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first = send(post(a, key, topic("重试议题"), Duration.ofSeconds(20)));
    assertEquals(201, first.statusCode(), first.body());
    HttpResponse<String> again = send(post(b, key, topic("重试议题"), Duration.ofSeconds(20)));
    assertEquals(201, again.statusCode(), again.body());
    assertEquals(first.body(), again.body(), "the same answer, with the same topic id");
    assertEquals(first.headers().firstValue("Location"), again.headers().firstValue("Location"));
    assertEquals("true", again.headers().firstValue("Idempotent-Replayed").orElse(""));
    assertFalse(first.headers().firstValue("Idempotent-Replayed").isPresent());
    assertEquals(1, topics("重试议题"), "written once");

    HttpResponse<String> other = send(post(b, key, topic("另一个议题"), Duration.ofSeconds(20)));
    assertEquals(422, other.statusCode(), other.body());
    assertTrue(Http.json(other).getJsonObject("error").getJsonObject("fields").containsKey("Idempotency-Key"), other.body());
    assertEquals(0, topics("另一个议题"));

    // keys belong to one account: another user's identical key is another submission
    String d1 = new Api(a.baseUrl()).token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> admin = send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/api/v1/topics"))
        .header("Authorization", "Bearer " + d1).header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(topic("重试议题"))).build());
    assertEquals(201, admin.statusCode(), admin.body());
    assertFalse(admin.headers().firstValue("Idempotent-Replayed").isPresent());
    assertEquals(2, topics("重试议题"));
  }

  @Test
  void aRetryAfterATimeoutCreatesNoDuplicate() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = topic("超时议题");
    try (Connection lock = TestPostgres.jdbc(pgUrl)) {
      // hold the station row: the topic's foreign-key check waits, so the request outlasts its client
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("SELECT 1 FROM station WHERE id = " + haiming + " FOR UPDATE");
      }
      assertThrows(HttpTimeoutException.class, () -> send(post(a, key, body, Duration.ofSeconds(2))),
          "the client gives up while node A is still working");
      HttpResponse<String> busy = send(post(b, key, body, Duration.ofSeconds(20)));
      assertEquals(409, busy.statusCode(), "still in progress on node A: " + busy.body());
      assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
      assertTrue(busy.body().contains("in progress"), busy.body());
      lock.commit();
    }
    HttpResponse<String> retry = null;
    for (int i = 0; i < 100; i++) {
      retry = send(post(b, key, body, Duration.ofSeconds(20)));
      if (retry.statusCode() != 409) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(201, retry.statusCode(), retry.body());
    assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(""), "node A's answer");
    assertEquals("超时议题", Http.json(retry).getString("title"));
    assertEquals(1, topics("超时议题"), "the timed-out request and its retry wrote one topic");
  }

  @Test
  void aRetryTakesOverFromAStalledAttemptWhichThenRollsBack() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = topic("接管议题");
    CompletableFuture<HttpResponse<String>> stalled;
    CompletableFuture<HttpResponse<String>> retry;
    try (Connection lock = TestPostgres.jdbc(pgUrl)) {
      // the station table is locked: node A's attempt stops before its transaction begins
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("LOCK TABLE station IN ACCESS EXCLUSIVE MODE");
      }
      stalled = CLIENT.sendAsync(post(a, key, body, Duration.ofSeconds(60)), HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 200 && sql.count("SELECT count(*) FROM idempotency_key WHERE key = ?", key) == 0; i++) {
        Thread.sleep(50);
      }
      // node A is taken for dead (as when it froze and left the cluster): its reservation is abandoned
      sql.count("UPDATE idempotency_key SET owner_node = 'gone' WHERE key = ? RETURNING 1", key);
      retry = CLIENT.sendAsync(post(b, key, body, Duration.ofSeconds(60)), HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 200 && sql.count("SELECT count(*) FROM idempotency_key WHERE key = ? AND owner_node <> 'gone'", key) == 0; i++) {
        Thread.sleep(50);
      }
      assertEquals(b.app().cluster().getNodeId(), sql.value("SELECT owner_node FROM idempotency_key WHERE key = ?", key),
          "node B took the key over");
      lock.commit();
    }
    HttpResponse<String> old = stalled.get(60, TimeUnit.SECONDS);
    HttpResponse<String> taken = retry.get(60, TimeUnit.SECONDS);
    assertEquals(201, taken.statusCode(), taken.body());
    assertEquals(409, old.statusCode(), "the stalled attempt's fence failed and it rolled back: " + old.body());
    assertEquals(1, topics("接管议题"), "exactly one topic");
    assertEquals("done", sql.value("SELECT state FROM idempotency_key WHERE key = ?", key));
  }

  @Test
  void aFailedAttemptReleasesItsKey() throws Exception {
    String key = UUID.randomUUID().toString();
    HttpResponse<String> bad = send(post(a, key, topic("题".repeat(101)), Duration.ofSeconds(20)));
    assertEquals(422, bad.statusCode(), bad.body());
    assertEquals(0, sql.count("SELECT count(*) FROM idempotency_key WHERE key = ?", key), "nothing kept for a refusal");
    HttpResponse<String> fixed = send(post(b, key, topic("改正后的议题"), Duration.ofSeconds(20)));
    assertEquals(201, fixed.statusCode(), fixed.body());
    assertEquals(1, topics("改正后的议题"));

    for (String badKey : new String[] {"", "x".repeat(256), "with space", "ctl\u0001"}) {
      HttpRequest r;
      try {
        r = HttpRequest.newBuilder(URI.create(a.baseUrl() + "/api/v1/topics"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .header("Idempotency-Key", badKey).POST(HttpRequest.BodyPublishers.ofString(topic("坏键"))).build();
      } catch (IllegalArgumentException e) {
        continue; // the JDK will not send a control character in a header; HostileInputTest sends it raw
      }
      HttpResponse<String> refused = send(r);
      assertEquals(422, refused.statusCode(), "key '" + badKey + "': " + refused.body());
    }
    assertEquals(0, topics("坏键"));
  }

  @Test
  void aFormSentTwiceWhileTheFirstIsSavingWaitsThenSaysSoAndSavesOnce() throws Exception {
    Browser browser = new Browser(a.baseUrl()).login("c3", AccountFixtures.PASSWORD);
    long changqing = f.stations.get(AccountFixtures.CHANGQING);
    browser.get("/topics/new?station=" + changqing);
    Map<String, String> fields = Map.of("stationId", String.valueOf(changqing), "title", "双击议题", "category", "livelihood",
        "source", "residents", "intent", "save", "_idempotency", browser.formToken("/topics"));
    CompletableFuture<HttpResponse<String>> first;
    HttpResponse<String> second;
    try (Connection lock = TestPostgres.jdbc(pgUrl)) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("SELECT 1 FROM station WHERE id = " + changqing + " FOR UPDATE");
      }
      first = CompletableFuture.supplyAsync(() -> browser.post("/topics", fields));
      for (int i = 0; i < 200 && sql.count("SELECT count(*) FROM idempotency_key WHERE key = ?", fields.get("_idempotency")) == 0; i++) {
        Thread.sleep(50);
      }
      second = browser.post("/topics", fields); // waits a few seconds for the first, which cannot finish yet
      lock.commit();
    }
    assertEquals(409, second.statusCode(), second.body());
    assertTrue(second.body().contains("data-error=\"in_progress\"") && second.body().contains("正在提交"), second.body());
    assertEquals(303, first.get(60, TimeUnit.SECONDS).statusCode());
    HttpResponse<String> third = browser.post("/topics", fields);
    assertEquals(303, third.statusCode(), "sent again, it shows the saved topic");
    assertEquals(first.get().headers().firstValue("Location"), third.headers().firstValue("Location"));
    assertEquals(1, topics("双击议题"));
  }

  @Test
  void answersCarryingPasswordsAreNeverKept() throws Exception {
    String admin = new Api(a.baseUrl()).token("admin", TestNodes.ADMIN_PASSWORD);
    String key = UUID.randomUUID().toString();
    String account = new JsonObject().put("username", "idem-user").put("displayName", "幂等用户").put("role", "district_staff")
        .put("scopeCode", AccountFixtures.TAOBEI).encode();
    HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(a.baseUrl() + "/api/v1/users"))
        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(account)).build());
    assertEquals(201, created.statusCode(), created.body());
    assertTrue(created.body().contains("temporaryPassword"), created.body());
    assertEquals(0, sql.count("SELECT count(*) FROM idempotency_key WHERE key = ?", key), "no copy of a temporary password is kept");
    HttpResponse<String> again = send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/api/v1/users"))
        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(account)).build());
    assertEquals(409, again.statusCode(), "a repeated creation is refused by the unique user name: " + again.body());
    assertEquals(1, sql.count("SELECT count(*) FROM account WHERE username = 'idem-user'"));

    String passwordKey = UUID.randomUUID().toString();
    HttpResponse<String> changed = send(HttpRequest.newBuilder(URI.create(a.baseUrl() + "/api/v1/me/password"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").header("Idempotency-Key", passwordKey)
        .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("currentPassword", "wrong-password-1")
            .put("newPassword", "another-password-2").encode())).build());
    assertTrue(changed.statusCode() == 422 || changed.statusCode() == 403 || changed.statusCode() == 401, changed.body());
    assertEquals(0, sql.count("SELECT count(*) FROM idempotency_key WHERE key = ?", passwordKey), "no hash of a password is kept");
  }

  @Test
  void concurrentDuplicatesWriteOnce() throws Exception {
    String key = UUID.randomUUID().toString();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sent.add(CLIENT.sendAsync(post(i % 2 == 0 ? a : b, key, topic("并发议题"), Duration.ofSeconds(30)),
          HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> statuses = new HashMap<>();
    for (var s : sent) {
      int status = s.get(60, TimeUnit.SECONDS).statusCode();
      statuses.merge(status, 1, Integer::sum);
      assertTrue(status == 201 || status == 409, "201 (first or replayed) or 409 (in progress): " + status);
    }
    assertTrue(statuses.getOrDefault(201, 0) >= 1, statuses.toString());
    assertEquals(1, topics("并发议题"), "eight concurrent copies, one topic: " + statuses);
  }

  @Test
  void everyFormCarriesItsOwnTokenAndARepeatedPostIsAnsweredOnce() {
    Browser browser = new Browser(a.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String page = browser.get("/topics/new").body();
    String first = browser.formToken("/topics");
    assertTrue(page.contains("name=\"_idempotency\" value=\"" + first + "\""));
    String logout = browser.formToken("/logout");
    assertFalse(first.equals(logout), "each form has its own token");
    browser.get("/topics/new");
    assertFalse(first.equals(browser.formToken("/topics")), "a new rendering, a new token");

    Map<String, String> fields = Map.of("stationId", String.valueOf(haiming), "title", "表单议题", "category", "livelihood",
        "source", "residents", "intent", "save", "_idempotency", first);
    HttpResponse<String> saved = browser.post("/topics", fields);
    assertEquals(303, saved.statusCode(), saved.body());
    // the browser sends the same form again (a double click, a reload after a timeout), to the other node
    HttpResponse<String> repeated = browser.at(b.baseUrl()).post("/topics", fields);
    assertEquals(303, repeated.statusCode(), repeated.body());
    assertEquals(saved.headers().firstValue("Location"), repeated.headers().firstValue("Location"), "to the same topic");
    assertEquals(1, topics("表单议题"));
    browser.at(a.baseUrl());
  }
}
