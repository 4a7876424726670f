package org.yishi.notify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Outbox;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Browser;
import org.yishi.support.MessageGateways;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notification preferences, honoured: channels per kind of event, the daily digest and quiet
 * hours. The delivery job is driven with chosen instants (its clock), never by waiting.
 */
class NotificationPreferencesTest {
  private static final java.time.ZoneId ZONE = org.yishi.platform.config.AppConfig.DEFAULT_ZONE;
  @RegisterExtension static final MessageGateways gateways = new MessageGateways();
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(gateways.env());
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static void deliverAt(Instant at) {
    MessageGateways.deliverAt(node, TestNodes.config(NODE.envOf(0)), at);
  }

  private static void sql(String sql, Object... args) {
    node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await();
  }

  private static void queue(Notice n) {
    node.app().pool().withTransaction(tx -> Outbox.queue(tx, n)).await();
  }

  private static List<JsonObject> rows(String keyPrefix) {
    List<JsonObject> out = new java.util.ArrayList<>();
    node.app().pool().preparedQuery("SELECT id, channel, recipient, subject, body, sent_at IS NOT NULL AS sent, next_attempt_at,"
            + " last_error, digest_of, member_id FROM outbox WHERE dedupe_key LIKE $1 || '%' ORDER BY id").execute(Tuple.of(keyPrefix)).await()
        .forEach(r -> out.add(r.toJson()));
    return out;
  }

  private static List<MimeMessage> mailsTo(String to) {
    return gateways.mailsTo(to);
  }

  /** {@code hh:mm} today in the node's zone, tomorrow when that has passed. */
  private static Instant nextLocal(int hour, int minute) {
    OffsetDateTime now = OffsetDateTime.now(ZONE);
    OffsetDateTime at = LocalDate.now(ZONE).atTime(hour, minute).atZone(ZONE).toOffsetDateTime();
    return (at.isAfter(now) ? at : at.plusDays(1)).toInstant();
  }

  @Test
  void preferencesAreReadWithDefaultsAndBadInputIsRefusedWithNothingWritten() {
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    JsonObject mine = new JsonObject(api.get("/api/v1/account/notification-preferences", c1).body());
    assertEquals(new JsonArray().add("email"), mine.getJsonObject("channels").getJsonArray("topic_rejected"));
    assertEquals(false, mine.getBoolean("digest"));
    assertNull(mine.getString("quietFrom"));
    String path = "/api/v1/account/notification-preferences";
    Map<String, String> bad = Map.of(
        "{\"channels\":\"email\"}", "channels",
        "{\"channels\":{\"<script>alert(1)</script>\":[\"email\"]}}", "channels",
        "{\"channels\":{\"topic_rejected\":[\"fax\"]}}", "channels",
        "{\"channels\":{\"topic_rejected\":[\"sms\",\"sms\"]}}", "channels",
        "{\"digest\":\"yes\"}", "digest",
        "{\"quietFrom\":\"25:00\",\"quietTo\":\"07:00\"}", "quietFrom",
        "{\"quietFrom\":\"22:00\"}", "quietTo",
        "{\"quietFrom\":\"22:00\",\"quietTo\":\"22:00\"}", "quietTo",
        "{\"quietFrom\":22,\"quietTo\":\"07:00\"}", "quietFrom");
    for (Map.Entry<String, String> b : bad.entrySet()) {
      HttpResponse<String> res = api.call("PUT", path, c1, b.getKey());
      assertEquals(422, res.statusCode(), b.getKey() + " → " + res.body());
      assertTrue(res.body().contains("\"" + b.getValue() + "\""), b.getKey() + " → " + res.body());
    }
    assertEquals(422, api.call("PUT", path, c1, "[1,2]").statusCode());
    assertEquals(0L, node.app().pool().query("SELECT count(*) FROM notify_preference").execute().await()
        .iterator().next().getLong(0), "nothing half-written");

    // an admin sets them for an account; the owner reads them back
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> set = api.call("PUT", "/api/v1/users/" + f.ids.get("c2") + "/notification-preferences", admin,
        new JsonObject().put("channels", new JsonObject().put("report_issued", new JsonArray())).put("digest", true)
            .put("quietFrom", "22:30").put("quietTo", "06:45").encode());
    assertEquals(200, set.statusCode(), set.body());
    JsonObject c2 = new JsonObject(api.get(path, api.token("c2", AccountFixtures.PASSWORD)).body());
    assertEquals(new JsonArray(), c2.getJsonObject("channels").getJsonArray("report_issued"));
    assertEquals(new JsonArray().add("email"), c2.getJsonObject("channels").getJsonArray("meeting_changed"));
    assertEquals("22:30", c2.getString("quietFrom"));
    assertEquals(404, api.get("/api/v1/users/999999/notification-preferences", admin).statusCode());
  }

