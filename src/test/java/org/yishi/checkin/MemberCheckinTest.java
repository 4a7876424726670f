package org.yishi.checkin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.AccountFixtures;
import org.yishi.meeting.MeetingService;
import org.yishi.member.MemberService;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.Browser;
import org.yishi.support.Http;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Member accounts and check-in by code, through real HTTP on a real node and database: scans by members
 * and guests, second and concurrent scans, forged/expired/other codes, an uninvited member, the
 * coordinator's corrections, the record filled from the check-ins, refusal once filed, and what a
 * member may see.
 */
class MemberCheckinTest {
  @RegisterExtension
  static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql db;
  @FromNode private static Api api;
  private static long member2;      // 李秀英, 洮北区政协, not invited anywhere
  private static long taonanMember; // a member of 洮南市政协: not eligible at 洮北 stations
  private static String memberToken;
  private static String member2Token;
  private static int slot;

  @BeforeAll
  static void start() throws Exception {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    MemberService members = node.services().members();
    member2 = members.create(admin, new MemberService.MemberInput("李秀英", "教育界", f.committees.get(AccountFixtures.TAOBEI),
        null, null, true, null)).await().getLong("id");
    taonanMember = members.create(admin, new MemberService.MemberInput("赵六", "农业界", f.committees.get(AccountFixtures.TAONAN),
        null, null, true, null)).await().getLong("id");
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    HttpResponse<String> made = api.call("POST", "/api/v1/members/" + f.taobeiMember + "/account", d1,
        new JsonObject().put("username", "wangjianguo").encode());
    assertEquals(201, made.statusCode(), made.body());
    assertEquals("member", Http.json(made).getString("role"));
    assertTrue(Http.json(made).getString("temporaryPassword").length() >= 10);
    assertEquals(201, api.call("POST", "/api/v1/members/" + member2 + "/account", d1,
        new JsonObject().put("username", "lixiuying").encode()).statusCode());
    // the fixture password instead of the temporary one, already changed
    db.execute("UPDATE account SET password_hash = (SELECT password_hash FROM account WHERE username = 'c1'), must_change_password = false"
        + " WHERE username IN ('wangjianguo', 'lixiuying')");
    memberToken = api.token("wangjianguo", AccountFixtures.PASSWORD);
    member2Token = api.token("lixiuying", AccountFixtures.PASSWORD);
  }

