package org.yishi.checkin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.AccountFixtures;
import org.yishi.meeting.MeetingService;
import org.yishi.outcome.OutcomeService;
import org.yishi.outcome.OutcomeStore;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.Http;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member's yearly record and points over a small fixture year, against a hand computation; rules'
 * validation (nothing half-written); the record's attendance against the statistics roll-up; the ranking.
 */
class MemberPointsTest {
  @RegisterExtension
  static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql db;
  @FromNode private static Api api;
  private static int year;

  @BeforeAll
  static void start() throws Exception {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    long station = f.stations.get(AccountFixtures.HAIMING);
    long[] meetings = new long[3];
    // the three meetings lie within the last ten hours; the year is the one they share (in Beijing time)
    OffsetDateTime now = OffsetDateTime.now(ZoneId.of("Asia/Shanghai"));
    for (int i = 0; i < 3; i++) {
      long topic = AccountFixtures.approvedTopic(node, station, "积分议题" + i);
      OffsetDateTime ahead = now.plusDays(300 + i * 2L).withHour(9).withMinute(0).withSecond(0).withNano(0);
      meetings[i] = node.services().meetings().schedule(admin,
          new MeetingService.MeetingInput(topic, ahead, ahead.plusHours(2), "会议室", "on_site", null, "grassroots", null, null,
              List.of(), List.of(f.taobeiMember))).await().getLong("id");
      int endAgo = 1 + i * 3; // ended 1, 4 and 7 hours ago: one slot each at the station
      node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '" + (endAgo + 2) + " hours', ends_at = now() - interval '"
          + endAgo + " hours' WHERE id = " + meetings[i]).execute().await();
    }
    year = Integer.parseInt(Http.json(api.get("/api/v1/meetings/" + meetings[0], c1)).getString("startsAt").substring(0, 4));
    for (long m : meetings) {
      assertEquals(year, Integer.parseInt(Http.json(api.get("/api/v1/meetings/" + m, c1)).getString("startsAt").substring(0, 4)));
    }
    OffsetDateTime s = OffsetDateTime.now().minusHours(3);
    JsonObject held = new JsonObject().put("held", true).put("actualStart", s.toString()).put("actualEnd", s.plusHours(1).toString())
        .put("attendance", new JsonObject().put("members", 1).put("residents", 9)).put("attendedMemberIds", new JsonArray().add(f.taobeiMember));
    // meeting 0: attended, checked in, confirmed, two outcomes; meeting 1: attended only; meeting 2: not held
    db.execute("INSERT INTO meeting_checkin (meeting_id, role, member_id, invited, arrival, minutes_off, source) VALUES ("
        + meetings[0] + ", 'members', " + f.taobeiMember + ", true, 'late', 7, 'scan')");
    db.execute("INSERT INTO meeting_member_reply (meeting_id, member_id, reply) VALUES (" + meetings[0] + ", " + f.taobeiMember + ", 'confirmed'), ("
        + meetings[2] + ", " + f.taobeiMember + ", 'declined')");
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meetings[0] + "/record", c1, held.encode()).statusCode());
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meetings[1] + "/record", c1, held.encode()).statusCode());
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meetings[2] + "/record", c1,
        new JsonObject().put("held", false).put("notHeldReason", "暴雪").encode()).statusCode());
    OutcomeService outcomes = node.services().outcomes();
    for (String content : List.of("建议一", "建议二")) {
      outcomes.create(admin, new OutcomeService.OutcomeInput(meetings[0], new OutcomeStore.OutcomeValues(content, "suggestion_letter",
          "区住建局", null, LocalDate.now().plusDays(30)), null)).await();
    }
  }

  private static JsonObject record(String token) {
    HttpResponse<String> r = api.get("/api/v1/members/" + f.taobeiMember + "/record?year=" + year, token);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  @Test
  void pointsEqualTheHandComputationAndRulesAreValidated() throws Exception {
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    JsonObject r = record(d1);
    assertEquals("王建国", r.getString("name"));
    assertEquals(3, r.getLong("invited"));
    assertEquals(2, r.getLong("attended"));
    assertEquals(1, r.getLong("checkins"));
    assertEquals(1, r.getLong("late"));
    assertEquals(1, r.getLong("confirmed"));
    assertEquals(1, r.getLong("declined"));
    assertEquals(2, r.getLong("outcomes"));
    // default rules: attended 2 each, check-in 1, confirmed 1, outcome 1 (at most 20): 4 + 1 + 1 + 2
    assertEquals(false, r.getJsonObject("points").getBoolean("configured"));
    assertEquals(8, r.getJsonObject("points").getLong("total"));

    long committee = f.committees.get(AccountFixtures.TAOBEI);
    String rulesPath = "/api/v1/committees/" + committee + "/points-rules";
    JsonArray rules = new JsonArray()
        .add(new JsonObject().put("kind", "attended").put("points", 3))
        .add(new JsonObject().put("kind", "checkin").put("points", 1))
        .add(new JsonObject().put("kind", "confirmed").put("points", 2).put("per", 2))
        .add(new JsonObject().put("kind", "outcome").put("points", 5).put("cap", 8));
    HttpResponse<String> set = api.call("PUT", rulesPath, d1, new JsonObject().put("year", year).put("rules", rules).encode());
    assertEquals(200, set.statusCode(), set.body());
    // by hand: attended 2 × 3 = 6; check-ins 1 × 1 = 1; confirmed floor(1 / 2) × 2 = 0; outcomes 2 × 5 = 10, capped at 8: 15
    JsonObject points = record(d1).getJsonObject("points");
    assertEquals(15, points.getLong("total"), points.encode());
    JsonObject outcomeLine = points.getJsonArray("lines").stream().map(o -> (JsonObject) o)
        .filter(o -> "outcome".equals(o.getString("kind"))).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("kind", "outcome").put("points", 5).put("per", 1).put("cap", 8).put("count", 2L)
        .put("subtotal", 8L).put("capped", true), outcomeLine, "each point shown with its rule");

    // refused rule sets leave the rules as they were
    for (JsonObject bad : List.of(
        new JsonObject().put("year", year).put("rules", new JsonArray().add(new JsonObject().put("kind", "attended").put("points", 2).put("per", 0))),
        new JsonObject().put("year", year).put("rules", new JsonArray().add(new JsonObject().put("kind", "attended").put("points", -5))),
        new JsonObject().put("year", year).put("rules", new JsonArray().add(new JsonObject().put("kind", "attended").put("points", 1))
            .add(new JsonObject().put("kind", "attended").put("points", 2))),
        new JsonObject().put("year", year).put("rules", new JsonArray().add(new JsonObject().put("kind", "<script>").put("points", 1))),
        new JsonObject().put("year", year).put("rules", "all"),
        new JsonObject().put("year", year).put("rules", new JsonArray().add(new JsonObject().put("kind", "checkin").put("points", "1; DROP TABLE x"))),
        new JsonObject().put("year", "20x6").put("rules", new JsonArray()),
        new JsonObject().put("rules", new JsonArray()))) {
      assertEquals(422, api.call("PUT", rulesPath, d1, bad.encode()).statusCode(), bad.encode());
    }
    assertEquals(4, db.count("SELECT count(*) FROM member_points_rule WHERE committee_id = " + committee + " AND year = " + year));
    assertEquals(15, record(d1).getJsonObject("points").getLong("total"));
    assertEquals(403, api.call("PUT", rulesPath, api.token("d2", AccountFixtures.PASSWORD),
        new JsonObject().put("year", year).put("rules", new JsonArray()).encode()).statusCode(), "another district's committee");

    // the ranking agrees; another district does not see the member
    JsonArray ranking = Http.json(api.get("/api/v1/member-ranking?year=" + year, d1)).getJsonArray("items");
    JsonObject first = ranking.getJsonObject(0);
    assertEquals(f.taobeiMember, first.getLong("memberId"));
    assertEquals(15, first.getLong("points"));
    assertEquals(1, first.getInteger("rank"));
    assertTrue(Http.json(api.get("/api/v1/member-ranking?year=" + year, api.token("d2", AccountFixtures.PASSWORD))).getJsonArray("items")
        .stream().noneMatch(o -> ((JsonObject) o).getLong("memberId") == f.taobeiMember));
    assertEquals(403, api.get("/api/v1/member-ranking?division=" + AccountFixtures.TAOBEI, api.token("d2", AccountFixtures.PASSWORD)).statusCode());
    assertEquals(422, api.get("/api/v1/member-ranking?division=22080", d1).statusCode());
    assertEquals(422, api.get("/api/v1/member-ranking?year=1999", d1).statusCode());
  }

  @Test
  void theYearlyRecordAsPdfAndSpreadsheetNamesTheMemberInChinese() throws Exception {
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    var pdf = org.yishi.support.Http.sendBytes(org.yishi.support.Http.request(node.baseUrl() + "/api/v1/members/" + f.taobeiMember
        + "/record/pdf?year=" + year).header("Authorization", "Bearer " + d1).header("Accept-Language", "zh-CN").GET().build());
    assertEquals(200, pdf.statusCode());
    try (org.apache.pdfbox.pdmodel.PDDocument doc = org.apache.pdfbox.Loader.loadPDF(pdf.body())) {
      String text = new org.apache.pdfbox.text.PDFTextStripper().getText(doc);
      assertTrue(text.contains("王建国"), text);
      assertTrue(text.contains("履职") && text.contains("洮北区政协"), text);
    }
    var xlsx = org.yishi.support.Http.sendBytes(org.yishi.support.Http.request(node.baseUrl() + "/api/v1/members/" + f.taobeiMember
        + "/record/xlsx?year=" + year).header("Authorization", "Bearer " + d1).GET().build());
    assertEquals(200, xlsx.statusCode());
    try (var book = new org.apache.poi.xssf.usermodel.XSSFWorkbook(new java.io.ByteArrayInputStream(xlsx.body()))) {
      var sheet = book.getSheetAt(0);
      assertEquals("王建国", sheet.getRow(0).getCell(0).getStringCellValue());
      assertEquals(2, (int) sheet.getRow(4).getCell(1).getNumericCellValue(), "attended");
    }
    assertEquals(403, api.get("/api/v1/members/" + f.taobeiMember + "/record/xlsx", api.token("d2", AccountFixtures.PASSWORD)).statusCode());
    org.yishi.support.Browser staff = new org.yishi.support.Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String page = staff.get("/members/" + f.taobeiMember + "/record?year=" + year).body();
    assertTrue(page.contains("王建国") && page.contains("id=\"my-point-lines\"") && page.contains("/members/" + f.taobeiMember + "/record/pdf"), page);
    String ranking = staff.get("/member-ranking?year=" + year).body();
    assertTrue(ranking.contains("王建国") && ranking.contains("id=\"ranking\""), ranking);
    assertEquals(200, staff.getBytes("/members/" + f.taobeiMember + "/record/xlsx?year=" + year).statusCode());
    assertEquals(422, api.get("/api/v1/members/" + f.taobeiMember + "/record/pdf?year=abcd", d1).statusCode());
  }

  @Test
  void attendanceAgreesWithTheRollUpCounters() throws Exception {
    long rolledUp = db.count("SELECT coalesce(sum(meetings_attended), 0) FROM stats_member_month WHERE member_id = " + f.taobeiMember
        + " AND extract(year FROM month) = " + year);
    assertEquals(rolledUp, record(api.token("city", AccountFixtures.PASSWORD)).getLong("attended"));
    assertEquals(2, rolledUp);
  }
}