  @Test
  void theAccountPageSavesTheChoicesAndShowsErrors() {
    Browser b = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    String page = b.get("/account/notifications").body();
    assertTrue(page.contains("通知设置") && page.contains("name=\"topic_rejected.sms\"") && page.contains("name=\"digest\""), page);
    assertTrue(b.get("/account/password").body().contains("href=\"/account/notifications\""));
    HttpResponse<String> wrong = b.post("/account/notifications", Map.of("report_issued.sms", "on", "quietFrom", "7 pm", "quietTo", "07:00"));
    assertEquals(422, wrong.statusCode());
    assertTrue(wrong.body().contains("时间格式应为 HH:mm"), wrong.body());
    HttpResponse<String> ok = b.post("/account/notifications", Map.of("report_issued.sms", "on", "digest", "on",
        "quietFrom", "22:00", "quietTo", "07:00"));
    assertEquals(303, ok.statusCode(), ok.body());
    JsonObject stored = new JsonObject(api.get("/api/v1/account/notification-preferences", api.token("d2", AccountFixtures.PASSWORD)).body());
    assertEquals(new JsonArray().add("sms"), stored.getJsonObject("channels").getJsonArray("report_issued"));
    assertEquals(new JsonArray(), stored.getJsonObject("channels").getJsonArray("topic_approved"));
    assertEquals(true, stored.getBoolean("digest"));
    assertEquals("07:00", stored.getString("quietTo"));
    String again = b.get("/account/notifications?saved").body();
    assertTrue(again.contains("id=\"report_issued.sms\"") && again.contains("已保存"), again);
  }

  @Test
  void theChosenChannelsAreUsedAndNoneMeansNone() {
    long c1 = f.ids.get("c1");
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET email = 'c1@example.org', phone = '13700000001' WHERE id = $1", c1);
    String token = api.token("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> res = api.call("PUT", "/api/v1/account/notification-preferences", token, new JsonObject()
        .put("channels", new JsonObject().put("topic_rejected", new JsonArray().add("sms").add("email"))
            .put("topic_approved", new JsonArray())).encode());
    assertEquals(200, res.statusCode(), res.body());
    queue(Notices.topicDecided("reject", 900001, 2, station, "路灯", "议事室001", "再议"));
    queue(Notices.topicDecided("approve", 900002, 2, station, "路灯", "议事室001", null));
    List<JsonObject> rejected = rows("topic_rejected:900001:");
    assertEquals(List.of("email c1@example.org", "sms 13700000001"),
        rejected.stream().map(r -> r.getString("channel") + " " + r.getString("recipient")).toList());
    assertTrue(rejected.get(1).getString("body").contains("未通过审核，原因：再议"), rejected.get(1).getString("body"));
    assertEquals(0, rows("topic_approved:900002:").size(), "no channel chosen: nothing queued");
    // a landline is no SMS address
    sql("UPDATE account SET phone = '0436-1234567' WHERE id = $1", c1);
    queue(Notices.topicDecided("reject", 900003, 2, station, "路灯", "议事室001", "再议"));
    assertEquals(List.of("email"), rows("topic_rejected:900003:").stream().map(r -> r.getString("channel")).toList());
    sql("DELETE FROM notify_preference WHERE account_id = $1", c1);
  }