  /** A meeting at a fixture station inviting {@code invited}, moved to start {@code startsInMinutes} from now (2 hours long). */
  private static long meeting(String township, int startsInMinutes, List<Long> invited) {
    long station = f.stations.get(township);
    long topic = AccountFixtures.approvedTopic(node, station, "议题" + (++slot));
    OffsetDateTime start = OffsetDateTime.now().plusDays(200 + slot * 2L).withHour(9).withMinute(0).withSecond(0).withNano(0);
    long id = node.services().meetings().schedule(
        node.accounts().store().byUsername("admin").await().principal(),
        new MeetingService.MeetingInput(topic, start, start.plusHours(2), "社区会议室", "on_site", null, "grassroots", null, null,
            List.of(), invited)).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() + interval '" + startsInMinutes + " minutes', ends_at = now() + interval '"
        + (startsInMinutes + 120) + " minutes' WHERE id = " + id).execute().await();
    return id;
  }

  private static String codeOf(long meetingId, String token) {
    HttpResponse<String> r = api.get("/api/v1/meetings/" + meetingId + "/checkins", token);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = Http.json(r);
    assertTrue(o.getString("url").endsWith("/checkin/" + o.getString("code")));
    return o.getString("code");
  }

  private static HttpResponse<String> scan(String token, JsonObject body) {
    return api.call("POST", "/api/v1/checkin", token, body.encode());
  }

  private static String field(HttpResponse<String> r, String name) {
    return Http.json(r).getJsonObject("error").getJsonObject("fields").getString(name);
  }

  @Test
  void membersAndGuestsCheckInOnceEachAndBadCodesRevealNothing() throws Exception {
    long m = meeting(AccountFixtures.HAIMING, 10, List.of(f.taobeiMember));
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    String code = codeOf(m, c1);

    HttpResponse<String> first = scan(memberToken, new JsonObject().put("code", code));
    assertEquals(201, first.statusCode(), first.body());
    JsonObject in = Http.json(first);
    assertEquals("members", in.getString("role"));
    assertEquals(f.taobeiMember, in.getLong("memberId"));
    assertTrue(in.getBoolean("invited"));
    assertEquals("on_time", in.getString("arrival"), "10 minutes before the start is on time");
    HttpResponse<String> again = scan(memberToken, new JsonObject().put("code", code));
    assertEquals(200, again.statusCode());
    assertTrue(Http.json(again).getBoolean("already"));
    assertEquals(in.getLong("id"), Http.json(again).getLong("id"));

    // a member who was not invited is checked in and flagged
    HttpResponse<String> uninvited = scan(member2Token, new JsonObject().put("code", code));
    assertEquals(201, uninvited.statusCode());
    assertFalse(Http.json(uninvited).getBoolean("invited"));

    // guests: a role, a device key; name stored verbatim, phone optional
    String script = "<script>alert('x')</script>'; DROP TABLE meeting_checkin; --";
    JsonObject guest = new JsonObject().put("code", code).put("role", "residents").put("name", script.substring(0, 50))
        .put("deviceKey", "device-key-0000000001");
    assertEquals(201, scan(null, guest).statusCode());
    assertEquals(200, scan(null, guest).statusCode(), "the same phone again: the same check-in");
    assertEquals(201, scan(null, guest.copy().put("deviceKey", "device-key-0000000002").put("role", "experts").put("phone", "13800000000"))
        .statusCode());
    assertEquals(4, db.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = " + m));
    assertEquals(2, db.count("SELECT count(*) FROM meeting_checkin WHERE name = '" + script.substring(0, 50).replace("'", "''") + "'"));

    // bad input: nothing written
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "device-key-0000000003").put("role", "mayor")).statusCode());
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "device-key-0000000003").putNull("role")).statusCode());
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "short")).statusCode());
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "device-key-0000000003").put("phone", "call me")).statusCode());
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "device-key-0000000003").put("name", "名".repeat(51))).statusCode());
    assertEquals(422, scan(null, guest.copy().put("deviceKey", "device-key-0000000003").put("role", 7)).statusCode());
    assertEquals(422, scan(null, new JsonObject().put("role", "residents").put("deviceKey", "device-key-0000000003")).statusCode());
    assertEquals(400, api.call("POST", "/api/v1/checkin", null, "{not json").statusCode());
    String[] parts = code.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + parts[2] + "." + (parts[3].charAt(0) == 'A' ? 'B' : 'A') + parts[3].substring(1);
    String otherMeeting = (m + 1) + "." + parts[1] + "." + parts[2] + "." + parts[3];
    String longer = parts[0] + "." + parts[1] + "." + (Long.parseLong(parts[2]) + 86400) + "." + parts[3];
    for (String bad : List.of(forged, otherMeeting, longer, "x", code + "x", "1.2.3")) {
      HttpResponse<String> r = scan(memberToken, new JsonObject().put("code", bad));
      assertEquals(422, r.statusCode(), bad);
      assertEquals(field(scan(null, guest.copy().put("code", forged)), "code"), field(r, "code"), "one answer for every bad code");
      assertFalse(r.body().contains("议题"), "nothing about the meeting");
    }
    assertEquals(4, db.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = " + m));

    // expired (ended 4 hours ago) and not yet open (tomorrow): the code is genuine but outside its window
    long past = meeting(AccountFixtures.HAIMING, -360, List.of());
    String pastCode = codeOf(past, c1);
    HttpResponse<String> expired = scan(memberToken, new JsonObject().put("code", pastCode));
    assertEquals(422, expired.statusCode());
    assertTrue(field(expired, "code").contains("not valid at this time"), expired.body());
    long future = meeting(AccountFixtures.HAIMING, 24 * 60, List.of());
    assertEquals(422, scan(memberToken, new JsonObject().put("code", codeOf(future, c1))).statusCode());

    // the page a scanned code opens: a guest chooses a role; the name is shown escaped nowhere but the coordinator's list
    Browser guestPhone = new Browser(node.baseUrl());
    HttpResponse<String> page = guestPhone.get("/checkin/" + code);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("id=\"privacy-note\""));
    HttpResponse<String> none = guestPhone.post("/checkin/" + code, Map.of("name", "张三"));
    assertEquals(422, none.statusCode(), "no role chosen");
    assertTrue(none.body().contains("请选择身份"));
    HttpResponse<String> done = guestPhone.post("/checkin/" + code, Map.of("role", "departments", "name", "<b>区住建局</b>"));
    assertEquals(200, done.statusCode(), done.body());
    assertTrue(done.body().contains("id=\"checkin-done\""));
    guestPhone.get("/checkin/" + code);
    assertTrue(guestPhone.post("/checkin/" + code, Map.of("role", "departments")).body().contains("无需重复签到"));
    HttpResponse<String> bad = new Browser(node.baseUrl()).get("/checkin/" + forged);
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("签到码无效") && !bad.body().contains("议题"));

    // a member opening the link while signed in is checked in at once
    Browser memberPhone = new Browser(node.baseUrl()).login("lixiuying", AccountFixtures.PASSWORD);
    HttpResponse<String> opened = memberPhone.get("/checkin/" + code);
    assertTrue(opened.body().contains("无需重复签到") && opened.body().contains("id=\"checkin-uninvited\""), opened.body());

    // the coordinator's page lists everyone, flags the uninvited member, escapes the typed name
    Browser coordinator = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> list = coordinator.get("/meetings/" + m + "/checkin");
    assertEquals(200, list.statusCode());
    assertTrue(list.body().contains("&lt;b&gt;区住建局&lt;/b&gt;") && !list.body().contains("<b>区住建局"));
    assertTrue(list.body().contains("未受邀") && list.body().contains("<svg"));
    assertFalse(list.body().contains("13800000000"), "phone numbers are in no list");
    assertEquals(200, coordinator.getBytes("/meetings/" + m + "/checkin/qr.png").statusCode());
    assertTrue(coordinator.get("/meetings/" + m + "/checkin/poster").body().contains("/checkin/" + code));
  }

  @Test
  void concurrentDoubleScansMakeOneCheckIn() throws Exception {
    long m = meeting(AccountFixtures.CHANGQING, -30, List.of(f.taobeiMember));
    String code = codeOf(m, api.token("c3", AccountFixtures.PASSWORD));
    var pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        boolean member = i % 2 == 0;
        answers.add(CompletableFuture.supplyAsync(() -> member
            ? scan(memberToken, new JsonObject().put("code", code)).statusCode()
            : scan(null, new JsonObject().put("code", code).put("role", "residents").put("deviceKey", "same-phone-000000001")).statusCode(), pool));
      }
      List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
      assertEquals(2, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
      assertEquals(14, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    } finally {
      pool.shutdown();
    }
    assertEquals(2, db.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = " + m));
    assertEquals("late", Http.json(scan(memberToken, new JsonObject().put("code", code))).getString("arrival"));
  }

  @Test
  void coordinatorCorrectsThenFilesTheRecordFromTheCheckInsAndCheckInCloses() throws Exception {
    long m = meeting(AccountFixtures.CHANGQING, -200, List.of(f.taobeiMember));
    String c3 = api.token("c3", AccountFixtures.PASSWORD);
    String code = codeOf(m, c3);
    assertEquals(201, scan(memberToken, new JsonObject().put("code", code)).statusCode());
    assertEquals(201, scan(null, new JsonObject().put("code", code).put("role", "residents").put("deviceKey", "resident-phone-00001")).statusCode());
    // mark several at once; a member from another district is refused and nothing is written
    HttpResponse<String> refused = api.call("POST", "/api/v1/meetings/" + m + "/checkins", c3,
        new JsonObject().put("memberIds", new JsonArray().add(member2).add(taonanMember)).encode());
    assertEquals(422, refused.statusCode());
    assertEquals(2, db.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = " + m));
    for (JsonObject body : List.of(new JsonObject(), new JsonObject().put("guests", "many"),
        new JsonObject().put("guests", new JsonObject().put("residents", -1)), new JsonObject().put("guests", new JsonObject().put("mayors", 1)),
        new JsonObject().put("guests", new JsonObject().put("residents", 501)), new JsonObject().put("memberIds", "1"))) {
      assertEquals(422, api.call("POST", "/api/v1/meetings/" + m + "/checkins", c3, body.encode()).statusCode(), body.encode());
    }
    assertEquals(403, api.call("POST", "/api/v1/meetings/" + m + "/checkins", api.token("c1", AccountFixtures.PASSWORD),
        new JsonObject().put("memberIds", new JsonArray().add(member2)).encode()).statusCode(), "another station's coordinator");
    HttpResponse<String> marked = api.call("POST", "/api/v1/meetings/" + m + "/checkins", c3,
        new JsonObject().put("memberIds", new JsonArray().add(member2).add(f.taobeiMember)).put("guests", new JsonObject().put("experts", 2)).encode());
    assertEquals(200, marked.statusCode(), marked.body());
    assertEquals(3, Http.json(marked).getInteger("added"), "the member already in is left as they are");
    JsonObject att = Http.json(marked).getJsonObject("attendance");
    assertEquals(new JsonObject().put("members", 2).put("residents", 1).put("departments", 0).put("experts", 2).put("others", 0), att);
    // remove one expert marked by mistake
    long expert = Http.json(api.get("/api/v1/meetings/" + m + "/checkins", c3)).getJsonArray("items").stream()
        .map(o -> (JsonObject) o).filter(o -> "experts".equals(o.getString("role"))).findFirst().orElseThrow().getLong("id");
    assertEquals(404, api.call("DELETE", "/api/v1/meetings/" + (m + 1000) + "/checkins/" + expert, c3, null).statusCode());
    assertEquals(200, api.call("DELETE", "/api/v1/meetings/" + m + "/checkins/" + expert, c3, null).statusCode());
    assertEquals(404, api.call("DELETE", "/api/v1/meetings/" + m + "/checkins/" + expert, c3, null).statusCode());
    assertEquals(1, db.count("SELECT count(*) FROM audit_log WHERE action = 'checkin.remove'"));

    // the record form starts from the check-ins
    Browser coordinator = new Browser(node.baseUrl()).login("c3", AccountFixtures.PASSWORD);
    HttpResponse<String> form = coordinator.get("/meetings/" + m + "/record");
    assertTrue(form.body().contains("name=\"att_members\" value=\"2\""), form.body());
    assertTrue(form.body().contains("name=\"att_experts\" value=\"1\""));
    assertTrue(form.body().contains("value=\"" + f.taobeiMember + "\" id=\"am-" + f.taobeiMember + "\" checked"));

    OffsetDateTime s = OffsetDateTime.now().minusHours(3);
    HttpResponse<String> filed = api.call("PUT", "/api/v1/meetings/" + m + "/record", c3, new JsonObject().put("held", true)
        .put("actualStart", s.toString()).put("actualEnd", s.plusHours(2).toString())
        .put("attendance", new JsonObject().put("members", 2).put("residents", 1).put("experts", 1))
        .put("attendedMemberIds", new JsonArray().add(f.taobeiMember)).put("suggestionsCount", 1).encode());
    assertEquals(200, filed.statusCode(), filed.body());
    HttpResponse<String> late = scan(null, new JsonObject().put("code", code).put("role", "residents").put("deviceKey", "resident-phone-00002"));
    assertEquals(409, late.statusCode());
    assertTrue(field(late, "meeting").contains("filed"));
    assertEquals(409, api.call("POST", "/api/v1/meetings/" + m + "/checkins", c3,
        new JsonObject().put("guests", new JsonObject().put("others", 1)).encode()).statusCode());
    assertEquals(4, db.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = " + m));

    // the member's own record counts this meeting: invited, attended (as filed), checked in
    int year = s.atZoneSameInstant(java.time.ZoneId.of("Asia/Shanghai")).getYear();
    JsonObject record = Http.json(api.get("/api/v1/my/record?year=" + year, memberToken));
    assertTrue(record.getLong("attended") >= 1 && record.getLong("checkins") >= 1 && record.getLong("invited") >= 1, record.encode());
    assertEquals(db.count("SELECT count(*) FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id WHERE m.status = 'held' AND a.member_id = "
        + f.taobeiMember), record.getLong("attended"));
    assertEquals(422, api.get("/api/v1/my/record?year=19x", memberToken).statusCode());
    assertEquals(422, api.get("/api/v1/my/record?year=1999", memberToken).statusCode());
  }

  @Test
  void membersSeeOnlyWhatConcernsThem() throws Exception {
    long m = meeting(AccountFixtures.HAIMING, 3 * 24 * 60, List.of(f.taobeiMember));
    // own invitations, and answering them
    JsonArray mine = Http.json(api.get("/api/v1/my/invitations", memberToken)).getJsonArray("items");
    assertTrue(mine.stream().anyMatch(o -> ((JsonObject) o).getLong("meetingId") == m));
    assertTrue(Http.json(api.get("/api/v1/my/invitations", member2Token)).getJsonArray("items").stream()
        .noneMatch(o -> ((JsonObject) o).getLong("meetingId") == m), "another member's invitation is not listed");
    assertEquals(200, api.call("PUT", "/api/v1/my/invitations/" + m, memberToken, new JsonObject().put("reply", "declined").encode()).statusCode());
    assertEquals(200, api.call("PUT", "/api/v1/my/invitations/" + m, memberToken, new JsonObject().put("reply", "confirmed").encode()).statusCode());
    assertEquals("confirmed", Http.json(api.get("/api/v1/my/invitations", memberToken)).getJsonArray("items").stream()
        .map(o -> (JsonObject) o).filter(o -> o.getLong("meetingId") == m).findFirst().orElseThrow().getString("reply"));
    assertEquals(404, api.call("PUT", "/api/v1/my/invitations/" + m, member2Token, new JsonObject().put("reply", "confirmed").encode()).statusCode());
    assertEquals(422, api.call("PUT", "/api/v1/my/invitations/" + m, memberToken, new JsonObject().put("reply", "maybe").encode()).statusCode());
    assertEquals(422, api.call("PUT", "/api/v1/my/invitations/" + m, memberToken, new JsonObject().put("reply", "confirmed")
        .put("note", "长".repeat(501)).encode()).statusCode());
    assertEquals(1, db.count("SELECT count(*) FROM meeting_member_reply WHERE meeting_id = " + m));
    // nothing of staff's: another member's record, lists, meetings, the check-in list
    for (String path : List.of("/api/v1/members/" + member2, "/api/v1/members/" + f.taobeiMember, "/api/v1/members", "/api/v1/meetings",
        "/api/v1/meetings/" + m, "/api/v1/meetings/" + m + "/checkins", "/api/v1/stations", "/api/v1/topics", "/api/v1/me/queue",
        "/api/v1/committees", "/api/v1/outcomes", "/api/v1/reports")) {
      assertEquals(403, api.get(path, memberToken).statusCode(), path);
    }
    assertEquals(200, api.get("/api/v1/me", memberToken).statusCode());
    Browser phone = new Browser(node.baseUrl()).login("wangjianguo", AccountFixtures.PASSWORD);
    HttpResponse<String> home = phone.get("/");
    assertEquals(303, home.statusCode());
    assertEquals("/my", home.headers().firstValue("Location").orElse(""));
    HttpResponse<String> my = phone.get("/my");
    assertTrue(my.body().contains("王建国") && my.body().contains("已确认参加") && !my.body().contains("/admin/users"), my.body());
    assertEquals(403, phone.get("/members/" + member2).statusCode());
    assertEquals(200, phone.get("/my/record").statusCode());
    // staff: a member's account is opened once, in the member's jurisdiction only; the users form refuses the role
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    assertEquals(409, api.call("POST", "/api/v1/members/" + f.taobeiMember + "/account", d1,
        new JsonObject().put("username", "another-name").encode()).statusCode());
    assertEquals(403, api.call("POST", "/api/v1/members/" + taonanMember + "/account", d1,
        new JsonObject().put("username", "zhaoliu").encode()).statusCode());
    assertEquals(422, api.call("POST", "/api/v1/members/" + taonanMember + "/account", api.token("d2", AccountFixtures.PASSWORD),
        new JsonObject().put("username", "<script>").encode()).statusCode());
    Browser staff = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    staff.get("/members/" + member2);
    HttpResponse<String> twice = staff.post("/members/" + member2 + "/account", Map.of("username", "li-again"));
    assertEquals(409, twice.statusCode(), "member2 has an account");
    assertTrue(twice.body().contains("该委员已有账号"));
    long fresh = node.services().members().create(node.accounts().store().byUsername("admin").await().principal(),
        new MemberService.MemberInput("周敏", "文艺界", f.committees.get(AccountFixtures.TAOBEI), null, null, true, null)).await().getLong("id");
    staff.get("/members/" + fresh);
    HttpResponse<String> opened = staff.post("/members/" + fresh + "/account", Map.of("username", "zhoumin"));
    assertEquals(200, opened.statusCode(), opened.body());
    assertTrue(opened.body().contains("id=\"temporary-password\""));
    assertEquals(1, db.count("SELECT count(*) FROM account WHERE username = 'zhoumin' AND role = 'member' AND member_id = " + fresh));
    assertEquals(422, api.call("POST", "/api/v1/users", api.token("admin", TestNodes.ADMIN_PASSWORD), new JsonObject()
        .put("username", "sneaky").put("displayName", "x").put("role", "member").put("scopeCode", AccountFixtures.TAOBEI).encode()).statusCode());
    assertNull(Http.json(api.get("/api/v1/me", memberToken)).getValue("stationIds") instanceof JsonArray a && !a.isEmpty() ? "stations" : null);
    assertNotEquals(0, db.count("SELECT count(*) FROM account WHERE role = 'member' AND member_id IS NOT NULL"));
  }
}
