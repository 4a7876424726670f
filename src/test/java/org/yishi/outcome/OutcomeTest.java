package org.yishi.outcome;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.meeting.MeetingService;
import org.yishi.app.Node;
import org.yishi.platform.events.DomainEvents;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outcomes and the follow-up loop through the real API and pages: the loop, refused and stale
 * changes, overdue escalation exactly once, jurisdiction, typical cases, bad input and the events
 * that committed changes (and only those) publish.
 */
class OutcomeTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final List<String> EVENT_TYPES = List.of("created", "updated", "answered", "implemented", "closed",
      "typical_marked", "typical_unmarked", "escalated");
  private static final ConcurrentLinkedQueue<JsonObject> EVENTS = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger HOURS = new AtomicInteger(1);
  // the node's own scheduler reads a clock stuck in 1970, so only the test escalates overdue outcomes
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long meetingS1;   // started, at c1's station (洮北区)
  private static long meetingS2;   // started, at 团结街道 (洮南市, d2)
  private static long topicS1;

  @BeforeAll
  static void start() {
    node.app().pool().query("UPDATE station SET name = '海明街道协商议事室' WHERE id = " + f.stations.get(AccountFixtures.HAIMING))
        .execute().await();
    topicS1 = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "老旧小区管网疏通");
    long topicS2 = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.TUANJIE), "农贸市场规范");
    meetingS1 = startedMeeting(topicS1);
    meetingS2 = startedMeeting(topicS2);
    for (String type : EVENT_TYPES) {
      node.app().vertx().eventBus().<JsonObject>consumer(DomainEvents.PREFIX + "outcome." + type, m -> EVENTS.add(m.body()))
          .completion().await();
    }
  }

  /** Schedules a meeting in the near future (as the meetings feature allows), then moves its start into the past. */
  private static long scheduled(long topic) {
    OffsetDateTime at = OffsetDateTime.now(SHANGHAI).plusDays(2).plusHours(HOURS.getAndAdd(3)).withMinute(0).withSecond(0).withNano(0);
    var admin = node.accounts().store().byUsername("admin").await().principal();
    return node.services().meetings().schedule(admin, new MeetingService.MeetingInput(topic, at, at.plusHours(1),
        "社区会议室", "on_site", null, "grassroots", null, null, List.of(), List.of())).await().getLong("id");
  }

  private static long startedMeeting(long topic) {
    long id = scheduled(topic);
    int back = HOURS.getAndAdd(3);
    node.app().pool().preparedQuery("""
            UPDATE meeting SET starts_at = now() - make_interval(hours => $2 + 48), ends_at = now() - make_interval(hours => $2 + 47)
             WHERE id = $1""")
        .execute(io.vertx.sqlclient.Tuple.of(id, back)).await();
    return id;
  }

  private static String today(int plusDays) {
    return LocalDate.now(SHANGHAI).plusDays(plusDays).toString();
  }

  private static JsonObject outcome(long meeting) {
    return new JsonObject().put("meetingId", meeting).put("content", "建议区住建局年内完成海明街道老旧管网改造")
        .put("form", "suggestion_letter").put("responsibleUnit", "洮北区住房和城乡建设局")
        .put("application", "以建议函报送区政府，转住建局办理").put("dueOn", today(30));
  }

  private static JsonObject create(String token, JsonObject body) {
    HttpResponse<String> r = api.call("POST", "/api/v1/outcomes", token, body.encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r);
  }

  private static HttpResponse<String> step(String token, long id, JsonObject body) {
    return api.call("POST", "/api/v1/outcomes/" + id + "/transitions", token, body.encode());
  }

  private static JsonObject answer(int version, String answer) {
    return new JsonObject().put("action", "answer").put("answer", answer).put("reply", "已列入年度改造计划").put("version", version);
  }

  private static JsonObject close(int version) {
    return new JsonObject().put("action", "close").put("satisfaction", "basically_satisfied").put("satisfactionComment", "进度稍慢")
        .put("effectiveness", "居民反映管网堵塞问题基本解决").put("version", version);
  }

  /** The event types received for one outcome, in order (after giving the event bus a moment). */
  private static List<String> eventsOf(long id) throws InterruptedException {
    Thread.sleep(300);
    return EVENTS.stream().filter(e -> e.getLong("id") == id).map(e -> e.getString("type")).toList();
  }

  private static long count(String sql) throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void assertField(HttpResponse<String> r, int status, String... fields) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject got = Http.json(r).getJsonObject("error").getJsonObject("fields");
    for (String field : fields) {
      assertTrue(got.containsKey(field), field + " in " + r.body());
    }
  }

  @Test
  void theLoopRunsFromReferredToClosedWithHistoryAuditAndOneEventPerChange() throws Exception {
    String c1 = api.token("c1");
    String d1 = api.token("d1");
    JsonObject o = create(c1, outcome(meetingS1));
    long id = o.getLong("id");
    assertEquals("referred", o.getString("status"));
    assertEquals(1, o.getInteger("version"));
    assertEquals(f.stations.get(AccountFixtures.HAIMING), o.getLong("stationId"));
    assertFalse(o.getBoolean("overdue"));

    JsonObject edited = Http.json(api.call("PUT", "/api/v1/outcomes/" + id, c1,
        outcome(meetingS1).put("responsibleUnit", "洮北区住建局").put("version", 1).encode()));
    assertEquals("洮北区住建局", edited.getString("responsibleUnit"));
    HttpResponse<String> answered = step(d1, id, answer(2, "partly_adopted"));
    assertEquals(200, answered.statusCode(), answered.body());
    assertEquals("answered", Http.json(answered).getString("status"));
    assertEquals("partly_adopted", Http.json(answered).getString("answer"));
    assertNotNull(Http.json(answered).getString("answeredAt"));
    assertEquals(409, api.call("PUT", "/api/v1/outcomes/" + id, c1, outcome(meetingS1).put("version", 3).encode()).statusCode(),
        "an answered outcome is no longer edited");
    HttpResponse<String> implemented = step(c1, id, new JsonObject().put("action", "implement")
        .put("evidence", "7 月完成 2.3 公里管网更换，附验收单").put("version", 3));
    assertEquals(200, implemented.statusCode(), implemented.body());
    HttpResponse<String> closed = step(c1, id, close(4));
    assertEquals(200, closed.statusCode(), closed.body());
    JsonObject done = Http.json(api.get("/api/v1/outcomes/" + id, c1));
    assertEquals("closed", done.getString("status"));
    assertEquals("basically_satisfied", done.getString("satisfaction"));
    assertEquals("居民反映管网堵塞问题基本解决", done.getString("effectiveness"));
    assertEquals(5, done.getInteger("version"));
    assertEquals(List.of("create", "update", "answer", "implement", "close"), done.getJsonArray("history").stream()
        .map(h -> ((JsonObject) h).getString("action")).toList());
    assertEquals(5, count("SELECT count(*) FROM audit_log WHERE entity_type = 'outcome' AND entity_id = '" + id + "'"));
    assertEquals(List.of("outcome.created", "outcome.updated", "outcome.answered", "outcome.implemented", "outcome.closed"),
        eventsOf(id));

    // not adopted: nothing to implement, the station rates it and closes the loop at once
    JsonObject refused = create(c1, outcome(meetingS1));
    long rid = refused.getLong("id");
    assertEquals(200, step(d1, rid, answer(1, "not_adopted")).statusCode());
    HttpResponse<String> closedAtOnce = step(c1, rid, close(2).put("satisfaction", "dissatisfied"));
    assertEquals(200, closedAtOnce.statusCode(), closedAtOnce.body());
    assertEquals("closed", Http.json(closedAtOnce).getString("status"));
    assertNull(Http.json(closedAtOnce).getString("implementationEvidence"));
  }

  @Test
  void illegalStepsAre409MissingFields422AndNeitherChangesAnythingNorPublishes() throws Exception {
    String c1 = api.token("c1");
    long id = create(c1, outcome(meetingS1)).getLong("id");
    assertField(step(c1, id, new JsonObject().put("action", "implement").put("evidence", "已落实").put("version", 1)), 409, "status");
    assertField(step(c1, id, close(1)), 409, "status");
    assertEquals("referred", Http.json(step(c1, id, close(1))).getJsonObject("current").getString("status"),
        "the 409 carries the stored outcome");
    assertField(step(c1, id, new JsonObject().put("action", "answer").put("version", 1)), 422, "answer", "reply");
    assertField(step(c1, id, new JsonObject().put("action", "answer").put("answer", "maybe").put("reply", "x").put("version", 1)),
        422, "answer");
    assertField(step(c1, id, new JsonObject().put("action", "approve").put("version", 1)), 422, "action");
    assertField(step(c1, id, answer(1, "adopted").put("version", null)), 422, "version");
    assertField(step(c1, id, new JsonObject().put("action", "close").put("version", 1)), 422, "satisfaction", "effectiveness");

    assertEquals(200, step(c1, id, answer(1, "adopted")).statusCode());
    assertField(step(c1, id, close(2)), 409, "status");     // adopted: implement first
    assertField(step(c1, id, answer(2, "adopted")), 409, "status");
    assertField(step(c1, id, new JsonObject().put("action", "implement").put("version", 2)), 422, "evidence");
    JsonObject now = Http.json(api.get("/api/v1/outcomes/" + id, c1));
    assertEquals("answered", now.getString("status"));
    assertEquals(2, now.getInteger("version"));
    assertEquals(List.of("outcome.created", "outcome.answered"), eventsOf(id), "refused changes publish nothing");
    assertEquals(2, count("SELECT count(*) FROM outcome_history WHERE outcome_id = " + id));
  }

  @Test
  void aStaleVersionIs409WithTheCurrentValuesAndNoEvent() throws Exception {
    String c1 = api.token("c1");
    String d1 = api.token("d1");
    long id = create(c1, outcome(meetingS1)).getLong("id");
    assertEquals(200, api.call("PUT", "/api/v1/outcomes/" + id, d1,
        outcome(meetingS1).put("content", "区住建局牵头改造管网").put("version", 1).encode()).statusCode());
    HttpResponse<String> staleEdit = api.call("PUT", "/api/v1/outcomes/" + id, c1,
        outcome(meetingS1).put("content", "我的修改").put("version", 1).encode());
    assertField(staleEdit, 409, "version");
    assertEquals("区住建局牵头改造管网", Http.json(staleEdit).getJsonObject("current").getString("content"));
    assertEquals(2, Http.json(staleEdit).getJsonObject("current").getInteger("version"));
    HttpResponse<String> staleStep = step(c1, id, answer(1, "adopted"));
    assertField(staleStep, 409, "version");
    assertEquals("referred", Http.json(staleStep).getJsonObject("current").getString("status"));
    assertEquals(List.of("outcome.created", "outcome.updated"), eventsOf(id));

    // the page shows the stored values after a stale edit
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    b.get("/outcomes/" + id + "/edit");
    HttpResponse<String> page = b.post("/outcomes/" + id, Map.of("content", "旧页面上的修改", "form", "minutes",
        "responsibleUnit", "某局", "dueOn", today(10), "version", "1"));
    assertEquals(409, page.statusCode());
    assertTrue(page.body().contains("id=\"conflict\"") && page.body().contains("区住建局牵头改造管网"), "current values shown");
  }

  @Test
  void overdueOutcomesAreEscalatedExactlyOnceToTheDistrictStaff() throws Exception {
    String c1 = api.token("c1");
    long id = create(c1, outcome(meetingS1).put("dueOn", today(3))).getLong("id");
    long answeredInTime = create(c1, outcome(meetingS1).put("dueOn", today(3))).getLong("id");
    assertEquals(200, step(c1, answeredInTime, answer(1, "adopted")).statusCode());
    OutcomeService service = node.services().outcomes();

    Instant beforeDue = LocalDate.now(SHANGHAI).plusDays(3).atTime(23, 0).atZone(SHANGHAI).toInstant();
    assertFalse(ids(service.escalateOverdue(beforeDue).await()).contains(id), "not overdue on its due date");
    Instant afterDue = LocalDate.now(SHANGHAI).plusDays(4).atTime(8, 0).atZone(SHANGHAI).toInstant();
    Set<Long> first = ids(service.escalateOverdue(afterDue).await());
    assertTrue(first.contains(id), first.toString());
    assertFalse(first.contains(answeredInTime), "an answered outcome is not overdue");
    assertTrue(ids(service.escalateOverdue(afterDue).await()).isEmpty(), "a second run escalates nothing");

    long d1 = f.ids.get("d1");
    assertEquals(1, count("SELECT count(*) FROM notification WHERE dedupe_key = 'overdue:" + id + ":" + d1 + "'"));
    assertEquals(1, count("SELECT count(*) FROM notification WHERE dedupe_key LIKE 'overdue:" + id + ":%'"),
        "only d1 is district staff of 洮北区");
    assertEquals(1, count("SELECT count(*) FROM outcome WHERE id = " + id + " AND overdue_escalated_at IS NOT NULL"));
    assertEquals(1, count("SELECT count(*) FROM outcome_history WHERE outcome_id = " + id + " AND action = 'escalate'"));
    assertEquals(1, count("SELECT count(*) FROM audit_log WHERE action = 'outcome.escalate' AND entity_id = '" + id + "'"));
    assertTrue(Http.json(api.get("/api/v1/notifications", api.token("d1"))).getJsonArray("items").stream()
        .anyMatch(n -> ("/outcomes/" + id).equals(((JsonObject) n).getString("link"))));

    // two runs at once (two nodes holding the lock): one set of notifications
    long second = create(c1, outcome(meetingS1).put("dueOn", today(3))).getLong("id");
    // a second service as on another node
    OutcomeService other = new OutcomeService(node.app().pool(), node.app().events(), service.members(), node.app().config().zone());
    Future<JsonArray> a = service.escalateOverdue(afterDue);
    Future<JsonArray> b = other.escalateOverdue(afterDue);
    Future.all(a, b).await();
    assertEquals(1, (ids(a.result()).contains(second) ? 1 : 0) + (ids(b.result()).contains(second) ? 1 : 0));
    assertEquals(1, count("SELECT count(*) FROM notification WHERE dedupe_key LIKE 'overdue:" + second + ":%'"));
    assertEquals(List.of("outcome.created", "outcome.escalated"), eventsOf(second));
    assertEquals(List.of("outcome.created", "outcome.escalated"), eventsOf(id));

    // the overdue filter (today's date in the database)
    node.app().pool().query("UPDATE outcome SET due_on = current_date - 1 WHERE id = " + second).execute().await();
    JsonArray overdue = Http.json(api.get("/api/v1/outcomes?overdue=true", api.token("d1"))).getJsonArray("items");
    assertTrue(overdue.stream().allMatch(o -> ((JsonObject) o).getBoolean("overdue")));
    assertTrue(ids(overdue).contains(second) && !ids(overdue).contains(id));
    Browser page = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String list = page.get("/outcomes?overdue=true").body();
    assertTrue(list.contains("/outcomes/" + second + "\"") && list.contains("已逾期"));
  }

  private static Set<Long> ids(JsonArray list) {
    return list.stream().map(o -> ((JsonObject) o).getLong("id")).collect(Collectors.toSet());
  }

  @Test
  void jurisdictionIsTheMeetingsStation() {
    String c1 = api.token("c1");
    long id = create(c1, outcome(meetingS1)).getLong("id");
    assertEquals(403, api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS2).encode()).statusCode(), "not c1's station");
    assertEquals(403, api.get("/api/v1/outcomes/" + id, api.token("d2")).statusCode());
    assertEquals(403, step(api.token("d2"), id, answer(1, "adopted")).statusCode());
    assertEquals(403, api.get("/api/v1/outcomes/" + id, api.token("city-other")).statusCode());
    assertEquals(200, api.get("/api/v1/outcomes/" + id, api.token("city")).statusCode());
    assertEquals(200, api.get("/api/v1/outcomes/" + id, api.token("d1")).statusCode());
    assertEquals(201, api.call("POST", "/api/v1/outcomes", api.token("d2"), outcome(meetingS2).encode()).statusCode());
    assertEquals(404, api.get("/api/v1/outcomes/99999999", c1).statusCode());
    JsonArray seenByD2 = Http.json(api.get("/api/v1/outcomes?size=200", api.token("d2"))).getJsonArray("items");
    assertTrue(seenByD2.stream().allMatch(o -> ((JsonObject) o).getLong("stationId").equals(f.stations.get(AccountFixtures.TUANJIE))));
    assertFalse(seenByD2.isEmpty());
    JsonArray ofMeeting = Http.json(api.get("/api/v1/outcomes?meetingId=" + meetingS1 + "&size=200", api.token("city"))).getJsonArray("items");
    assertTrue(ids(ofMeeting).contains(id));
    assertTrue(ofMeeting.stream().allMatch(o -> ((JsonObject) o).getLong("meetingId") == meetingS1));
  }

  @Test
  void staffMarkTypicalCasesAndTheLibraryFindsThem() throws Exception {
    String c1 = api.token("c1");
    String d1 = api.token("d1");
    long id = create(c1, outcome(meetingS1).put("content", "口袋公园建设协商纪要").put("form", "minutes")
        .put("responsibleUnit", "洮北区园林绿化中心")).getLong("id");
    assertEquals(403, api.call("PUT", "/api/v1/outcomes/" + id + "/typical", c1, "{\"typical\":true}").statusCode());
    assertField(api.call("PUT", "/api/v1/outcomes/" + id + "/typical", d1, "{\"typical\":\"yes\"}"), 422, "typical");
    HttpResponse<String> marked = api.call("PUT", "/api/v1/outcomes/" + id + "/typical", d1, "{\"typical\":true}");
    assertEquals(200, marked.statusCode(), marked.body());
    assertTrue(Http.json(marked).getBoolean("typical"));
    assertEquals(200, api.call("PUT", "/api/v1/outcomes/" + id + "/typical", d1, "{\"typical\":true}").statusCode(),
        "marking again changes nothing");
    assertField(api.call("PUT", "/api/v1/outcomes/" + id + "/typical", api.token("city"), "{\"typical\":false,\"version\":1}"), 409, "version");
    long otherForm = create(api.token("d2"), outcome(meetingS2).put("content", "农贸市场管理建议")).getLong("id");
    assertEquals(200, api.call("PUT", "/api/v1/outcomes/" + otherForm + "/typical", api.token("city"), "{\"typical\":true}").statusCode());

    assertEquals(Set.of(id), ids(Http.json(api.get("/api/v1/cases?q=%E5%9B%AD%E6%9E%97", c1)).getJsonArray("items")), "by unit 园林");
    assertEquals(Set.of(id), ids(Http.json(api.get("/api/v1/cases?q=%E5%8F%A3%E8%A2%8B", d1)).getJsonArray("items")), "by content 口袋");
    JsonObject cityCases = Http.json(api.get("/api/v1/cases", api.token("city")));
    assertEquals(Set.of(id, otherForm), ids(cityCases.getJsonArray("items")));
    assertEquals(Set.of(id), ids(Http.json(api.get("/api/v1/cases?form=minutes", api.token("city"))).getJsonArray("items")));
    assertEquals(Set.of(otherForm), ids(Http.json(api.get("/api/v1/cases?size=1&page=2&form=", api.token("city"))).getJsonArray("items")).size() == 1
        ? Set.of(otherForm) : Set.of(), "pagination: 2 cases, one per page");
    assertEquals(Set.of(otherForm), ids(Http.json(api.get("/api/v1/cases", api.token("d2"))).getJsonArray("items")));
    String station = "%E6%B5%B7%E6%98%8E"; // 海明, in c1's station name
    assertEquals(Set.of(id), ids(Http.json(api.get("/api/v1/cases?q=" + station, api.token("city"))).getJsonArray("items")));
    assertEquals(422, api.get("/api/v1/cases?form=poem", d1).statusCode());

    Browser b = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    String library = b.get("/cases?q=%E5%8F%A3%E8%A2%8B").body();
    assertTrue(library.contains("口袋公园建设协商纪要") && !library.contains("农贸市场管理建议"));
    b.get("/outcomes/" + id);
    assertEquals(303, b.post("/outcomes/" + id + "/typical", Map.of("typical", "false")).statusCode());
    assertFalse(Http.json(api.get("/api/v1/outcomes/" + id, d1)).getBoolean("typical"));
    assertTrue(Http.json(api.get("/api/v1/cases?q=%E5%8F%A3%E8%A2%8B", d1)).getJsonArray("items").isEmpty());
    assertEquals(List.of("outcome.created", "outcome.typical_marked", "outcome.typical_unmarked"), eventsOf(id));
    String coordinatorView = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD).get("/outcomes/" + id).body();
    assertFalse(coordinatorView.contains("typical-form"), "no switch for coordinators");
  }

  @Test
  void badInputIsRefusedPerFieldAndTextIsStoredVerbatimButRenderedEscaped() throws Exception {
    String c1 = api.token("c1");
    long before = count("SELECT count(*) FROM outcome");
    assertField(api.call("POST", "/api/v1/outcomes", c1, "{}"), 422, "meetingId", "content", "form", "responsibleUnit", "dueOn");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("content", 123).encode()), 422, "content");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("meetingId", "abc").encode()), 422, "meetingId");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("meetingId", 99999999).encode()), 422, "meetingId");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("content", "长".repeat(4001)).encode()), 422, "content");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("responsibleUnit", "局".repeat(101)).encode()), 422, "responsibleUnit");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("form", "poem").encode()), 422, "form");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("dueOn", "2025-13-45").encode()), 422, "dueOn");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("dueOn", "next week").encode()), 422, "dueOn");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("dueOn", 20250101).encode()), 422, "dueOn");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("dueOn", today(-1)).encode()), 422, "dueOn");
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(meetingS1).put("content", "a\u0000b").encode()), 422, "content");
    assertEquals(400, api.callBytes("POST", "/api/v1/outcomes", c1,
        "{\"content\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1)).statusCode(), "invalid UTF-8");
    assertEquals(400, api.call("POST", "/api/v1/outcomes", c1, "[1,2]").statusCode());
    assertEquals(422, api.get("/api/v1/outcomes?status=lost", c1).statusCode());
    assertEquals(422, api.get("/api/v1/outcomes?overdue=maybe", c1).statusCode());

    long future = scheduled(topicS1);
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(future).encode()), 422, "meetingId");
    long cancelled = scheduled(topicS1);
    node.app().pool().query("UPDATE meeting SET status = 'cancelled', cancel_reason = 'x' WHERE id = " + cancelled).execute().await();
    assertField(api.call("POST", "/api/v1/outcomes", c1, outcome(cancelled).encode()), 422, "meetingId");
    long held = scheduled(topicS1);
    node.app().pool().query("UPDATE meeting SET status = 'held' WHERE id = " + held).execute().await();
    assertEquals(before, count("SELECT count(*) FROM outcome"), "nothing written");
    assertEquals(201, api.call("POST", "/api/v1/outcomes", c1, outcome(held).encode()).statusCode(), "held counts as started");

    String script = "<script>alert('x')</script> & \"引号\"";
    JsonObject o = create(c1, outcome(meetingS1).put("content", script).put("responsibleUnit", "<b>局</b>"));
    assertEquals(script, o.getString("content"), "stored verbatim");
    assertEquals(script, count("SELECT count(*) FROM outcome WHERE content = '" + script.replace("'", "''") + "'") == 1 ? script : null);
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String view = b.get("/outcomes/" + o.getLong("id")).body();
    assertFalse(view.contains("<script>alert"));
    assertTrue(view.contains("&lt;script&gt;alert(") && view.contains("&lt;b&gt;局&lt;/b&gt;"));
    assertFalse(b.get("/outcomes").body().contains("<script>alert"));
  }

  @Test
  void pagesKeepInputShowFieldErrorsAndTakeTheNextStep() {
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String choose = b.get("/outcomes/new").body();
    assertTrue(choose.contains("value=\"" + meetingS1 + "\"") && choose.contains("老旧小区管网疏通"));
    assertFalse(choose.contains("value=\"" + meetingS2 + "\""), "only meetings in the jurisdiction");
    assertEquals(200, b.get("/outcomes/new?meeting=" + meetingS1).statusCode());
    assertEquals(403, b.get("/outcomes/new?meeting=" + meetingS2).statusCode());
    HttpResponse<String> bad = b.post("/outcomes", Map.of("meetingId", String.valueOf(meetingS1), "content", "",
        "form", "proposal", "responsibleUnit", "区民政局", "dueOn", "明天"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("id=\"e-content\"") && bad.body().contains("id=\"e-dueOn\""));
    assertTrue(bad.body().contains("value=\"区民政局\"") && bad.body().contains("value=\"proposal\" selected"), "input kept");
    HttpResponse<String> ok = b.post("/outcomes", Map.of("meetingId", String.valueOf(meetingS1), "content", "增设社区养老服务点",
        "form", "proposal", "responsibleUnit", "区民政局", "dueOn", today(20)));
    assertEquals(303, ok.statusCode(), ok.body());
    String location = ok.headers().firstValue("Location").orElseThrow();
    String view = b.get(location).body();
    assertTrue(view.contains("已交办") && view.contains("id=\"step-answer\"") && !view.contains("id=\"step-close\""));
    String path = location.replaceAll("\\?.*", "");
    HttpResponse<String> noReply = b.post(path + "/transition", Map.of("action", "answer", "answer", "adopted", "version", "1"));
    assertEquals(422, noReply.statusCode());
    assertTrue(noReply.body().contains("id=\"action-error\"") && noReply.body().contains("value=\"adopted\" selected"));
    assertEquals(303, b.post(path + "/transition", Map.of("action", "answer", "answer", "adopted", "reply", "已采纳",
        "version", "1")).statusCode());
    String after = b.get(path).body();
    assertTrue(after.contains("已答复") && after.contains("id=\"step-implement\"") && after.contains("已采纳"));
    HttpResponse<String> stale = b.post(path + "/transition", Map.of("action", "implement", "evidence", "x", "version", "1"));
    assertEquals(409, stale.statusCode());
    String meetingPage = b.get("/meetings/" + meetingS1).body();
    assertTrue(meetingPage.contains("/outcomes?meeting=" + meetingS1) && meetingPage.contains("/outcomes/new?meeting=" + meetingS1));
  }
}