  @Test
  void aDigestUserGetsOneMailADayAndUrgentOnesAtOnce() throws Exception {
    long c3 = f.ids.get("c3");
    long station = f.stations.get(AccountFixtures.CHANGQING);
    sql("UPDATE account SET email = 'c3@example.org' WHERE id = $1", c3);
    sql("INSERT INTO notify_preference (account_id, digest) VALUES ($1, true)", c3);
    queue(Notices.topicDecided("reject", 910001, 2, station, "绿化", "议事室002", "补充材料"));
    queue(Notices.recordReturned(910002, 3, station, "停车", "议事室002", "补签到表"));
    queue(Notices.meetingCancelled(910003, station, "停车", "议事室002", "2026-12-24T10:00:00+08:00", "场地维修"));
    Instant now = Instant.now();
    deliverAt(now);
    assertEquals(1, mailsTo("c3@example.org").size(), "only the urgent cancellation went out at once");
    assertTrue(mailsTo("c3@example.org").get(0).getSubject().startsWith("会议取消"));
    JsonObject held = rows("topic_rejected:910001:").get(0);
    assertTrue(!held.getBoolean("sent"), held.encode());
    OffsetDateTime digestAt = PreferenceRules.nextDigest(OffsetDateTime.now(), ZONE);
    assertEquals(digestAt.toInstant(), OffsetDateTime.parse(held.getString("next_attempt_at")).toInstant(), held.encode());
    deliverAt(digestAt.toInstant().minusSeconds(60));
    assertEquals(1, mailsTo("c3@example.org").size(), "not before the digest time");
    deliverAt(digestAt.toInstant().plusSeconds(60));
    deliverAt(digestAt.toInstant().plusSeconds(120));
    List<MimeMessage> mails = mailsTo("c3@example.org");
    assertEquals(2, mails.size());
    MimeMessage digest = mails.get(1);
    assertEquals("议事每日摘要：2 条消息", digest.getSubject());
    String text = ((String) digest.getContent()).replace("\r\n", "\n");
    assertTrue(text.contains("议题未通过审核：绿化") && text.contains("https://yishi.example.org/topics/910001")
        && text.contains("会议记录被退回修改：停车") && text.contains("https://yishi.example.org/meetings/910002/record"), text);
    JsonObject replaced = rows("topic_rejected:910001:").get(0);
    assertTrue(replaced.getBoolean("sent") && replaced.getLong("digest_of") != null, replaced.encode());
  }

  @Test
  void quietHoursHoldSmsUntilMorningButNotUrgentOnes() {
    long d1 = f.ids.get("d1");
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET phone = '13700000002' WHERE id = $1", d1);
    sql("INSERT INTO notify_preference (account_id, channels, quiet_from, quiet_to) VALUES ($1, $2, '22:00', '07:00')", d1,
        new JsonObject().put("outcome_overdue", new JsonArray().add("sms")).put("report_issued", new JsonArray().add("sms")));
    queue(Notices.reportIssued(920001, AccountFixtures.TAOBEI, "洮北区", "2026-11"));
    queue(Notices.outcomeOverdue(920002, station, "议事室001", "城管局", "2026-11-30", "增设垃圾桶"));
    Instant night = nextLocal(23, 30);
    deliverAt(night);
    JsonObject report = rows("report_issued:920001:").get(0);
    assertTrue(!report.getBoolean("sent"), report.encode());
    assertTrue(report.getString("last_error").contains("quiet hours of the recipient until 07:00"), report.encode());
    assertTrue(rows("outcome_overdue:920002:").get(0).getBoolean("sent"), "urgent: sent during quiet hours");
    assertEquals(0, gateways.sms.accepted().stream().filter(r -> r.body().getString("key").startsWith("report_issued:920001:")).count());
    Instant morning = night.plusSeconds(8 * 3600); // 07:30
    deliverAt(morning);
    assertTrue(rows("report_issued:920001:").get(0).getBoolean("sent"));
    assertEquals(1, gateways.sms.accepted().stream().filter(r -> r.body().getString("key").startsWith("report_issued:920001:")).count());
    assertEquals("13700000002", gateways.sms.accepted().stream().filter(r -> r.body().getString("key").startsWith("report_issued:920001:"))
        .findFirst().orElseThrow().body().getString("to"));
  }

