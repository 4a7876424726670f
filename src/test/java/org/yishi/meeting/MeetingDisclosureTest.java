package org.yishi.meeting;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.member.MemberService;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a 409 clash and a refused member id tell the caller (issue 18, items 2 and 3): a clashing
 * meeting outside the caller's jurisdiction is never described (topic, venue, link, research plan,
 * id), on the API and on the pages; attendees and invited members follow one rule (active members
 * of the district or city committee), refused with a 422 naming the element and without names.
 */
class MeetingDisclosureTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final String SECRET_TITLE = "洮南机密议题甲";
  private static final String SECRET_VENUE = "洮南秘密会场乙";
  private static final String SECRET_PLAN = "洮南调研方案丙";
  private static final String SECRET_LINK = "https://meet.example/secret-taonan";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Sql db;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long topicHaiming;
  private static long topicChangqing;
  private static long topicTuanjie;
  private static long cityMember;
  private static long taonanMember;
  private static int slot;

  @BeforeAll
  static void start() {
    topicHaiming = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "海明议题");
    topicChangqing = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.CHANGQING), "长庆内部议题丁");
    topicTuanjie = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.TUANJIE), SECRET_TITLE);
    MemberService members = node.services().members();
    var admin = node.accounts().store().byUsername("admin").await().principal();
    cityMember = members.create(admin, new MemberService.MemberInput("李市委员", "教育界",
        f.committees.get(AccountFixtures.BAICHENG), null, null, true, null)).await().getLong("id");
    taonanMember = members.create(admin, new MemberService.MemberInput("孙洮南委员", "农业界",
        f.committees.get(AccountFixtures.TAONAN), null, null, true, null)).await().getLong("id");
  }

  private static String token(String user) {
    return api.token(user, AccountFixtures.PASSWORD);
  }

  private static OffsetDateTime day(int days, int hour) {
    return ZonedDateTime.now(SHANGHAI).plusDays(days).withHour(hour).withMinute(0).withSecond(0).withNano(0).toOffsetDateTime();
  }

  /** A fresh day for each clash scenario, so that scenarios never collide with each other. */
  private static synchronized int nextDay() {
    return 30 + 2 * slot++;
  }

  private static JsonObject meeting(long topic, OffsetDateTime start, long... members) {
    JsonArray ids = new JsonArray();
    for (long m : members) {
      ids.add(m);
    }
    return new JsonObject().put("topicId", topic).put("startsAt", start.toString()).put("endsAt", start.plusHours(2).toString())
        .put("venue", "会议室").put("format", "on_site").put("kind", "grassroots").put("memberIds", ids);
  }

  /** 洮南's secret meeting (by its district staff), with a city-committee member invited. */
  private static long secretMeeting(OffsetDateTime start, long member) {
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token("d2"), meeting(topicTuanjie, start, member)
        .put("venue", SECRET_VENUE).put("format", "hybrid").put("onlineLink", SECRET_LINK).put("researchPlan", SECRET_PLAN).encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  private static void assertTellsNothingOf(String body, long otherId, String... secrets) {
    for (String s : List.of(SECRET_TITLE, SECRET_VENUE, SECRET_PLAN, SECRET_LINK)) {
      assertFalse(body.contains(s), "the answer must not contain " + s + ": " + body);
    }
    for (String s : secrets) {
      assertFalse(body.contains(s), "the answer must not contain " + s + ": " + body);
    }
    assertFalse(body.contains("/meetings/" + otherId), body);
  }

  // ------------------------------------------------------------------ item 2: clash answers

  @Test
  void apiClashWithAMeetingInAnotherDistrictNamesOnlyTheMember() {
    OffsetDateTime start = day(nextDay(), 9);
    long secret = secretMeeting(start, cityMember);
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicHaiming, start.plusHours(1), cityMember).encode());
    assertEquals(409, r.statusCode(), r.body());
    assertTellsNothingOf(r.body(), secret);
    JsonObject clash = Http.json(r).getJsonObject("clash");
    assertNull(clash.getValue("id"), "no id of a meeting outside the jurisdiction: " + clash);
    assertNull(clash.getValue("startsAt"), clash.encode());
    assertEquals(cityMember, clash.getLong("memberId"));
    assertEquals("李市委员", clash.getString("memberName"), "the caller invited the member, so may see who is booked");
    assertTrue(Http.json(r).getJsonObject("error").getJsonObject("fields").getString("memberIds").contains("李市委员"), r.body());
  }

  @Test
  void apiClashInsideTheJurisdictionNamesTheMeetingWithoutItsDetails() {
    OffsetDateTime start = day(nextDay(), 9);
    HttpResponse<String> first = api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicChangqing, start, f.taobeiMember)
        .put("venue", SECRET_VENUE).put("researchPlan", SECRET_PLAN).encode());
    assertEquals(201, first.statusCode(), first.body());
    long id = Http.json(first).getLong("id");
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicHaiming, start, f.taobeiMember).encode());
    assertEquals(409, r.statusCode());
    JsonObject clash = Http.json(r).getJsonObject("clash");
    assertEquals(id, clash.getLong("id"), "district staff see their district's meeting");
    assertEquals("长庆内部议题丁", clash.getString("topicTitle"));
    assertFalse(r.body().contains(SECRET_VENUE) || r.body().contains(SECRET_PLAN), "id, time and title only: " + r.body());
  }

  @Test
  void apiClashOfACoordinatorWithAnotherStationOfTheDistrictIsNotDescribed() {
    OffsetDateTime start = day(nextDay(), 14);
    long other = Http.json(api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicChangqing, start, f.taobeiMember).encode()))
        .getLong("id");
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token("c1"), meeting(topicHaiming, start, f.taobeiMember).encode());
    assertEquals(409, r.statusCode(), r.body());
    assertTellsNothingOf(r.body(), other, "长庆内部议题丁", "议事室002");
    assertNull(Http.json(r).getJsonObject("clash").getValue("id"), r.body());
    assertEquals("王建国", Http.json(r).getJsonObject("clash").getString("memberName"));
  }

  @Test
  void apiRescheduleIntoAClashOutsideTheJurisdictionIsNotDescribed() {
    OffsetDateTime start = day(nextDay(), 9);
    long secret = secretMeeting(start, cityMember);
    JsonObject mine = Http.json(api.call("POST", "/api/v1/meetings", token("d1"),
        meeting(topicHaiming, start.plusDays(1), cityMember).encode()));
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings/" + mine.getLong("id") + "/reschedule", token("d1"), new JsonObject()
        .put("startsAt", start.toString()).put("endsAt", start.plusHours(1).toString()).put("reason", "改期")
        .put("version", mine.getInteger("version")).encode());
    assertEquals(409, r.statusCode(), r.body());
    assertTellsNothingOf(r.body(), secret);
    assertEquals(cityMember, Http.json(r).getJsonObject("clash").getLong("memberId"));
  }

  @Test
  void formPagesShowAClashOutsideTheJurisdictionWithoutItsDetails() {
    OffsetDateTime start = day(nextDay(), 9);
    long secret = secretMeeting(start, cityMember);
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> page = b.post("/meetings", Map.of("topicId", String.valueOf(topicHaiming),
        "startsAt", start.toLocalDateTime().toString(), "endsAt", start.plusHours(1).toLocalDateTime().toString(),
        "format", "on_site", "venue", "二楼会议室", "kind", "forum", "memberIds", String.valueOf(cityMember)));
    assertEquals(409, page.statusCode(), page.body());
    assertTrue(page.body().contains("id=\"clash\"") && page.body().contains("时间冲突") && page.body().contains("李市委员"), page.body());
    assertTellsNothingOf(page.body(), secret);

    Browser d1 = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    JsonObject mine = Http.json(api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicHaiming, start.plusDays(1), cityMember).encode()));
    HttpResponse<String> moved = d1.post("/meetings/" + mine.getLong("id") + "/reschedule", Map.of(
        "startsAt", start.toLocalDateTime().toString(), "endsAt", start.plusHours(1).toLocalDateTime().toString(),
        "reason", "改期", "version", String.valueOf(mine.getInteger("version"))));
    assertEquals(409, moved.statusCode(), moved.body());
    assertTrue(moved.body().contains("李市委员"), "the booked member is named");
    assertTellsNothingOf(moved.body(), secret);
  }

  // ------------------------------------------------------------------ item 3: attendee and invitee ids

  /** A meeting at 海明 that has started (moved into the past in SQL), with 王建国 invited. */
  private static long pastMeeting() {
    OffsetDateTime start = day(nextDay() + 200, 9);
    long id = Http.json(api.call("POST", "/api/v1/meetings", token("d1"), meeting(topicHaiming, start, f.taobeiMember).encode())).getLong("id");
    int ago = 3 * slot;
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '" + (ago + 2) + " hours', ends_at = now() - interval '"
        + ago + " hours' WHERE id = " + id).execute().await();
    return id;
  }

  private static JsonObject record(long... attendees) {
    JsonArray ids = new JsonArray();
    for (long a : attendees) {
      ids.add(a);
    }
    OffsetDateTime s = OffsetDateTime.now().minusHours(3);
    return new JsonObject().put("held", true).put("actualStart", s.toString()).put("actualEnd", s.plusHours(1).toString())
        .put("attendedMemberIds", ids).put("minutes", "纪要");
  }

  @Test
  void aRecordRefusesAttendeesOutsideTheDistrictAndCityCommitteesNamingTheElement() throws Exception {
    long id = pastMeeting();
    HttpResponse<String> r = api.call("PUT", "/api/v1/meetings/" + id + "/record", token("c1"),
        record(f.taobeiMember, cityMember, taonanMember, 987654321L).encode());
    assertEquals(422, r.statusCode(), r.body());
    JsonObject fields = Http.json(r).getJsonObject("error").getJsonObject("fields");
    assertEquals(java.util.Set.of("attendedMemberIds[2]", "attendedMemberIds[3]"), fields.fieldNames(), r.body());
    assertFalse(r.body().contains("孙洮南委员"), "no name of a member outside: " + r.body());
    assertEquals(0, db.count("SELECT count(*) FROM meeting_record WHERE meeting_id = " + id), "nothing written");
    assertEquals(0, db.count("SELECT count(*) FROM meeting_attendee WHERE meeting_id = " + id));
    assertEquals(1, db.count("SELECT count(*) FROM meeting WHERE status = 'scheduled' AND id = " + id));

    HttpResponse<String> ok = api.call("PUT", "/api/v1/meetings/" + id + "/record", token("c1"),
        record(f.taobeiMember, cityMember).encode());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(2, Http.json(ok).getJsonArray("attendedMemberIds").size());
  }

  @Test
  void theRecordFormRefusesAttendeesOutsideWithoutNamesOrWrites() throws Exception {
    long id = pastMeeting();
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    OffsetDateTime s = OffsetDateTime.now(SHANGHAI).minusHours(3);
    HttpResponse<String> page = b.post("/meetings/" + id + "/record", Map.of("held", "true",
        "actualStart", s.toLocalDateTime().withNano(0).toString(), "actualEnd", s.plusHours(1).toLocalDateTime().withNano(0).toString(),
        "attendedMemberIds", f.taobeiMember + "," + taonanMember, "minutes", "纪要"));
    assertEquals(422, page.statusCode(), page.body());
    assertFalse(page.body().contains("孙洮南委员"), "no name of a member outside");
    assertEquals(0, db.count("SELECT count(*) FROM meeting_record WHERE meeting_id = " + id), "nothing written");
  }

  @Test
  void schedulingRefusesInviteesOutsideWithTheSameRule() throws Exception {
    long before = db.count("SELECT count(*) FROM meeting");
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token("d1"),
        meeting(topicHaiming, day(nextDay(), 9), f.taobeiMember, taonanMember).encode());
    assertEquals(422, r.statusCode(), r.body());
    assertEquals(java.util.Set.of("memberIds[1]"), Http.json(r).getJsonObject("error").getJsonObject("fields").fieldNames());
    assertFalse(r.body().contains("孙洮南委员"));
    assertEquals(before, db.count("SELECT count(*) FROM meeting"), "nothing written");
  }
}
