package org.yishi.member;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.meeting.MeetingService;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a member's record counts of topics and outcomes naming them (topics proposed, suggestions made
 * and adopted, typical cases), each input's refusals, points from these against a hand computation,
 * and the record's attendance against the statistics API's member figures for the same year and unit.
 */
class MemberContributionsTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static Api api;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql sql;
  private static long meeting;
  private static long outsider;
  private static int year;
  private static String c1;
  private static String d1;

  @BeforeAll
  static void start() {
    c1 = api.token("c1", AccountFixtures.PASSWORD);
    d1 = api.token("d1", AccountFixtures.PASSWORD);
    var admin = node.accounts().store().byUsername("admin").await().principal();
    long station = f.stations.get(AccountFixtures.HAIMING);
    long topic = AccountFixtures.approvedTopic(node, station, "履职议题");
    OffsetDateTime later = OffsetDateTime.now(ZoneId.of("Asia/Shanghai")).plusDays(200).withHour(9).withMinute(0).withSecond(0).withNano(0);
    meeting = node.services().meetings().schedule(admin, new MeetingService.MeetingInput(topic, later, later.plusHours(2), "会议室",
        "on_site", null, "grassroots", null, null, List.of(), List.of(f.taobeiMember))).await().getLong("id");
    sql.update("UPDATE meeting SET starts_at = now() - interval '3 hours', ends_at = now() - interval '2 hours' WHERE id = ?", meeting);
    year = Integer.parseInt(Http.json(api.get("/api/v1/meetings/" + meeting, c1)).getString("startsAt").substring(0, 4));
    OffsetDateTime began = OffsetDateTime.now().minusHours(3);
    JsonObject record = new JsonObject().put("held", true).put("actualStart", began.toString()).put("actualEnd", began.plusHours(1).toString())
        .put("attendance", new JsonObject().put("members", 1).put("residents", 6)).put("attendedMemberIds", new JsonArray().add(f.taobeiMember));
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meeting + "/record", c1, record.encode()).statusCode());
    // a member of another district's committee: never eligible at 海明 (洮北区)
    outsider = (Long) sql.value("INSERT INTO member (name, sector, committee_id) VALUES ('外区委员', '教育界', ?) RETURNING id",
        f.committees.get(AccountFixtures.TAONAN));
  }

  private static JsonObject topic(Object proposerMemberId) {
    return new JsonObject().put("stationId", f.stations.get(AccountFixtures.HAIMING)).put("title", "加装电梯")
        .put("category", "livelihood").put("source", "member").put("proposerMemberId", proposerMemberId)
        .put("q1Answer", true).put("q1Reason", "群众关切").put("q2Answer", true).put("q2Reason", "适合协商");
  }

  private static long outcome(String content) {
    JsonObject body = new JsonObject().put("meetingId", meeting).put("content", content).put("form", "suggestion_letter")
        .put("responsibleUnit", "洮北区住房和城乡建设局").put("dueOn", LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(30).toString());
    HttpResponse<String> r = api.call("POST", "/api/v1/outcomes", c1, body.encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  private static HttpResponse<String> name(String token, long outcome, JsonObject body) {
    return api.call("PUT", "/api/v1/outcomes/" + outcome + "/members", token, body.encode());
  }

  private static JsonObject record() {
    HttpResponse<String> r = api.get("/api/v1/members/" + f.taobeiMember + "/record?year=" + year, d1);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  @Test
  void theRecordCountsTopicsSuggestionsAdoptionsAndTypicalCasesWithTheirPoints() {
    // a topic naming its proposing member, put forward (submitted); a draft does not count
    HttpResponse<String> created = api.call("POST", "/api/v1/topics", c1, topic(f.taobeiMember).encode());
    assertEquals(201, created.statusCode(), created.body());
    JsonObject t = Http.json(created);
    assertEquals("王建国", t.getString("proposerMemberName"));
    assertEquals(200, api.call("POST", "/api/v1/topics/" + t.getLong("id") + "/transitions", c1,
        new JsonObject().put("action", "submit").encode()).statusCode());
    assertEquals(201, api.call("POST", "/api/v1/topics", c1, topic(f.taobeiMember).put("title", "草稿").encode()).statusCode());
    // refusals: another district's member, an unknown one, not a number; nothing written
    long topics = sql.count("SELECT count(*) FROM topic");
    for (Object bad : List.of(outsider, 999_999L, "王建国", "1; DROP TABLE topic")) {
      HttpResponse<String> r = api.call("POST", "/api/v1/topics", c1, topic(bad).encode());
      assertEquals(422, r.statusCode(), r.body());
      assertTrue(r.body().contains("proposerMemberId"), r.body());
    }
    assertEquals(topics, sql.count("SELECT count(*) FROM topic"));

    // suggestions: two outcomes name the member, one of them adopted; a typical case names them
    long adopted = outcome("建议加装电梯");
    long pending = outcome("建议增设停车位");
    for (long o : List.of(adopted, pending)) {
      HttpResponse<String> r = name(c1, o, new JsonObject().put("suggesters", new JsonArray().add(f.taobeiMember)));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("王建国", Http.json(r).getJsonArray("suggesters").getJsonObject(0).getString("name"));
    }
    assertEquals(200, api.call("POST", "/api/v1/outcomes/" + adopted + "/transitions", d1, new JsonObject().put("action", "answer")
        .put("answer", "adopted").put("reply", "已列入计划").put("version", 1).encode()).statusCode());
    // typical cases: staff only, on an outcome marked typical, members of the district only; nothing half-written
    JsonObject typicalBody = new JsonObject().put("typicalMembers", new JsonArray().add(f.taobeiMember));
    assertEquals(403, name(c1, adopted, typicalBody).statusCode(), "coordinators do not name typical cases");
    HttpResponse<String> notTypical = name(d1, adopted, typicalBody);
    assertEquals(422, notTypical.statusCode());
    assertTrue(notTypical.body().contains("typicalMembers"), notTypical.body());
    assertEquals(200, api.call("PUT", "/api/v1/outcomes/" + adopted + "/typical", d1, new JsonObject().put("typical", true).encode()).statusCode());
    HttpResponse<String> mixed = name(d1, adopted, new JsonObject().put("suggesters", new JsonArray().add(f.taobeiMember).add(outsider))
        .put("typicalMembers", new JsonArray().add(f.taobeiMember)));
    assertEquals(422, mixed.statusCode());
    assertTrue(mixed.body().contains("suggesters[1]"), mixed.body());
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("suggesters", "all"),
        new JsonObject().put("suggesters", new JsonArray().add("<script>alert(1)</script>")))) {
      assertEquals(422, name(c1, pending, bad).statusCode(), bad.encode());
    }
    assertEquals(403, name(api.token("d2", AccountFixtures.PASSWORD), pending, new JsonObject().put("suggesters", new JsonArray())).statusCode());
    assertEquals(0, sql.count("SELECT count(*) FROM outcome_member WHERE role = 'typical'"));
    assertEquals(200, name(d1, adopted, typicalBody).statusCode());
    assertEquals(1, Http.json(api.get("/api/v1/outcomes/" + adopted, d1)).getJsonArray("typicalMembers").size());

    JsonObject r = record();
    assertEquals(1, r.getLong("proposed"));
    assertEquals(2, r.getLong("suggested"));
    assertEquals(1, r.getLong("adopted"));
    assertEquals(1, r.getLong("typical"));
    assertEquals(1, r.getLong("attended"));
    assertEquals(2, r.getLong("outcomes"));
    // default rules by hand: attended 1 × 2 + check-ins 0 + confirmed 0 + outcomes 2 × 1 + proposed 1 × 3 + adopted 1 × 5 + typical 1 × 5
    assertEquals(17, r.getJsonObject("points").getLong("total"), r.encode());

    long committee = f.committees.get(AccountFixtures.TAOBEI);
    JsonArray rules = new JsonArray()
        .add(new JsonObject().put("kind", "proposed").put("points", 4))
        .add(new JsonObject().put("kind", "suggested").put("points", 3).put("per", 2))
        .add(new JsonObject().put("kind", "adopted").put("points", 10).put("cap", 6))
        .add(new JsonObject().put("kind", "typical").put("points", 7));
    HttpResponse<String> set = api.call("PUT", "/api/v1/committees/" + committee + "/points-rules", d1,
        new JsonObject().put("year", year).put("rules", rules).encode());
    assertEquals(200, set.statusCode(), set.body());
    // by hand: proposed 1 × 4 = 4; suggested floor(2 / 2) × 3 = 3; adopted 1 × 10 capped at 6; typical 1 × 7 = 7: 20
    JsonObject points = record().getJsonObject("points");
    assertEquals(20, points.getLong("total"), points.encode());
    JsonObject adoptedLine = points.getJsonArray("lines").stream().map(o -> (JsonObject) o)
        .filter(o -> "adopted".equals(o.getString("kind"))).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("kind", "adopted").put("points", 10).put("per", 1).put("cap", 6).put("count", 1L)
        .put("subtotal", 6L).put("capped", true), adoptedLine, "each point shown with its rule");
    JsonObject ranked = Http.json(api.get("/api/v1/member-ranking?year=" + year, d1)).getJsonArray("items").stream()
        .map(o -> (JsonObject) o).filter(o -> o.getLong("memberId") == f.taobeiMember).findFirst().orElseThrow();
    assertEquals(20, ranked.getLong("points"), "the ranking counts the same");
    assertEquals(1, ranked.getLong("typical"));
  }

  @Test
  void theTopicFormOffersTheCommitteesMembersAndRefusesAnOutsider() {
    long station = f.stations.get(AccountFixtures.HAIMING);
    org.yishi.support.Browser coordinator = new org.yishi.support.Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String form = coordinator.get("/topics/new?station=" + station).body();
    assertTrue(form.contains("id=\"f-proposerMemberId\"") && form.contains("王建国") && !form.contains("外区委员"), form);
    java.util.Map<String, String> fields = new java.util.HashMap<>(java.util.Map.of("stationId", String.valueOf(station),
        "title", "<script>alert(1)</script>", "category", "livelihood", "source", "member", "intent", "save"));
    fields.put("proposerMemberId", String.valueOf(outsider));
    HttpResponse<String> refused = coordinator.post("/topics", fields);
    assertEquals(422, refused.statusCode());
    assertTrue(refused.body().contains("id=\"e-proposerMemberId\"") && !refused.body().contains("<script>alert(1)"), refused.body());
    fields.put("proposerMemberId", String.valueOf(f.taobeiMember));
    HttpResponse<String> saved = coordinator.post("/topics", fields);
    assertEquals(303, saved.statusCode(), saved.body());
    String view = coordinator.get(saved.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(view.contains("id=\"proposer-member\"") && view.contains("王建国"), view);
  }

  @Test
  void theOutcomePageNamesSuggestersAndForStaffTheMembersOfATypicalCase() {
    long o = outcome("建议修缮健身步道");
    String path = "/outcomes/" + o + "/members";
    org.yishi.support.Browser coordinator = new org.yishi.support.Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String page = coordinator.get("/outcomes/" + o).body();
    assertTrue(page.contains("action=\"" + path + "\"") && page.contains("id=\"sg-" + f.taobeiMember + "\"")
        && !page.contains("外区委员") && !page.contains("name=\"typicalMembers\""), "the district's members, no typical-case list");
    // an outsider, a script instead of an id: 422 on the page, nothing named
    for (String bad : List.of(String.valueOf(outsider), "<script>alert(1)</script>")) {
      HttpResponse<String> refused = coordinator.postRaw(path, form(coordinator, "suggesters", String.valueOf(f.taobeiMember), "suggesters", bad));
      assertEquals(422, refused.statusCode(), bad);
      assertTrue(refused.body().contains("id=\"e-suggesters\"") && !refused.body().contains("<script>alert(1)"), refused.body());
    }
    // a coordinator cannot name a typical case's members by adding the field
    assertEquals(403, coordinator.postRaw(path, form(coordinator, "typicalShown", "1", "typicalMembers", String.valueOf(f.taobeiMember)))
        .statusCode());
    org.yishi.support.Browser otherDistrict = new org.yishi.support.Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    otherDistrict.get("/outcomes");
    assertEquals(403, otherDistrict.postRaw(path, form(otherDistrict, "suggesters", String.valueOf(f.taobeiMember))).statusCode());
    assertEquals(0, sql.count("SELECT count(*) FROM outcome_member WHERE outcome_id = ?", o));

    assertEquals(303, coordinator.postRaw(path, form(coordinator, "suggesters", String.valueOf(f.taobeiMember))).statusCode());
    assertTrue(coordinator.get("/outcomes/" + o).body().matches("(?s).*id=\"outcome-suggesters\">王建国<.*"), "named on the page");
    // staff mark it typical and name the case's members; unticking every suggester names none
    org.yishi.support.Browser staff = new org.yishi.support.Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    assertEquals(200, api.call("PUT", "/api/v1/outcomes/" + o + "/typical", d1, new JsonObject().put("typical", true).encode()).statusCode());
    assertTrue(staff.get("/outcomes/" + o).body().contains("id=\"tm-" + f.taobeiMember + "\""), "the typical-case list for staff");
    assertEquals(303, staff.postRaw(path, form(staff, "typicalShown", "1", "typicalMembers", String.valueOf(f.taobeiMember))).statusCode());
    assertEquals(1, sql.count("SELECT count(*) FROM outcome_member WHERE outcome_id = ? AND role = 'typical'", o));
    assertEquals(0, sql.count("SELECT count(*) FROM outcome_member WHERE outcome_id = ? AND role = 'suggester'", o));
  }

  /** A form body with repeated fields (checkboxes) and the page's CSRF token. */
  private static byte[] form(org.yishi.support.Browser b, String... pairs) {
    StringBuilder body = new StringBuilder("_csrf=").append(java.net.URLEncoder.encode(b.csrf(), java.nio.charset.StandardCharsets.UTF_8));
    for (int i = 0; i < pairs.length; i += 2) {
      body.append('&').append(pairs[i]).append('=').append(java.net.URLEncoder.encode(pairs[i + 1], java.nio.charset.StandardCharsets.UTF_8));
    }
    return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void attendanceAgreesWithTheStatisticsApiForTheSameYearAndUnit() {
    String city = api.token("city", AccountFixtures.PASSWORD);
    String range = "&from=" + year + "-01&to=" + year + "-12";
    JsonObject members = Http.json(api.get("/api/v1/stats/members?division=" + AccountFixtures.TAOBEI + range, city));
    JsonObject mine = members.getJsonArray("items").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getLong("id") == f.taobeiMember).findFirst().orElseThrow(() -> new AssertionError(members.encode()));
    JsonObject r = record();
    assertEquals(r.getLong("attended"), mine.getLong("meetingsAttended"), members.encode());
    HttpResponse<String> stats = api.get("/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI + range, city);
    assertEquals(200, stats.statusCode(), stats.body());
    // the only member attending in the district this year: the district's counter is this member's attendances
    assertTrue(stats.body().contains("\"members_attending\":" + r.getLong("attended")), stats.body());
    assertEquals(1, r.getLong("attended"));
  }
}