  @Test
  void theTimeRulesAcrossMidnight() {
    Instant at2330 = LocalDate.of(2026, 12, 6).atTime(23, 30).atZone(ZONE).toInstant();
    assertEquals(LocalDate.of(2026, 12, 7).atTime(7, 0).atZone(ZONE).toOffsetDateTime(),
        PreferenceRules.quietUntil(LocalTime.of(22, 0), LocalTime.of(7, 0), at2330, ZONE));
    assertEquals(LocalDate.of(2026, 12, 7).atTime(7, 0).atZone(ZONE).toOffsetDateTime(),
        PreferenceRules.quietUntil(LocalTime.of(22, 0), LocalTime.of(7, 0), at2330.plusSeconds(3 * 3600), ZONE));
    assertNull(PreferenceRules.quietUntil(LocalTime.of(22, 0), LocalTime.of(7, 0), at2330.plusSeconds(8 * 3600), ZONE));
    assertNull(PreferenceRules.quietUntil(LocalTime.of(12, 0), LocalTime.of(14, 0), at2330, ZONE));
    assertEquals(LocalDate.of(2026, 12, 7).atTime(8, 0).atZone(ZONE).toOffsetDateTime().toInstant(),
        PreferenceRules.nextDigest(at2330.atOffset(java.time.ZoneOffset.UTC), ZONE).toInstant());
    assertEquals(LocalDate.of(2026, 12, 8).atTime(8, 0).atZone(ZONE).toOffsetDateTime().toInstant(),
        PreferenceRules.nextDigest(at2330.plusSeconds(9 * 3600).atOffset(java.time.ZoneOffset.UTC), ZONE).toInstant(), "08:30 → next day");
  }

  private static String memberPath(long member) {
    return "/api/v1/members/" + member + "/notification-preferences";
  }

  private static long id(String sql, Object... args) {
    return node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await().iterator().next().getLong(0);
  }

  @Test
  void staffSetAMembersContactsBadInputIsRefusedByFieldAndNothingIsHalfWritten() {
    long member = f.taobeiMember;
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    JsonObject read = new JsonObject(api.get(memberPath(member), d1).body());
    assertEquals("王建国", read.getString("name"));
    assertEquals(new JsonArray().add("sms").add("email"), read.getJsonObject("channels").getJsonArray("meeting_reminder"),
        "default: SMS and e-mail, as the contacts allow");
    String[][] bad = {{"{\"phone\":\"12345678901\"}", "phone"}, {"{\"phone\":\"0436-1234567\"}", "phone"},
        {"{\"phone\":13900000041}", "phone"}, {"{\"email\":\"nobody\"}", "email"}, {"{\"email\":\"a@b\"}", "email"},
        {"{\"email\":\"<script>alert(1)</script>@x.cn\"}", "email"}, {"{\"email\":\"" + "a".repeat(96) + "@x.cn\"}", "email"},
        {"{\"phone\":\"13900000041\",\"channels\":{\"no_such_kind\":[\"sms\"]}}", "channels"},
        {"{\"phone\":\"13900000041\",\"channels\":{\"meeting_reminder\":[\"fax\"]}}", "channels"},
        {"{\"phone\":\"13900000041\",\"quietFrom\":\"22:00\"}", "quietTo"},
        {"{\"phone\":\"13900000041\",\"quietFrom\":\"24:61\",\"quietTo\":\"07:00\"}", "quietFrom"}};
    for (String[] b : bad) {
      HttpResponse<String> res = api.call("PUT", memberPath(member), d1, b[0]);
      assertEquals(422, res.statusCode(), b[0] + " → " + res.body());
      assertTrue(res.body().contains("\"" + b[1] + "\""), b[0] + " → " + res.body());
    }
    assertEquals(422, api.call("PUT", memberPath(member), d1, "[1]").statusCode());
    // another district's staff, a coordinator, nobody: refused; no such member: 404
    String body = "{\"phone\":\"13900000041\"}";
    assertEquals(403, api.call("PUT", memberPath(member), api.token("d2", AccountFixtures.PASSWORD), body).statusCode());
    assertEquals(403, api.get(memberPath(member), api.token("d2", AccountFixtures.PASSWORD)).statusCode());
    assertEquals(403, api.call("PUT", memberPath(member), api.token("c1", AccountFixtures.PASSWORD), body).statusCode());
    assertEquals(401, api.call("PUT", memberPath(member), null, body).statusCode());
    assertEquals(404, api.call("PUT", memberPath(999999), d1, body).statusCode());
    var after = node.app().pool().preparedQuery("SELECT phone, email, (SELECT count(*) FROM notify_member_preference WHERE member_id = $1) AS prefs"
        + " FROM member WHERE id = $1").execute(Tuple.of(member)).await().iterator().next();
    assertNull(after.getString("phone"), "nothing half-written");
    assertNull(after.getString("email"));
    assertEquals(0L, after.getLong("prefs"));
  }

