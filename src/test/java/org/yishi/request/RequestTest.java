package org.yishi.request;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Residents' requests through the real node: the public form and status page (with a photo, bad
 * input, unknown codes), triage by the coordinator (accept into a topic, answer, decline, merge,
 * hide) with jurisdiction and masking, the limits and the challenge, the counters, the poster and
 * the phone-number retention.
 */
class RequestTest {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2, 3};
  static final String SCRIPT = "<script>alert('x')</script>'; DROP TABLE resident_request; --";
  private static final Pattern CODE = Pattern.compile("code=([0-9A-Z]{20})");
  private static final Pattern CHALLENGE_ID = Pattern.compile("name=\"challengeId\" value=\"([^\"]+)\"");
  private static final Pattern SUBMIT_TOKEN = Pattern.compile("name=\"submitToken\" value=\"([^\"]+)\"");
  private static final Pattern QUESTION = Pattern.compile("(\\d+) 加 (\\d+) 等于几");
  private static String pgUrl;
  private static Node node;
  private static AccountFixtures f;
  private static Sql sql;
  private static Api api;
  private static long s1;   // c1's station in 洮北区, active
  private static long s3;   // c3's station in 洮北区, active
  private static long s2;   // c2's station in 洮南市, left pending

  /** The settings of the second member of the node's cluster, started by the test that needs it. */
  private static Map<String, String> secondNode;

  @BeforeAll
  static void start() {
    pgUrl = TestPostgres.freshDatabaseUrl();
    java.util.List<Map<String, String>> envs = TestNodes.clusterEnvs(pgUrl, 2, Map.of(
        "YISHI_REQUEST_PER_ADDRESS_HOUR", "40", "YISHI_REQUEST_CHALLENGE_AFTER", "30",
        "YISHI_REQUEST_PER_PHONE_DAY", "8", "YISHI_REQUEST_PHOTO_MAX_BYTES", "4096"));
    node = TestNodes.start(envs.get(0));
    secondNode = envs.get(1);
    f = AccountFixtures.create(node);
    sql = new Sql(pgUrl);
    api = new Api(node.baseUrl());
    s1 = f.stations.get(AccountFixtures.HAIMING);
    s3 = f.stations.get(AccountFixtures.CHANGQING);
    s2 = f.stations.get(AccountFixtures.TUANJIE);
    node.app().pool().query("UPDATE station SET status = 'active' WHERE id IN (" + s1 + ", " + s3 + ")").execute().await();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @BeforeEach
  void forgetCounts() {
    node.app().pool().query("DELETE FROM resident_request_limit").execute().await();
  }

  /** A resident's submission: the status code, and the tracking code when it was taken. */
  record Submitted(HttpResponse<String> response, String code) {
  }

  /**
   * A resident's submission of a form just opened (its one-time token), unless the fields name the
   * token ({@code submitToken}: "" sends none).
   */
  static Submitted submit(Browser b, long station, Map<String, String> fields, byte[] photo) {
    Map<String, String> all = new HashMap<>(Map.of("station", String.valueOf(station), "category", "livelihood",
        "description", "小区路灯坏了三个月"));
    if (!fields.containsKey("submitToken")) {
      all.put("submitToken", formToken(b, station));
    }
    all.putAll(fields);
    all.values().removeIf(v -> v == null);
    HttpResponse<String> r = b.postMultipart("/r/submit", all, photo == null ? null : "photo", "p.png", photo);
    String location = r.headers().firstValue("Location").orElse("");
    Matcher m = CODE.matcher(location);
    return new Submitted(r, m.find() ? m.group(1) : null);
  }

  /** The one-time token of a freshly opened form (null when the station has none). */
  static String formToken(Browser b, long station) {
    Matcher m = SUBMIT_TOKEN.matcher(b.get("/r/" + station).body());
    return m.find() ? m.group(1) : null;
  }

  static Browser resident(long station) {
    Browser b = new Browser(node.baseUrl());
    HttpResponse<String> form = b.get("/r/" + station);
    assertEquals(200, form.statusCode(), form.body());
    return b;
  }

  private static long idOf(String code) {
    return sql.count("SELECT id FROM resident_request WHERE tracking_code = ?", code);
  }

  @Test
  void aResidentSubmitsWithAPhotoAndFollowsTheRequestSeeingNothingPersonal() {
    Browser b = resident(s1);
    String form = b.get("/r/" + s1).body();
    assertTrue(form.contains("enctype=\"multipart/form-data\"") && form.contains("name=\"photo\""), form);
    assertFalse(form.contains("<script src") && !form.contains("defer"), "the form needs no script");
    Submitted s = submit(b, s1, Map.of("description", SCRIPT, "place", "幸福小区3号楼", "phone", "138 0013 8000"), PNG);
    assertEquals(303, s.response().statusCode(), s.response().body());
    assertNotNull(s.code());
    Map<String, Object> row = sql.row("SELECT description, place, phone, status, station_id FROM resident_request WHERE tracking_code = ?", s.code());
    assertEquals(SCRIPT, row.get("description"), "stored verbatim");
    assertEquals("13800138000", row.get("phone"));
    assertEquals("received", row.get("status"));
    assertEquals("image/png", sql.value("SELECT media_type FROM resident_request_photo WHERE request_id = ?", idOf(s.code())));
    assertEquals(1, sql.count("SELECT count(*) FROM outbox WHERE channel = 'sms' AND recipient = '13800138000' AND dedupe_key = ?",
        "request:" + idOf(s.code()) + ":received"));

    HttpResponse<String> status = new Browser(node.baseUrl()).get("/r/track?code=" + s.code().toLowerCase() + "&new=1");
    assertEquals(200, status.statusCode());
    assertTrue(status.body().contains("已收到"), status.body());
    assertTrue(status.body().contains(TrackingCode.grouped(s.code())));
    assertFalse(status.body().contains("路灯") || status.body().contains("alert(") || status.body().contains("13800138000")
        || status.body().contains("8000") || status.body().contains("幸福小区"), "nothing personal on the status page");

    // two codes are never alike and never in sequence
    Submitted other = submit(b, s1, Map.of(), null);
    assertNotEquals(s.code(), other.code());
  }

  @Test
  void theSameFormSentTwiceStoresOneRequestAndAnswersTheSameCode() throws Exception {
    Browser b = resident(s1);
    String token = formToken(b, s1);
    assertNotNull(token, "the form carries a one-time token");
    Map<String, String> fields = Map.of("submitToken", token, "phone", "13900139000", "description", "楼道堆物");
    Submitted first = submit(b, s1, fields, null);
    Submitted again = submit(b, s1, fields, null);
    assertEquals(303, first.response().statusCode(), first.response().body());
    assertEquals(303, again.response().statusCode(), again.response().body());
    assertEquals(first.code(), again.code(), "the second post answers the first one's tracking code");
    assertEquals(1, sql.count("SELECT count(*) FROM resident_request WHERE submit_token = ?", token));
    assertEquals(1, sql.count("SELECT count(*) FROM outbox WHERE dedupe_key LIKE ?", "request:" + idOf(first.code()) + ":%"));
    assertEquals(1, sql.count("SELECT hits FROM resident_request_limit WHERE key = 'phone:13900139000'"), "counted once");

    // the same form sent eight times at once (a double tap, a retrying phone): one request, one code
    String once = formToken(b, s1);
    long before = sql.count("SELECT count(*) FROM resident_request");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<Submitted>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(pool.submit(() -> submit(b, s1, Map.of("submitToken", once, "description", "同时提交"), null)));
      }
      java.util.Set<String> codes = new java.util.HashSet<>();
      for (java.util.concurrent.Future<Submitted> f : all) {
        Submitted s = f.get();
        assertEquals(303, s.response().statusCode(), s.response().body());
        codes.add(s.code());
      }
      assertEquals(1, codes.size(), "every answer names the same request: " + codes);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(before + 1, sql.count("SELECT count(*) FROM resident_request"));
    assertEquals(1, sql.count("SELECT count(*) FROM resident_request WHERE submit_token = ?", once));

    // no token, a forged one, one of another station's form: the form comes back (with a new token), nothing stored
    for (String bad : new String[] {"", "AAAAAAAAAAAAAAAAAAAAAA", "'; DROP TABLE resident_request; --", formToken(b, s3)}) {
      HttpResponse<String> r = submit(b, s1, Map.of("submitToken", bad), null).response();
      assertEquals(422, r.statusCode(), bad);
      assertTrue(r.body().contains("表单已失效"), r.body());
      Matcher fresh = SUBMIT_TOKEN.matcher(r.body());
      assertTrue(fresh.find() && !fresh.group(1).equals(bad), "a new token to send it with");
    }
    assertEquals(before + 1, sql.count("SELECT count(*) FROM resident_request"), "nothing stored for an unknown token");
  }

  @Test
  void aFormOpenedOnOneNodeAndSentToAnotherAndBackStoresOneRequest() throws Exception {
    Node other = TestNodes.start(secondNode);
    try {
      Browser b = resident(s1);
      String token = formToken(b, s1); // given out by node 1
      Map<String, String> fields = Map.of("submitToken", token, "description", "跨节点提交");
      Submitted atOther = submit(b.at(other.baseUrl()), s1, fields, null);
      assertEquals(303, atOther.response().statusCode(), atOther.response().body());
      Submitted back = submit(b.at(node.baseUrl()), s1, fields, null);
      assertEquals(atOther.code(), back.code(), "node 1 answers the request node 2 stored");
      assertEquals(1, sql.count("SELECT count(*) FROM resident_request WHERE submit_token = ?", token));

      // both nodes at once, four posts each, of a form node 2 gave out (the token is the form's, not the session's)
      Browser x = resident(s1);
      Browser y = new Browser(other.baseUrl());
      String once = formToken(y, s1);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      try {
        java.util.List<java.util.concurrent.Future<HttpResponse<String>>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
          Browser at = i % 2 == 0 ? x : y;
          all.add(pool.submit(() -> at.postMultipart("/r/submit", Map.of("station", String.valueOf(s1), "category", "livelihood",
              "description", "两台同时", "submitToken", once), null, null, null)));
        }
        java.util.Set<String> locations = new java.util.HashSet<>();
        for (java.util.concurrent.Future<HttpResponse<String>> r : all) {
          assertEquals(303, r.get().statusCode(), r.get().body());
          locations.add(r.get().headers().firstValue("Location").orElseThrow());
        }
        assertEquals(1, locations.size(), locations.toString());
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, sql.count("SELECT count(*) FROM resident_request WHERE submit_token = ?", once));
    } finally {
      other.close();
    }
  }

  @Test
  void residentsGetTextMessagesInTheLanguageOfThePageTheyUsed() {
    Browser en = new Browser(node.baseUrl());
    en.get("/lang/en");
    assertEquals(200, en.get("/r/" + s1).statusCode());
    Submitted english = submit(en, s1, Map.of("phone", "13500135000"), null);
    assertEquals(303, english.response().statusCode(), english.response().body());
    Submitted chinese = submit(resident(s1), s1, Map.of("phone", "13500135001"), null);
    long id = idOf(english.code());
    assertEquals("en", sql.value("SELECT locale FROM resident_request WHERE id = ?", id));
    Map<String, Object> m = sql.row("SELECT body, subject, locale FROM outbox WHERE dedupe_key = ?", "request:" + id + ":received");
    assertEquals("[Yishi] We have received your request. Tracking code " + TrackingCode.grouped(english.code())
        + "; scan the station's QR code to follow it.", m.get("body"));
    assertEquals("en", m.get("locale"));
    assertEquals("【议事】已收到您的意见建议。查询码 " + TrackingCode.grouped(chinese.code()) + "，可扫描议事室二维码查询进度。",
        sql.value("SELECT body FROM outbox WHERE dedupe_key = ?", "request:" + idOf(chinese.code()) + ":received"));

    // triage: the coordinator's action reaches the resident in English too
    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    c1.get("/requests/" + id);
    assertEquals(303, c1.post("/requests/" + id + "/triage", Map.of("action", "decline", "reply", "不属于本室")).statusCode());
    String declined = (String) sql.value("SELECT body FROM outbox WHERE dedupe_key = ?", "request:" + id + ":decline");
    assertTrue(declined.startsWith("[Yishi] Your request has not been taken up"), declined);
    assertFalse(declined.contains("不属于本室"), "the reason is on the status page, not in the message");
  }

  @Test
  void unknownAndMalformedCodesGetTheSameAnswer() {
    Browser b = new Browser(node.baseUrl());
    HttpResponse<String> unknown = b.get("/r/track?code=" + "0".repeat(20));
    HttpResponse<String> malformed = b.get("/r/track?code=" + java.net.URLEncoder.encode("' OR 1=1 --<script>", java.nio.charset.StandardCharsets.UTF_8));
    HttpResponse<String> tooLong = b.get("/r/track?code=" + "A".repeat(500));
    for (HttpResponse<String> r : java.util.List.of(unknown, malformed, tooLong)) {
      assertEquals(404, r.statusCode());
      assertTrue(r.body().contains("id=\"unknown-code\""));
      assertFalse(r.body().contains("<script>"), "nothing typed is echoed");
    }
    assertEquals(200, b.get("/r/track").statusCode(), "the form to enter a code");
  }

  @Test
  void badInputIsRefusedWithNothingStored() {
    Browser b = resident(s1);
    long before = sql.count("SELECT count(*) FROM resident_request");
    Map<String, String[]> cases = new java.util.LinkedHashMap<>();
    assertEquals(422, submit(b, s1, Map.of("description", " \u3000 "), null).response().statusCode(), "blank text");
    assertEquals(422, submit(b, s1, Map.of("description", "长".repeat(2001)), null).response().statusCode(), "too long");
    assertEquals(422, submit(b, s1, Map.of("category", "'; DROP TABLE topic; --"), null).response().statusCode(), "unknown category");
    assertEquals(422, submit(b, s1, Map.of("phone", "12345"), null).response().statusCode(), "not a mobile number");
    assertEquals(422, submit(b, s1, Map.of("description", "a\u0000b"), null).response().statusCode(), "control character");
    HttpResponse<String> gif = submit(b, s1, Map.of(), "GIF89a<script>".getBytes()).response();
    assertEquals(422, gif.statusCode(), "a photo that is no JPEG, PNG or WebP by its bytes");
    assertTrue(gif.body().contains("JPEG、PNG 或 WebP"), gif.body());
    byte[] big = new byte[5000];
    System.arraycopy(PNG, 0, big, 0, PNG.length);
    assertEquals(422, submit(b, s1, Map.of(), big).response().statusCode(), "a photo over the size limit");
    byte[] huge = new byte[200_000];
    assertEquals(413, submit(b, s1, Map.of(), huge).response().statusCode(), "a body over the limit");
    assertEquals(404, submit(b, s2, Map.of(), null).response().statusCode(), "a station not active");
    assertEquals(404, submit(b, 0, Map.of("station", "abc"), null).response().statusCode(), "no station");
    assertEquals(404, new Browser(node.baseUrl()).get("/r/" + s2).statusCode());
    assertEquals(404, new Browser(node.baseUrl()).get("/r/99999999").statusCode());
    assertEquals(403, submit(b, s1, Map.of("_csrf", "forged"), null).response().statusCode(), "a forged form");
    assertEquals(before, sql.count("SELECT count(*) FROM resident_request"), "nothing half-written");
    assertTrue(cases.isEmpty());
  }

  @Test
  void theCoordinatorAcceptsARequestIntoATopicAndTheResidentSeesEachStep() {
    Browser resident = resident(s1);
    String code = submit(resident, s1, Map.of("description", "菜市场门口积水，老人出行不便", "phone", "13900139000"), PNG).code();
    long id = idOf(code);

    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> list = c1.get("/requests?status=received");
    assertTrue(list.body().contains("/requests/" + id), list.body());
    HttpResponse<String> view = c1.get("/requests/" + id);
    assertTrue(view.body().contains("13900139000"), "the coordinator sees the number while the request is open");
    assertEquals(200, c1.getBytes("/requests/" + id + "/photo").statusCode());
    Browser d1 = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String d1View = d1.get("/requests/" + id).body();
    assertTrue(d1View.contains("139****9000") && !d1View.contains("13900139000"), "district staff see it masked");
    assertTrue(d1.get("/requests").body().contains("/requests/" + id), "district staff see their district's requests");
    String d1Api = api.get("/api/v1/requests?status=received", api.token("d1", AccountFixtures.PASSWORD)).body();
    assertTrue(d1Api.contains("139****9000") && !d1Api.contains("13900139000") && !d1Api.contains(code), d1Api);
    Browser c2 = new Browser(node.baseUrl()).login("c2", AccountFixtures.PASSWORD);
    assertEquals(403, c2.get("/requests/" + id).statusCode());
    assertFalse(c2.get("/requests").body().contains("/requests/" + id));
    assertEquals(403, c2.get("/requests?station=" + s1).statusCode(), "a station outside the caller's jurisdiction");
    assertEquals(403, api.get("/api/v1/requests?stationId=" + s1, api.token("c2", AccountFixtures.PASSWORD)).statusCode());
    assertEquals(422, api.get("/api/v1/requests?stationId=99999999", api.token("c2", AccountFixtures.PASSWORD)).statusCode());
    assertEquals(422, api.get("/api/v1/requests?stationId=abc&status=open", api.token("c2", AccountFixtures.PASSWORD)).statusCode());
    assertTrue(c1.get("/requests?station=" + s1).body().contains("/requests/" + id));
    assertEquals(403, c2.post("/requests/" + id + "/triage", Map.of("action", "answer", "reply", "x")).statusCode());
    assertEquals(403, d1.post("/requests/" + id + "/triage", Map.of("action", "answer", "reply", "x")).statusCode(),
        "district staff watch; the coordinator triages");

    JsonObject queue = Http.json(api.get("/api/v1/me/queue", api.token("c1", AccountFixtures.PASSWORD)));
    JsonObject section = queue.getJsonArray("sections").stream().map(o -> (JsonObject) o)
        .filter(o -> "residentRequests".equals(o.getString("key"))).findFirst().orElseThrow();
    assertTrue(section.getJsonArray("items").stream().anyMatch(o -> ((JsonObject) o).getLong("id") == id), section.encode());
    assertTrue(c1.get("/").body().contains("/requests/" + id), "in the coordinator's work queue");

    c1.get("/requests/" + id);
    HttpResponse<String> accept = c1.post("/requests/" + id + "/triage", Map.of("action", "accept", "title", "菜市场积水治理"));
    assertEquals(303, accept.statusCode(), accept.body());
    long topic = sql.count("SELECT topic_id FROM topic_request WHERE request_id = ?", id);
    assertEquals("菜市场积水治理", sql.value("SELECT title FROM topic WHERE id = ?", topic));
    assertEquals("residents", sql.value("SELECT source FROM topic WHERE id = ?", topic));
    assertEquals("draft", sql.value("SELECT status FROM topic WHERE id = ?", topic));
    assertEquals(1, sql.count("SELECT count(*) FROM outbox WHERE dedupe_key = ?", "request:" + id + ":accept"));
    assertEquals(1, sql.count("SELECT count(*) FROM audit_log WHERE action = 'request.accept' AND entity_id = ?", String.valueOf(id)));
    assertTrue(c1.get("/requests/" + id).body().contains("139****9000"), "masked for everyone once triaged");
    assertEquals(409, c1.post("/requests/" + id + "/triage", Map.of("action", "answer", "reply", "再答")).statusCode(),
        "triaged once");

    String page = new Browser(node.baseUrl()).get("/r/track?code=" + code).body();
    assertTrue(page.contains("step-accepted done"), page);
    assertFalse(page.contains("step-held done"));

    // the meeting and outcome features have their own tests: here their rows are written directly
    var pool = node.app().pool();
    pool.preparedQuery("UPDATE topic SET status = 'approved', q1_answer = true, q1_reason = '民生', q2_answer = true, q2_reason = '适合' WHERE id = $1")
        .execute(Tuple.of(topic)).await();
    long meeting = pool.preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
            SELECT id, station_id, division_code, now() - interval '2 hours', now() - interval '1 hour', '议事室', 'on_site', 'grassroots', 'held'
              FROM topic WHERE id = $1 RETURNING id""").execute(Tuple.of(topic)).await().iterator().next().getLong(0);
    page = new Browser(node.baseUrl()).get("/r/track?code=" + code).body();
    assertTrue(page.contains("step-held done") && !page.contains("step-outcome done"), page);
    pool.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on, status, answer, reply,
                                 answered_at, implementation_evidence, implemented_at, satisfaction, rated_at, closed_at)
            SELECT id, station_id, division_code, '疏通排水', 'minutes', '区住建局', current_date + 30, 'closed', 'adopted', '已办',
                   now(), '已完成', now(), 'satisfied', now(), now() FROM meeting WHERE id = $1""").execute(Tuple.of(meeting)).await();
    page = new Browser(node.baseUrl()).get("/r/track?code=" + code).body();
    for (String step : new String[] {"received", "accepted", "held", "outcome", "implemented", "rated"}) {
      assertTrue(page.contains("step-" + step + " done"), step + ": " + page);
    }
    assertTrue(page.contains("群众满意"));
    RequestService service = node.services().requests();
    service.runScheduled(Instant.now()).await();
    service.runScheduled(Instant.now()).await();
    for (String step : new String[] {"held", "outcome", "implemented", "rated"}) {
      assertEquals(1, sql.count("SELECT count(*) FROM outbox WHERE recipient = '13900139000' AND dedupe_key = ?", "request:" + id + ":" + step),
          "one message for " + step);
    }
    assertTrue(String.valueOf(sql.value("SELECT body FROM outbox WHERE dedupe_key = ?", "request:" + id + ":rated"))
        .contains(TrackingCode.grouped(code)));
    assertFalse(page.contains("区住建局") || page.contains("疏通排水") || page.contains("洮北联络员"), "nothing about staff");
  }

  @Test
  void declinedMergedAnsweredAndHiddenRequests() {
    Browser resident = resident(s1);
    String first = submit(resident, s1, Map.of("description", "健身器材损坏"), null).code();
    String dup = submit(resident, s1, Map.of("description", "健身器材坏了"), null).code();
    String decl = submit(resident, s1, Map.of("description", "要求给我家装空调"), null).code();
    String ans = submit(resident, s1, Map.of("description", "社区几点开门"), null).code();
    String abuse = submit(resident, s1, Map.of("description", "骂人的话 " + SCRIPT), null).code();
    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    c1.get("/requests/" + idOf(first));
    assertEquals(303, c1.post("/requests/" + idOf(first) + "/triage", Map.of("action", "accept")).statusCode());
    assertEquals(422, c1.post("/requests/" + idOf(dup) + "/triage", Map.of("action", "merge")).statusCode(), "merge needs a target");
    assertEquals(422, c1.post("/requests/" + idOf(dup) + "/triage", Map.of("action", "merge", "target", String.valueOf(idOf(dup))))
        .statusCode(), "not into itself");
    assertEquals(303, c1.post("/requests/" + idOf(dup) + "/triage", Map.of("action", "merge", "target", String.valueOf(idOf(first))))
        .statusCode());
    assertEquals(422, c1.post("/requests/" + idOf(decl) + "/triage", Map.of("action", "decline")).statusCode(), "a reason is needed");
    assertEquals(422, c1.post("/requests/" + idOf(decl) + "/triage", Map.of("action", "promote", "reply", "x")).statusCode());
    assertEquals(303, c1.post("/requests/" + idOf(decl) + "/triage", Map.of("action", "decline", "reply", "属个人事务，" + SCRIPT)).statusCode());
    assertEquals(303, c1.post("/requests/" + idOf(ans) + "/triage", Map.of("action", "answer", "reply", "每天八点开门")).statusCode());
    assertEquals(303, c1.post("/requests/" + idOf(abuse) + "/triage", Map.of("action", "hide", "reply", "辱骂")).statusCode());

    long topic = sql.count("SELECT topic_id FROM topic_request WHERE request_id = ?", idOf(first));
    assertEquals(topic, sql.count("SELECT topic_id FROM topic_request WHERE request_id = ?", idOf(dup)), "the topic keeps every request it answers");

    Browser anyone = new Browser(node.baseUrl());
    String merged = anyone.get("/r/track?code=" + dup).body();
    assertTrue(merged.contains("step-merged done") && merged.contains("step-accepted done"), merged);
    String declined = anyone.get("/r/track?code=" + decl).body();
    assertTrue(declined.contains("step-declined done") && declined.contains("属个人事务"), declined);
    assertTrue(declined.contains("&lt;script&gt;") && !declined.contains(SCRIPT), "the reason is escaped");
    assertTrue(anyone.get("/r/track?code=" + ans).body().contains("每天八点开门"));
    String hidden = anyone.get("/r/track?code=" + abuse).body();
    assertTrue(hidden.contains("step-closed done") && !hidden.contains("辱骂"), hidden);
    assertEquals(SCRIPT, sql.value("SELECT substr(description, 6) FROM resident_request WHERE id = ?", idOf(abuse)), "kept");
    assertFalse(c1.get("/requests").body().contains("骂人的话"), "hidden content is not listed");
    assertEquals(1, sql.count("SELECT count(*) FROM audit_log WHERE action = 'request.hide' AND entity_id = ?", String.valueOf(idOf(abuse))));
  }

  @Test
  void nearTheLimitAChallengeIsAskedAndBeyondItSubmissionsAreRefused() {
    Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
    for (Instant w : new Instant[] {hour, hour.plus(1, ChronoUnit.HOURS)}) {
      node.app().pool().preparedQuery("INSERT INTO resident_request_limit (key, window_start, hits) VALUES ('address:127.0.0.1', $1, 30)")
          .execute(Tuple.of(OffsetDateTime.ofInstant(w, ZoneOffset.UTC))).await();
    }
    Browser b = new Browser(node.baseUrl());
    String form = b.get("/r/" + s3).body();
    Matcher q = QUESTION.matcher(form);
    assertTrue(q.find(), "the challenge is asked: " + form);
    long before = sql.count("SELECT count(*) FROM resident_request");
    HttpResponse<String> noAnswer = submit(b, s3, Map.of(), null).response();
    assertEquals(422, noAnswer.statusCode());
    assertTrue(noAnswer.body().contains("请回答这个问题"));
    HttpResponse<String> wrong = submit(b, s3, Map.of("challenge", "-1"), null).response();
    assertEquals(422, wrong.statusCode());
    Matcher q2 = QUESTION.matcher(wrong.body());
    assertTrue(q2.find(), "a new question after a wrong answer");
    int answer = Integer.parseInt(q2.group(1)) + Integer.parseInt(q2.group(2));
    Matcher id = CHALLENGE_ID.matcher(wrong.body());
    assertTrue(id.find());
    Submitted ok = submit(b, s3, Map.of("challenge", String.valueOf(answer), "challengeId", id.group(1)), null);
    assertEquals(303, ok.response().statusCode(), ok.response().body());
    assertEquals(422, submit(b, s3, Map.of("challenge", String.valueOf(answer), "challengeId", id.group(1)), null).response().statusCode(),
        "one answer, one submission");
    assertEquals(before + 1, sql.count("SELECT count(*) FROM resident_request"));

    // per phone number: the day's allowance used up elsewhere
    node.app().pool().query("DELETE FROM resident_request_limit").execute().await();
    node.app().pool().preparedQuery("INSERT INTO resident_request_limit (key, window_start, hits) VALUES ('phone:13700137000', $1, 8)")
        .execute(Tuple.of(OffsetDateTime.ofInstant(Instant.now().truncatedTo(ChronoUnit.DAYS), ZoneOffset.UTC))).await();
    Browser c = new Browser(node.baseUrl());
    String askForm = c.get("/r/" + s3).body();
    Matcher q3 = QUESTION.matcher(askForm);
    // not asked yet: the form does not know the number; the post is then refused outright
    HttpResponse<String> phone = submit(c, s3, Map.of("phone", "13700137000"), null).response();
    if (phone.statusCode() == 422) { // asked because the number's limit is near: answer and try again
      Matcher q4 = QUESTION.matcher(phone.body());
      Matcher id4 = CHALLENGE_ID.matcher(phone.body());
      assertTrue(q4.find() && id4.find());
      phone = submit(c, s3, Map.of("phone", "13700137000", "challengeId", id4.group(1), "challenge",
          String.valueOf(Integer.parseInt(q4.group(1)) + Integer.parseInt(q4.group(2)))), null).response();
    }
    assertEquals(429, phone.statusCode(), phone.body());
    assertTrue(phone.headers().firstValue("Retry-After").isPresent());
    assertEquals(before + 1, sql.count("SELECT count(*) FROM resident_request"), "nothing stored beyond a limit");
    assertEquals(8, sql.count("SELECT hits FROM resident_request_limit WHERE key = 'phone:13700137000'"), "the refused count rolled back");
    assertFalse(q3.find(), "the form alone asks nothing while the address is far from its limit");
  }

  @Test
  void countersByCategoryAndStationAndThePoster() {
    Browser resident = resident(s3);
    String a = submit(resident, s3, Map.of("category", "ecology", "description", "河道垃圾"), null).code();
    String b = submit(resident, s3, Map.of("category", "ecology", "description", "河道垃圾二"), null).code();
    String c = submit(resident, s3, Map.of("category", "education", "description", "放学拥堵"), null).code();
    Browser c3 = new Browser(node.baseUrl()).login("c3", AccountFixtures.PASSWORD);
    c3.get("/requests/" + idOf(a));
    assertEquals(303, c3.post("/requests/" + idOf(a) + "/triage", Map.of("action", "accept")).statusCode());
    assertEquals(303, c3.post("/requests/" + idOf(b) + "/triage", Map.of("action", "decline", "reply", "重复")).statusCode());
    String token = api.token("d1", AccountFixtures.PASSWORD);
    JsonObject stats = Http.json(api.get("/api/v1/requests/stats", token));
    JsonObject station = stats.getJsonArray("byStation").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getLong("stationId") == s3).findFirst().orElseThrow();
    assertEquals(3, station.getLong("received"), stats.encodePrettily());
    assertEquals(1, station.getLong("turned_into_topics"));
    assertEquals(1, station.getLong("declined"));
    assertEquals(2, station.getLong("answered_in_time"));
    assertTrue(stats.getJsonArray("byCategory").stream().map(o -> (JsonObject) o)
        .anyMatch(o -> "education".equals(o.getString("category")) && o.getLong("received") >= 1));
    assertTrue(Http.json(api.get("/api/v1/requests/stats", api.token("d2", AccountFixtures.PASSWORD)))
        .getJsonArray("byStation").stream().noneMatch(o -> ((JsonObject) o).getLong("stationId") == s3), "another district's");
    assertEquals(422, api.get("/api/v1/requests/stats?from=2026-13", token).statusCode());
    assertEquals(200, new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/requests/stats").statusCode());
    assertNotNull(c);

    HttpResponse<String> poster = c3.get("/stations/" + s3 + "/poster");
    assertEquals(200, poster.statusCode());
    assertTrue(poster.body().contains("<svg") && poster.body().contains("/r/" + s3), poster.body());
    assertEquals(403, c3.get("/stations/" + s1 + "/poster").statusCode());
  }

  @Test
  void phoneNumbersAreErasedAfterTheRetentionPeriod() {
    Browser resident = resident(s1);
    String old = submit(resident, s1, Map.of("phone", "13600136000"), null).code();
    String recent = submit(resident, s1, Map.of("phone", "13600136001"), null).code();
    Instant now = Instant.parse("2030-06-01T00:00:00Z"); // the job's clock, moved by the test
    node.app().pool().preparedQuery("UPDATE resident_request SET created_at = $2 WHERE tracking_code = $1")
        .execute(Tuple.of(old, OffsetDateTime.ofInstant(now.minus(181, ChronoUnit.DAYS), ZoneOffset.UTC))).await();
    node.app().pool().preparedQuery("UPDATE resident_request SET created_at = $2 WHERE tracking_code = $1")
        .execute(Tuple.of(recent, OffsetDateTime.ofInstant(now.minus(179, ChronoUnit.DAYS), ZoneOffset.UTC))).await();
    // the first message was sent (the gateway echoed the number), a later one still waits in the queue
    long oldId = idOf(old);
    node.app().pool().preparedQuery("""
            UPDATE outbox SET sent_at = now(), sent_by = 'node-x', gateway_reply = '{"to":"13600136000","ok":true}'
             WHERE dedupe_key = $1""").execute(Tuple.of("request:" + oldId + ":received")).await();
    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    c1.get("/requests/" + oldId);
    assertEquals(303, c1.post("/requests/" + oldId + "/triage", Map.of("action", "answer", "reply", "已修复")).statusCode());
    assertEquals(2, sql.count("SELECT count(*) FROM outbox WHERE position('13600136000' in recipient || coalesce(gateway_reply, '')) > 0"));
    int erased = node.services().requests().runRetention(now).await();
    assertTrue(erased >= 1);
    assertEquals(java.util.List.of(), tablesHolding("13600136000"), "no copy of the erased number in any table");
    assertFalse(tablesHolding("13600136001").isEmpty(), "the recent request's number is kept");
    Map<String, Object> queued = sql.row("SELECT recipient, failed_at, sent_at FROM outbox WHERE dedupe_key = ?", "request:" + oldId + ":answer");
    assertEquals("136****6000", queued.get("recipient"));
    assertNotNull(queued.get("failed_at"), "an unsent message to an erased number is given up");
    assertNull(queued.get("sent_at"));
    assertEquals("136****6000", sql.value("SELECT recipient FROM outbox WHERE dedupe_key = ?", "request:" + oldId + ":received"),
        "the delivery log keeps the sent message, masked");
    assertNull(sql.value("SELECT phone FROM resident_request WHERE tracking_code = ?", old));
    assertNotNull(sql.value("SELECT phone_erased_at FROM resident_request WHERE tracking_code = ?", old));
    assertEquals("13600136001", sql.value("SELECT phone FROM resident_request WHERE tracking_code = ?", recent));
    assertTrue(c1.get("/requests/" + idOf(old)).body().contains("已按期删除"));
  }

  /** Every table.column of the public schema whose text holds {@code digits} somewhere (all text-like columns searched). */
  private static java.util.List<String> tablesHolding(String digits) {
    java.util.List<String> found = new java.util.ArrayList<>();
    io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> cols = node.app().pool().query("""
        SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
          JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'bytea')
           AND c.table_name <> 'flyway_schema_history'""").execute().await();
    for (io.vertx.sqlclient.Row c : cols) {
      String table = c.getString(0);
      String column = c.getString(1);
      String where = "bytea".equals(c.getString(2)) ? "position(convert_to($1, 'UTF8') in \"" + column + "\") > 0"
          : "position($1 in \"" + column + "\"::text) > 0";
      long n = node.app().pool().preparedQuery("SELECT count(*) FROM \"" + table + "\" WHERE " + where)
          .execute(Tuple.of(digits)).await().iterator().next().getLong(0);
      if (n > 0) {
        found.add(table + "." + column);
      }
    }
    return found;
  }
}
