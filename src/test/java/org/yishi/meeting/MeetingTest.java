package org.yishi.meeting;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.component.VEvent;
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
import org.yishi.support.TestPostgres;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.Temporal;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scheduling, clashes, reschedule/cancel, bad input, jurisdiction, the calendar and its iCal feeds. */
class MeetingTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long topicS1;
  private static long topicS3;
  private static long member;

  @BeforeAll
  static void start() {
    topicS1 = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "老旧小区管网疏通");
    topicS3 = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.CHANGQING), "口袋公园选址");
    member = f.taobeiMember;
    node.app().pool().query("UPDATE member SET phone = '13900000001'").execute().await();
  }

  private static OffsetDateTime day(int days, int hour) {
    return ZonedDateTime.now(SHANGHAI).plusDays(days).withHour(hour).withMinute(0).withSecond(0).withNano(0).toOffsetDateTime();
  }

  private static JsonObject meeting(long topic, OffsetDateTime start, int hours) {
    return new JsonObject().put("topicId", topic).put("startsAt", start.toString()).put("endsAt", start.plusHours(hours).toString())
        .put("venue", "社区会议室").put("format", "on_site").put("kind", "grassroots")
        .put("researchPlan", "走访 30 户居民").put("capacityAssessment", "参与人员熟悉情况")
        .put("participants", new JsonArray()
            .add(new JsonObject().put("role", "host").put("name", "海明街道政协工作室"))
            .add(new JsonObject().put("role", "responder").put("name", "区住建局").put("contact", "0436-1111111")))
        .put("memberIds", new JsonArray().add(member));
  }

  @Test
  void stationAndMemberClashesAreRefusedWithTheOtherMeeting() throws Exception {
    String d1 = api.token("d1");
    HttpResponse<String> first = api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(20, 9), 2).encode());
    assertEquals(201, first.statusCode(), first.body());
    JsonObject m = Http.json(first);
    assertEquals(2, m.getJsonArray("participants").size());
    assertEquals(member, m.getJsonArray("members").getJsonObject(0).getLong("id"));

    HttpResponse<String> sameStation = api.call("POST", "/api/v1/meetings", d1,
        meeting(topicS1, day(20, 10), 2).put("memberIds", new JsonArray()).encode());
    assertEquals(409, sameStation.statusCode());
    JsonObject err = Http.json(sameStation);
    assertTrue(err.getJsonObject("error").getJsonObject("fields").containsKey("startsAt"));
    assertEquals(m.getLong("id"), err.getJsonObject("clash").getLong("id"), "the clash names the other meeting");

    HttpResponse<String> sameMember = api.call("POST", "/api/v1/meetings", d1, meeting(topicS3, day(20, 10), 1).encode());
    assertEquals(409, sameMember.statusCode(), "the member is booked at the other station");
    assertTrue(Http.json(sameMember).getJsonObject("error").getJsonObject("fields").containsKey("memberIds"));

    assertEquals(201, api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(20, 11), 1).encode()).statusCode(),
        "back to back is fine");
  }

  @Test
  void rescheduleAndCancelKeepHistoryAndFreeTheSlot() {
    String d1 = api.token("d1");
    JsonObject m = Http.json(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(25, 14), 2).encode()));
    long id = m.getLong("id");
    HttpResponse<String> noReason = api.call("POST", "/api/v1/meetings/" + id + "/reschedule", d1,
        new JsonObject().put("startsAt", day(26, 14).toString()).put("endsAt", day(26, 16).toString()).put("version", 1).encode());
    assertEquals(422, noReason.statusCode());
    HttpResponse<String> moved = api.call("POST", "/api/v1/meetings/" + id + "/reschedule", d1, new JsonObject()
        .put("startsAt", day(26, 14).toString()).put("endsAt", day(26, 16).toString()).put("reason", "部门负责人出差")
        .put("version", m.getInteger("version")).encode());
    assertEquals(200, moved.statusCode(), moved.body());
    assertEquals(day(26, 14).toInstant(), OffsetDateTime.parse(Http.json(moved).getString("startsAt")).toInstant());
    HttpResponse<String> cancelled = api.call("POST", "/api/v1/meetings/" + id + "/cancel", d1,
        new JsonObject().put("reason", "议题已由部门直接解决").encode());
    assertEquals(200, cancelled.statusCode());
    JsonArray history = Http.json(cancelled).getJsonArray("history");
    assertEquals(List.of("schedule", "reschedule", "cancel"), history.stream().map(o -> ((JsonObject) o).getString("action")).toList());
    assertEquals(409, api.call("POST", "/api/v1/meetings/" + id + "/cancel", d1, new JsonObject().put("reason", "x").encode()).statusCode());
    assertEquals(201, api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(26, 14), 2).encode()).statusCode(),
        "the station and the member are free again");
  }

  @Test
  void badInputGivesFieldErrors() throws Exception {
    String d1 = api.token("d1");
    long before;
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM meeting")) {
      rs.next();
      before = rs.getLong(1);
    }
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), -1).encode()), "endsAt");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 13).encode()), "endsAt");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(-2, 10), 1).encode()), "startsAt");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(999_999, day(30, 10), 1).encode()), "topicId");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1).put("format", "online").encode()), "onlineLink");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1).put("format", "online")
        .put("onlineLink", "javascript:alert(1)").encode()), "onlineLink");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1).put("kind", "party").encode()), "kind");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1).put("startsAt", "tomorrow").encode()), "startsAt");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1)
        .put("participants", new JsonArray().add(new JsonObject().put("role", "boss").put("name", "x"))).encode()), "participants");
    assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(30, 10), 1)
        .put("memberIds", new JsonArray().add(999_999)).encode()), "memberIds[0]");
    assertEquals(403, api.call("POST", "/api/v1/meetings", api.token("d2"), meeting(topicS1, day(30, 10), 1).encode()).statusCode());
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM meeting")) {
      rs.next();
      assertEquals(before, rs.getLong(1), "nothing written");
    }
  }

  @Test
  void thePartiesContactsAreCorrectedAfterSchedulingAndCheckedAsContacts() throws Exception {
    String d1 = api.token("d1");
    HttpResponse<String> scheduled = api.call("POST", "/api/v1/meetings", d1,
        meeting(topicS1, day(35, 16), 1).put("memberIds", new JsonArray()).encode());
    assertEquals(201, scheduled.statusCode(), scheduled.body());
    long id = Http.json(scheduled).getLong("id");
    String path = "/api/v1/meetings/" + id + "/participants";
    // not a mobile, landline or e-mail (also at scheduling); a script as contact; wrong shapes; another district
    for (String contact : List.of("call the office", "12345", "<script>alert(1)</script>@x.cn", "13900000001 张三")) {
      JsonArray parties = new JsonArray().add(new JsonObject().put("role", "responder").put("name", "区住建局").put("contact", contact));
      assertField(api.call("PUT", path, d1, new JsonObject().put("participants", parties).encode()), "participants");
      assertField(api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(36, 9), 1).put("participants", parties).encode()),
          "participants");
    }
    assertField(api.call("PUT", path, d1, "{}"), "participants");
    assertField(api.call("PUT", path, d1, "{\"participants\": \"区住建局\"}"), "participants");
    assertEquals(403, api.call("PUT", path, api.token("d2"), new JsonObject().put("participants", new JsonArray()).encode()).statusCode());
    assertEquals(List.of("0436-1111111"), contacts(id), "nothing written by refused calls");

    JsonArray corrected = new JsonArray()
        .add(new JsonObject().put("role", "host").put("name", "海明街道政协工作室").put("contact", "haiming@example.org"))
        .add(new JsonObject().put("role", "responder").put("name", "区住建局").put("contact", "13900000077"));
    HttpResponse<String> ok = api.call("PUT", path, d1, new JsonObject().put("participants", corrected).encode());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(2, Http.json(ok).getJsonArray("participants").size());
    assertEquals(List.of("13900000077", "haiming@example.org"), contacts(id));
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(
        "SELECT count(*) FROM audit_log WHERE action = 'meeting.participants' AND entity_id = '" + id + "'")) {
      rs.next();
      assertEquals(1, rs.getLong(1), "audited");
    }
    assertEquals(200, api.call("POST", "/api/v1/meetings/" + id + "/cancel", d1, "{\"reason\":\"天气\"}").statusCode());
    assertEquals(409, api.call("PUT", path, d1, new JsonObject().put("participants", corrected).encode()).statusCode());
  }

  @Test
  void thePartiesFormOfTheMeetingPageCorrectsContactsAndKeepsWhatWasTypedOnAnError() throws Exception {
    String d1 = api.token("d1");
    long id = Http.json(api.call("POST", "/api/v1/meetings", d1,
        meeting(topicS1, day(37, 16), 1).put("memberIds", new JsonArray()).encode())).getLong("id");
    String path = "/meetings/" + id + "/participants";
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String page = b.get("/meetings/" + id).body();
    assertTrue(page.contains("action=\"" + path + "\"") && Pattern.compile("name=\"p[01]_contact\" maxlength=\"100\" value=\"0436-1111111\"").matcher(page).find()
        && Pattern.compile("name=\"p[01]_name\" maxlength=\"100\" value=\"海明街道政协工作室\"").matcher(page).find(),
        "the form shows the parties as they are");
    int rows = Integer.parseInt(page.replaceAll("(?s).*name=\"rows\" value=\"(\\d+)\".*", "$1"));

    // a contact that is none (kept as typed, shown again with the message), a contact without a name, nothing at all
    HttpResponse<String> bad = b.post(path, Map.of("rows", String.valueOf(rows), "p0_role", "responder", "p0_name", "区住建局",
        "p0_contact", "call the office <b>now</b>"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("id=\"e-participants\"") && bad.body().contains("value=\"call the office &lt;b&gt;now&lt;/b&gt;\""),
        "the message, and what was typed, escaped");
    assertEquals(422, b.post(path, Map.of("rows", "1", "p0_role", "host", "p0_contact", "13900000001")).statusCode());
    assertEquals(422, b.post(path, Map.of("rows", "1", "p0_role", "host", "p0_name", "  ")).statusCode());
    assertEquals(422, b.post(path, Map.of("rows", "1", "p0_role", "boss", "p0_name", "x")).statusCode());
    assertEquals(422, b.post(path, Map.of("rows", "many", "p0_role", "host", "p0_name", "x")).statusCode());
    Browser other = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    other.get("/calendar");
    assertEquals(403, other.post(path, Map.of("rows", "1", "p0_role", "host", "p0_name", "外区")).statusCode());
    assertEquals(List.of("0436-1111111"), contacts(id), "nothing written by refused posts");

    String script = "<script>alert('五方')</script>";
    HttpResponse<String> ok = b.post(path, Map.of("rows", "2", "p0_role", "host", "p0_name", script, "p0_contact", "haiming@example.org",
        "p1_role", "responder", "p1_name", "区住建局", "p1_org", "住建", "p1_contact", " 13900000078 "));
    assertEquals(303, ok.statusCode(), ok.body());
    assertEquals(List.of("13900000078", "haiming@example.org"), contacts(id));
    String after = b.get("/meetings/" + id).body();
    assertTrue(after.contains("&lt;script&gt;alert(&#39;五方&#39;)&lt;/script&gt;") && !after.contains(script), "stored verbatim, rendered escaped");
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(
        "SELECT count(*) FROM meeting_participant WHERE meeting_id = " + id + " AND name = '" + script.replace("'", "''") + "'")) {
      rs.next();
      assertEquals(1, rs.getLong(1), "the name as typed");
    }
    assertEquals(200, api.call("POST", "/api/v1/meetings/" + id + "/cancel", d1, "{\"reason\":\"天气\"}").statusCode());
    assertFalse(b.get("/meetings/" + id).body().contains("action=\"" + path + "\""), "no form on a cancelled meeting");
    assertEquals(409, b.post(path, Map.of("rows", "1", "p0_role", "host", "p0_name", "x")).statusCode());
  }

  private static List<String> contacts(long meeting) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(
        "SELECT contact FROM meeting_participant WHERE meeting_id = " + meeting + " AND contact IS NOT NULL ORDER BY contact")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void assertField(HttpResponse<String> r, String field) {
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(Http.json(r).getJsonObject("error").getJsonObject("fields").containsKey(field), r.body());
  }

  @Test
  void theFormShowsTheClashAndKeepsInput() {
    String d1 = api.token("d1");
    assertEquals(201, api.call("POST", "/api/v1/meetings", d1, meeting(topicS1, day(40, 9), 2).put("memberIds", new JsonArray()).encode()).statusCode());
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    assertTrue(b.get("/meetings/new").body().contains("老旧小区管网疏通"));
    String start = day(40, 10).toLocalDateTime().toString();
    HttpResponse<String> clash = b.post("/meetings", Map.of("topicId", String.valueOf(topicS1), "startsAt", start,
        "endsAt", day(40, 11).toLocalDateTime().toString(), "format", "on_site", "venue", "二楼会议室", "kind", "forum",
        "responder_name", "区住建局", "responder_contact", "0436-1234567"));
    assertEquals(409, clash.statusCode());
    assertTrue(clash.body().contains("value=\"区住建局\"") && clash.body().contains("value=\"0436-1234567\""), "the parties typed are kept");
    assertTrue(clash.body().contains("id=\"clash\"") && clash.body().contains("时间冲突"));
    assertTrue(clash.body().contains("value=\"二楼会议室\""), "input kept");
    HttpResponse<String> ok = b.post("/meetings", Map.of("topicId", String.valueOf(topicS1), "startsAt", day(41, 10).toLocalDateTime().toString(),
        "endsAt", day(41, 12).toLocalDateTime().toString(), "format", "on_site", "venue", "二楼会议室", "kind", "forum",
        "host_name", "海明街道"));
    assertEquals(303, ok.statusCode(), ok.body());
    String view = b.get(ok.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(view.contains("已安排") && view.contains("海明街道"));
  }

  @Test
  void calendarAndICalFeedsCarryShanghaiTimes() throws Exception {
    String d1 = api.token("d1");
    OffsetDateTime start = day(50, 15);
    long id = Http.json(api.call("POST", "/api/v1/meetings", d1, meeting(topicS3, start, 2)
        .put("memberIds", new JsonArray()).put("venue", "会议室; 二楼, 东侧").encode())).getLong("id");
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    long station = f.stations.get(AccountFixtures.CHANGQING);
    String month = b.get("/calendar?month=" + start.toLocalDate().toString().substring(0, 7) + "&station=" + station).body();
    assertTrue(month.contains("data-date=\"" + start.toLocalDate() + "\"") && month.contains("15:00 口袋公园选址"), "on its day");
    assertTrue(month.contains("action=\"/calendar/feeds\""), "a button that makes a subscribe link");
    HttpResponse<String> made = b.post("/calendar/feeds", Map.of("station", String.valueOf(station)));
    assertEquals(201, made.statusCode(), made.body());
    Matcher link = Pattern.compile("id=\"feed-link\"[^>]*>(/calendar/feed/[A-Za-z0-9_-]{43}\\.ics)<").matcher(made.body());
    assertTrue(link.find(), "a subscribe link");

    HttpResponse<String> feed = Http.get(node.baseUrl() + link.group(1));   // no session: calendar apps have none
    assertEquals(200, feed.statusCode());
    assertTrue(feed.headers().firstValue("Content-Type").orElse("").startsWith("text/calendar"));
    Calendar cal = new CalendarBuilder().build(new StringReader(feed.body()));
    VEvent event = cal.<VEvent>getComponents("VEVENT").stream()
        .filter(e -> e.getUid().orElseThrow().getValue().equals("meeting-" + id + "@yishi")).findFirst().orElseThrow();
    assertEquals("口袋公园选址", event.getSummary().orElseThrow().getValue());
    assertTrue(event.getLocation().orElseThrow().getValue().contains("会议室; 二楼, 东侧"), "escaped and read back");
    Temporal dtStart = event.getDateTimeStart().orElseThrow().getDate();
    assertNotNull(dtStart);
    assertEquals(start.atZoneSameInstant(SHANGHAI).toLocalDateTime(), LocalDateTime.from(dtStart), "15:00 Shanghai time");
    assertTrue(feed.body().contains("DTSTART;TZID=Asia/Shanghai:"));

    assertEquals(404, Http.get(node.baseUrl() + "/calendar/feed/station/" + station + ".ics?sig=0000").statusCode());
    assertEquals(404, Http.get(node.baseUrl() + "/calendar/feed/district/220802000000.ics").statusCode());
    assertEquals(404, Http.get(node.baseUrl() + "/calendar/feed/../../etc/passwd").statusCode());
    assertFalse(Http.get(node.baseUrl() + "/calendar/feed/station/abc.ics?sig=1").body().contains("Exception"));
  }
}