  @Test
  void theOutboxHonoursTheMembersChannelsAndQuietHoursStaffSet() {
    long member = id("INSERT INTO member (name, sector, committee_id) VALUES ('李秀英', '农业界', $1) RETURNING id",
        f.committees.get(AccountFixtures.TAOBEI));
    long station = f.stations.get(AccountFixtures.HAIMING);
    long topic = AccountFixtures.approvedTopic(node, station, "MP-偏好");
    OffsetDateTime start = OffsetDateTime.now().plusDays(10).withNano(0);
    long meeting = id("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT t.id, t.station_id, t.division_code, $2, $3, '海明议事厅', 'on_site', 'grassroots', 'scheduled' FROM topic t WHERE t.id = $1
        RETURNING id""", topic, start, start.plusHours(2));
    sql("INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        meeting, member, start, start.plusHours(2));

    // a city staff member sets them (the member has no account); e-mail only for changes
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> put = api.call("PUT", memberPath(member), admin, new JsonObject().put("phone", " 13900000041 ")
        .put("email", "li@example.org").put("quietFrom", "22:00").put("quietTo", "07:00")
        .put("channels", new JsonObject().put("meeting_changed", new JsonArray().add("email"))).encode());
    assertEquals(200, put.statusCode(), put.body());
    JsonObject stored = new JsonObject(api.get(memberPath(member), api.token("d1", AccountFixtures.PASSWORD)).body());
    assertEquals("13900000041", stored.getString("phone"));
    assertEquals(new JsonArray().add("email"), stored.getJsonObject("channels").getJsonArray("meeting_changed"));
    assertEquals(new JsonArray().add("sms").add("email"), stored.getJsonObject("channels").getJsonArray("meeting_reminder"));
    assertEquals("22:00", stored.getString("quietFrom"));

    queue(Notices.meetingChanged(meeting, 2, station, "MP-偏好", "议事室001", start.toString(), "场地"));
    assertEquals(List.of("email li@example.org"), rows("meeting_changed:" + meeting + ":v2:member:").stream()
        .map(r -> r.getString("channel") + " " + r.getString("recipient")).toList(), "chose e-mail only: no SMS");

    // a reminder (not urgent; no choice made for it: SMS and e-mail), the SMS held by the member's quiet hours until 07:00
    queue(Notices.meetingReminder(meeting, "72h", station, "MP-偏好", "议事室001", start.toString(), "海明议事厅"));
    List<JsonObject> reminder = rows("reminder:" + meeting + ":72h:member:");
    assertEquals(List.of("email li@example.org", "sms 13900000041"), reminder.stream()
        .map(r -> r.getString("channel") + " " + r.getString("recipient")).sorted().toList(), reminder.toString());
    assertTrue(reminder.stream().allMatch(r -> r.getLong("member_id") == member), reminder.toString());
    Instant night = nextLocal(23, 30);
    deliverAt(night);
    java.util.function.Supplier<JsonObject> sms = () -> rows("reminder:" + meeting + ":72h:member:").stream()
        .filter(r -> "sms".equals(r.getString("channel"))).findFirst().orElseThrow();
    JsonObject held = sms.get();
    assertTrue(!held.getBoolean("sent") && held.getString("last_error").contains("quiet hours of the recipient until 07:00"),
        held.encode());
    deliverAt(night.plusSeconds(8 * 3600));
    assertTrue(sms.get().getBoolean("sent"));
    assertEquals("13900000041", gateways.sms.accepted().stream()
        .filter(r -> r.body().getString("key").startsWith("reminder:" + meeting + ":72h:member:"))
        .findFirst().orElseThrow().body().getString("to"));

    // clearing the contacts: blank clears, nothing queued for the member any more
    assertEquals(200, api.call("PUT", memberPath(member), admin, "{\"phone\":\"\",\"email\":null}").statusCode());
    queue(Notices.meetingCancelled(meeting, station, "MP-偏好", "议事室001", start.toString(), "取消"));
    assertEquals(0, rows("meeting_cancelled:" + meeting + ":member:").size());
  }
}
