package org.yishi.stats;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.meeting.MeetingService;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.EventStream;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live refresh across the cluster: dashboards open on node B (server-sent events) hear of a record
 * and an outcome committed through node A's API, each only for changes inside the unit it opened,
 * and node B's roll-up already counts the change when the event arrives.
 */
class StatsLiveTest {
  /** How long a test waits for an event that must come (a bound, not a measured speed). */
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** How long a test listens for an event that must not come. */
  private static final Duration QUIET = Duration.ofSeconds(2);
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2);
  private static final List<Node> NODES = NODE.nodes();
  private static AccountFixtures f;

  @BeforeAll
  static void start() {
    f = NODE.fixtures();
  }

  private static Node a() {
    return NODES.get(0);
  }

  private static Node b() {
    return NODES.get(1);
  }

  /** Opens the live stream of {@code division} on node B as {@code user} and waits until it is ready. */
  private static EventStream open(String user, String division) throws InterruptedException {
    Browser browser = new Browser(b().baseUrl()).login(user, AccountFixtures.PASSWORD);
    HttpResponse<InputStream> r = browser.stream("/stats/live?division=" + division);
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    EventStream events = new EventStream(r.body());
    EventStream.Event ready = events.next("ready", WAIT);
    assertNotNull(ready, "the stream says when it listens");
    assertEquals(division, new JsonObject(ready.data()).getString("division"));
    return events;
  }

  /** A meeting at the station that started three hours ago (scheduled through the service, then moved into the past). */
  private static long startedMeeting(long station, String title) {
    var admin = a().accounts().store().byUsername("admin").await().principal();
    long topic = AccountFixtures.approvedTopic(a(), station, title);
    OffsetDateTime at = OffsetDateTime.now().plusDays(5).withNano(0);
    long meeting = a().services().meetings().schedule(admin, new MeetingService.MeetingInput(topic, at, at.plusHours(2),
        "会议室", "on_site", null, "forum", null, null, List.of(), List.of())).await().getLong("id");
    a().app().pool().query("UPDATE meeting SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = "
        + meeting).execute().await();
    return meeting;
  }

  @Test
  void aRecordCommittedOnNodeARefreshesTheDashboardsOfItsUnitsOnNodeB() throws Exception {
    long taobeiMeeting = startedMeeting(f.stations.get(AccountFixtures.HAIMING), "路灯维修");
    long taonanMeeting = startedMeeting(f.stations.get(AccountFixtures.TUANJIE), "菜市场改造");
    String month = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString().substring(0, 7);
    Api onA = new Api(a().baseUrl());
    Api onB = new Api(b().baseUrl());
    String admin = onA.token("admin", TestNodes.ADMIN_PASSWORD);
    long heldBefore = Http.json(onB.get("/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI + "&from=" + month + "&to=" + month,
        admin)).getJsonObject("totals").getLong("meetings_held");

    try (EventStream taobei = open("d1", AccountFixtures.TAOBEI);
         EventStream taonan = open("d2", AccountFixtures.TAONAN);
         EventStream city = open("city", AccountFixtures.BAICHENG)) {
      OffsetDateTime start = OffsetDateTime.now().minusHours(3).withNano(0);
      HttpResponse<String> filed = onA.call("PUT", "/api/v1/meetings/" + taobeiMeeting + "/record", admin, new JsonObject()
          .put("held", true).put("actualStart", start.toString()).put("actualEnd", start.plusHours(2).toString())
          .put("attendance", new JsonObject().put("residents", 12)).put("suggestionsCount", 3).encode());
      assertEquals(200, filed.statusCode(), filed.body());

      EventStream.Event refresh = taobei.next("refresh", WAIT);
      assertNotNull(refresh, "洮北区's dashboard on node B hears of the record filed on node A");
      JsonObject data = new JsonObject(refresh.data());
      assertEquals("record.filed", data.getString("type"));
      assertEquals(AccountFixtures.HAIMING, data.getString("division"));
      assertEquals(2, data.size(), "the event's kind and place, nothing of its content");
      assertNotNull(city.next("refresh", WAIT), "the city's dashboard too");
      long heldAfter = Http.json(onB.get("/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI + "&from=" + month + "&to=" + month,
          admin)).getJsonObject("totals").getLong("meetings_held");
      assertEquals(heldBefore + 1, heldAfter, "node B's roll-up counts the record once its event has arrived");

      assertNull(taonan.next("refresh", QUIET), "洮南市's staff hear nothing of 洮北区");
      String due = LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(30).toString();
      HttpResponse<String> outcome = onA.call("POST", "/api/v1/outcomes", admin, new JsonObject().put("meetingId", taonanMeeting)
          .put("content", "建议增设摊位").put("form", "suggestion_letter").put("responsibleUnit", "市商务局").put("dueOn", due).encode());
      assertEquals(201, outcome.statusCode(), outcome.body());
      EventStream.Event own = taonan.next("refresh", WAIT);
      assertNotNull(own, "but of their own outcomes they do");
      assertEquals("outcome.created", new JsonObject(own.data()).getString("type"));
      assertEquals(AccountFixtures.TUANJIE, new JsonObject(own.data()).getString("division"));
      assertNull(taobei.next("refresh", QUIET), "and 洮北区 hears nothing of 洮南市");
      assertNotNull(city.next("refresh", WAIT), "while the city hears of both");
    }
  }

  @Test
  void aMeetingCancelledOrATopicApprovedOnNodeARefreshesTheDashboardOnNodeB() throws Exception {
    var admin = a().accounts().store().byUsername("admin").await().principal();
    long topic = AccountFixtures.approvedTopic(a(), f.stations.get(AccountFixtures.HAIMING), "健身器材");
    OffsetDateTime at = OffsetDateTime.now().plusDays(9).withNano(0);
    long meeting = a().services().meetings().schedule(admin, new MeetingService.MeetingInput(topic,
        at, at.plusHours(2), "会议室", "on_site", null, "forum", null, null, List.of(), List.of())).await().getLong("id");
    Api onA = new Api(a().baseUrl());
    String token = onA.token("admin", TestNodes.ADMIN_PASSWORD);
    try (EventStream taobei = open("d1", AccountFixtures.TAOBEI)) {
      HttpResponse<String> cancelled = onA.call("POST", "/api/v1/meetings/" + meeting + "/cancel", token,
          new JsonObject().put("reason", "暴雨").encode());
      assertEquals(200, cancelled.statusCode(), cancelled.body());
      EventStream.Event refresh = taobei.next("refresh", WAIT);
      assertNotNull(refresh, "a cancelled meeting changes meetings_cancelled: the dashboard refreshes");
      assertEquals("meeting.cancelled", new JsonObject(refresh.data()).getString("type"));
      assertEquals(AccountFixtures.HAIMING, new JsonObject(refresh.data()).getString("division"));

      long submitted = AccountFixtures.approvedTopic(a(), f.stations.get(AccountFixtures.HAIMING), "垃圾分类");
      a().app().pool().query("UPDATE topic SET status = 'submitted' WHERE id = " + submitted).execute().await();
      HttpResponse<String> refused = onA.call("POST", "/api/v1/topics/" + submitted + "/transitions", token,
          new JsonObject().put("action", "approve").put("reason", 42).encode());
      assertEquals(422, refused.statusCode(), refused.body());
      assertNull(taobei.next("refresh", QUIET), "a refused transition publishes nothing");
      HttpResponse<String> approved = onA.call("POST", "/api/v1/topics/" + submitted + "/transitions", token,
          new JsonObject().put("action", "approve").encode());
      assertEquals(200, approved.statusCode(), approved.body());
      EventStream.Event decided = taobei.next("refresh", WAIT);
      assertNotNull(decided, "an approved topic changes topics_approved: the dashboard refreshes");
      assertEquals("topic.approve", new JsonObject(decided.data()).getString("type"));
    }
  }

  @Test
  void theStreamNamesAKnownUnitInsideTheJurisdiction() {
    Browser d1 = new Browser(b().baseUrl()).login("d1", AccountFixtures.PASSWORD);
    assertEquals(403, d1.get("/stats/live?division=" + AccountFixtures.TAONAN).statusCode());
    assertEquals(403, d1.get("/stats/live?division=" + AccountFixtures.BAICHENG).statusCode(), "not the whole city either");
    assertEquals(404, d1.get("/stats/live?division=220802999000").statusCode());
    assertEquals(422, d1.get("/stats/live?division=2208").statusCode());
    assertEquals(422, d1.get("/stats/live").statusCode());
    Browser c1 = new Browser(b().baseUrl()).login("c1", AccountFixtures.PASSWORD);
    assertEquals(403, c1.get("/stats/live?division=" + AccountFixtures.TAOBEI).statusCode());
    HttpResponse<String> anonymous = new Browser(b().baseUrl()).get("/stats/live?division=" + AccountFixtures.TAOBEI);
    assertEquals(303, anonymous.statusCode());
  }
}
