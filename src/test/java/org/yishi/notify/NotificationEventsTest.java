package org.yishi.notify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.platform.notify.MessageTemplates;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Outbox;
import org.yishi.support.AccountFixtures;
import org.yishi.outcome.OutcomeService;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.web.I18n;
import org.yishi.report.ReportService;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.LocalGateway;
import org.yishi.support.MessageGateways;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The events of issue 21 beyond meeting reminders: each transition queues its messages in its own
 * transaction (a refused transition queues none), to the right people, in their language, with a
 * link back to the page; GreenMail and a local SMS gateway receive them. Templates with a missing
 * variable are a clear error that writes nothing.
 */
class NotificationEventsTest {
  private static final String SCRIPT = "<script>alert('x')</script>'; DROP TABLE outbox; --";
  @RegisterExtension static final MessageGateways gateways = new MessageGateways();
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(gateways.env());
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static void deliver() {
    MessageGateways.deliverAt(node, TestNodes.config(NODE.envOf(0)), Instant.now());
  }

  private static void sql(String sql, Object... args) {
    node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await();
  }

  private static List<JsonObject> rows(String keyPrefix) {
    List<JsonObject> out = new java.util.ArrayList<>();
    node.app().pool().preparedQuery("SELECT channel, recipient, subject, body, dedupe_key, link, locale, kind, account_id"
            + " FROM outbox WHERE dedupe_key LIKE $1 || '%' ORDER BY id").execute(Tuple.of(keyPrefix)).await()
        .forEach(r -> out.add(r.toJson()));
    return out;
  }

  private static MimeMessage mail(String to, String subjectPart) {
    return gateways.mailsTo(to).stream().filter(m -> {
      try {
        return m.getSubject().contains(subjectPart);
      } catch (jakarta.mail.MessagingException e) {
        throw new IllegalStateException(e);
      }
    }).findFirst().orElseThrow(() -> new AssertionError("no mail to " + to + " about " + subjectPart));
  }

  private static String text(MimeMessage m) throws Exception {
    return ((String) m.getContent()).replace("\r\n", "\n");
  }

  private static long meeting(long station, String title, OffsetDateTime start, JsonArray memberIds, JsonArray participants) {
    long topic = AccountFixtures.approvedTopic(node, station, title);
    JsonObject body = new JsonObject().put("topicId", topic).put("startsAt", start.toString())
        .put("endsAt", start.plusHours(2).toString()).put("venue", "社区会议室").put("format", "on_site").put("kind", "grassroots")
        .put("memberIds", memberIds).put("participants", participants);
    HttpResponse<String> created = api.call("POST", "/api/v1/meetings", api.token("admin", TestNodes.ADMIN_PASSWORD), body.encode());
    assertEquals(201, created.statusCode(), created.body());
    return new JsonObject(created.body()).getLong("id");
  }

  @Test
  void aMovedAndACancelledMeetingReachCoordinatorsMembersAndParties() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    long c1 = f.ids.get("c1");
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = $1", c1);
    sql("UPDATE member SET phone = '13800000001' WHERE id = $1", f.taobeiMember);
    OffsetDateTime start = OffsetDateTime.now().plusDays(20).withHour(9).withMinute(0).withSecond(0).withNano(0);
    long meeting = meeting(station, "小区停车难", start, new JsonArray().add(f.taobeiMember), new JsonArray()
        .add(new JsonObject().put("role", "proposer").put("name", "李四").put("contact", "13900000001"))
        .add(new JsonObject().put("role", "responder").put("name", "住建局").put("contact", "zhujian@example.org"))
        .add(new JsonObject().put("role", "related").put("name", "物业公司").put("contact", "0436-1234567")));
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);

    // moved, with a hostile reason: stored verbatim in a plain-text message
    JsonObject m = new JsonObject(api.get("/api/v1/meetings/" + meeting, admin).body());
    OffsetDateTime moved = start.plusDays(1);
    HttpResponse<String> res = api.call("POST", "/api/v1/meetings/" + meeting + "/reschedule", admin, new JsonObject()
        .put("startsAt", moved.toString()).put("endsAt", moved.plusHours(2).toString()).put("reason", SCRIPT)
        .put("version", m.getInteger("version")).encode());
    assertEquals(200, res.statusCode(), res.body());
    List<JsonObject> changed = rows("meeting_changed:" + meeting + ":");
    assertEquals(List.of("email c1@example.org", "sms 13800000001", "sms 13900000001", "email zhujian@example.org"),
        changed.stream().map(r -> r.getString("channel") + " " + r.getString("recipient")).toList(), "the landline party gets nothing");
    JsonObject toC1 = changed.get(0);
    assertEquals(c1, toC1.getLong("account_id"));
    assertEquals("https://yishi.example.org/meetings/" + meeting, toC1.getString("link"));
    assertTrue(toC1.getString("body").contains(SCRIPT), toC1.getString("body"));
    String when = Notices.when(moved.toString());
    assertTrue(changed.get(1).getString("body").startsWith("王建国：") && changed.get(1).getString("body").contains(when),
        changed.get(1).getString("body"));

    // cancelled: the same people; a second cancel is refused and queues nothing
    HttpResponse<String> cancel = api.call("POST", "/api/v1/meetings/" + meeting + "/cancel", admin,
        new JsonObject().put("reason", "场地维修").encode());
    assertEquals(200, cancel.statusCode(), cancel.body());
    assertEquals(4, rows("meeting_cancelled:" + meeting + ":").size());
    HttpResponse<String> again = api.call("POST", "/api/v1/meetings/" + meeting + "/cancel", admin,
        new JsonObject().put("reason", "再次取消").encode());
    assertEquals(409, again.statusCode(), again.body());
    assertEquals(4, rows("meeting_cancelled:" + meeting + ":").size());
    HttpResponse<String> noReason = api.call("POST", "/api/v1/meetings/" + meeting + "/reschedule", admin,
        new JsonObject().put("startsAt", "tomorrow").encode());
    assertEquals(422, noReason.statusCode(), noReason.body());

    deliver();
    MimeMessage cancelled = mail("c1@example.org", "会议取消：小区停车难");
    assertTrue(text(cancelled).contains("场地维修") && text(cancelled).contains("https://yishi.example.org/meetings/" + meeting),
        text(cancelled));
    assertEquals("<meeting_cancelled." + meeting + ".account." + c1 + "@example.org>", cancelled.getMessageID());
    assertTrue(text(mail("c1@example.org", "会议改期：小区停车难")).contains(SCRIPT));
    assertTrue(text(mail("zhujian@example.org", "会议取消：小区停车难")).startsWith("住建局，您好"));
    List<LocalGateway.Received> texts = gateways.sms.accepted().stream()
        .filter(r -> r.body().getString("key").startsWith("meeting_cancelled:" + meeting + ":")).toList();
    assertEquals(2, texts.size());
    assertTrue(texts.stream().anyMatch(r -> r.body().getString("to").equals("13900000001")
        && r.body().getString("text").equals("李四：议事室001原定 " + Notices.when(moved.toString()) + " 就“小区停车难”召开的协商会议已取消。")),
        texts.toString());
  }

  @Test
  void aTopicDecisionReachesTheCoordinatorInTheirLanguage() throws Exception {
    long station = f.stations.get(AccountFixtures.CHANGQING);
    long c3 = f.ids.get("c3");
    sql("UPDATE account SET email = 'c3@example.org', locale = 'en' WHERE id = $1", c3);
    long topic = AccountFixtures.approvedTopic(node, station, "Street lighting");
    sql("UPDATE topic SET status = 'submitted' WHERE id = $1", topic);
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    HttpResponse<String> noReason = api.call("POST", "/api/v1/topics/" + topic + "/transitions", d1,
        new JsonObject().put("action", "reject").encode());
    assertEquals(422, noReason.statusCode(), noReason.body());
    assertEquals(0, rows("topic_rejected:" + topic + ":").size(), "nothing queued by a refused transition");
    HttpResponse<String> rejected = api.call("POST", "/api/v1/topics/" + topic + "/transitions", d1,
        new JsonObject().put("action", "reject").put("reason", "Please name the streets").encode());
    assertEquals(200, rejected.statusCode(), rejected.body());
    List<JsonObject> queued = rows("topic_rejected:" + topic + ":");
    assertEquals(1, queued.size(), queued.toString());
    assertEquals("en", queued.get(0).getString("locale"));
    deliver();
    MimeMessage m = mail("c3@example.org", "Topic not approved: Street lighting");
    assertTrue(text(m).startsWith("Hello 洮北联络员三,"), text(m));
    assertTrue(text(m).contains("Reason: Please name the streets") && text(m).contains("https://yishi.example.org/topics/" + topic),
        text(m));
  }

  @Test
  void aStationDecisionReachesItsCoordinatorsAndWhoeverRegisteredIt() throws Exception {
    long station = f.stations.get(AccountFixtures.TUANJIE);
    sql("UPDATE account SET email = 'c2@example.org' WHERE id = $1", f.ids.get("c2"));
    sql("UPDATE account SET email = 'admin@example.org' WHERE id = $1", f.ids.get("admin"));
    try {
      String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
      HttpResponse<String> res = api.call("POST", "/api/v1/stations/" + station + "/transitions", admin,
          new JsonObject().put("action", "approve").encode());
      assertEquals(200, res.statusCode(), res.body());
      assertEquals(List.of("admin@example.org", "c2@example.org"),
          rows("station_approved:" + station + ":").stream().map(r -> r.getString("recipient")).sorted().toList());
      // suspending is not a decision anyone is told about by message
      HttpResponse<String> suspend = api.call("POST", "/api/v1/stations/" + station + "/transitions", admin,
          new JsonObject().put("action", "suspend").put("reason", "整顿").encode());
      assertEquals(200, suspend.statusCode(), suspend.body());
      assertEquals(0, rows("station_suspend").size());
    } finally {
      sql("UPDATE account SET email = NULL WHERE id = $1", f.ids.get("admin"));
    }
  }

  @Test
  void aReturnedRecordAnOverdueOutcomeAndAnIssuedReportReachTheirReaders() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = $1", f.ids.get("c1"));
    sql("UPDATE account SET email = 'd1@example.org' WHERE id = $1", f.ids.get("d1"));
    OffsetDateTime start = OffsetDateTime.now().plusDays(30).withHour(14).withMinute(0).withSecond(0).withNano(0);
    long meeting = meeting(station, "垃圾分类", start, new JsonArray(), new JsonArray());

    // a record returned for correction: the station's coordinators
    sql("INSERT INTO meeting_record (meeting_id, held, not_held_reason) VALUES ($1, false, '天气原因')", meeting);
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    HttpResponse<String> stale = api.call("POST", "/api/v1/meetings/" + meeting + "/record/return", d1,
        new JsonObject().put("reason", "请补充").put("version", 7).encode());
    assertEquals(409, stale.statusCode(), stale.body());
    assertEquals(0, rows("record_returned:" + meeting + ":").size());
    HttpResponse<String> ret = api.call("POST", "/api/v1/meetings/" + meeting + "/record/return", d1,
        new JsonObject().put("reason", "请补充参会人数").put("version", 1).encode());
    assertEquals(200, ret.statusCode(), ret.body());
    List<JsonObject> returned = rows("record_returned:" + meeting + ":");
    assertEquals(List.of("c1@example.org"), returned.stream().map(r -> r.getString("recipient")).toList());
    assertEquals("https://yishi.example.org/meetings/" + meeting + "/record", returned.get(0).getString("link"));

    // an outcome past its due date: the district staff, when the escalation job claims it
    long outcome = node.app().pool().preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
            SELECT id, station_id, division_code, '增设分类垃圾桶', 'proposal', '城管局', current_date - 3 FROM meeting WHERE id = $1
            RETURNING id""").execute(Tuple.of(meeting)).await().iterator().next().getLong(0);
    node.services().outcomes().escalateOverdue(Instant.now()).await();
    node.services().outcomes().escalateOverdue(Instant.now()).await();
    List<JsonObject> overdue = rows("outcome_overdue:" + outcome + ":");
    assertEquals(List.of("d1@example.org"), overdue.stream().map(r -> r.getString("recipient")).toList());
    assertTrue(overdue.get(0).getString("subject").startsWith("成果办理逾期：城管局"), overdue.get(0).getString("subject"));

    // a report issued for the district: its staff
    Long report = node.services().reports().issueForDemo(AccountFixtures.TAOBEI, YearMonth.now().minusMonths(1)).await();
    List<JsonObject> issued = rows("report_issued:" + report + ":");
    assertEquals(List.of("d1@example.org"), issued.stream().map(r -> r.getString("recipient")).toList());

    deliver();
    assertTrue(text(mail("c1@example.org", "会议记录被退回修改：垃圾分类")).contains("请补充参会人数"));
    assertTrue(text(mail("d1@example.org", "成果办理逾期：城管局")).contains("https://yishi.example.org/outcomes/" + outcome));
    assertTrue(text(mail("d1@example.org", "报告已生成")).contains("https://yishi.example.org/reports/" + report));
  }

  @Test
  void aMeetingWithoutItsRecordIsChasedByMailOnce() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = $1", f.ids.get("c1"));
    OffsetDateTime start = OffsetDateTime.now().plusDays(40).withHour(10).withMinute(0).withSecond(0).withNano(0);
    long meeting = meeting(station, "健身器材维护", start, new JsonArray(), new JsonArray());
    AppConfig config = TestNodes.config(NODE.envOf(0));
    org.yishi.meeting.ReminderService reminders = new org.yishi.meeting.ReminderService(node.app().pool(), List.of(),
        java.time.Duration.ofDays(2), config.notifications().publicUrl(), List.of(), org.yishi.platform.config.AppConfig.DEFAULT_ZONE);
    reminders.runOnce(start.plusDays(1).toInstant()).await(); // not due yet
    assertEquals(0, rows("record_overdue:" + meeting + ":").size());
    Instant due = start.plusDays(3).toInstant();
    reminders.runOnce(due).await();
    reminders.runOnce(due.plusSeconds(3600)).await();
    List<JsonObject> queued = rows("record_overdue:" + meeting + ":");
    assertEquals(List.of("c1@example.org"), queued.stream().map(r -> r.getString("recipient")).toList());
    deliver();
    assertTrue(text(mail("c1@example.org", "请填报会议记录：健身器材维护"))
        .contains("https://yishi.example.org/meetings/" + meeting + "/record"));
  }

  @Test
  void readyShowsTheDeliveryDetailAndAdminsCanListFailures() throws Exception {
    JsonObject before = new JsonObject(org.yishi.support.Http.get(node.baseUrl() + "/ready").body()).getJsonObject("notifications");
    assertEquals(new JsonObject().put("email", true).put("sms", "gateway").put("robots", new JsonArray()), before.getJsonObject("channels"));
    sql("""
        INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, attempts, failed_at, last_error, created_at)
        VALUES ('sms', '13800000077', 's', 'b', 'health:failed:1', 'test', 3, now(), 'SMS gateway answered HTTP 400 bad sign', now() - interval '1 hour'),
               ('sms', '13800000078', 's', 'b', 'health:queued:1', 'test', 0, NULL, NULL, now() - interval '2 hours')""");
    try {
      HttpResponse<String> ready = org.yishi.support.Http.get(node.baseUrl() + "/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      assertTrue(!ready.body().contains("sms-token") && !ready.body().contains("13800000077"), "no secrets, no addresses: " + ready.body());
      JsonObject n = new JsonObject(ready.body()).getJsonObject("notifications");
      assertEquals(before.getLong("failed") + 1, n.getLong("failed"), n.encode());
      assertEquals(before.getLong("failedLast24h") + 1, n.getLong("failedLast24h"), n.encode());
      assertTrue(n.getLong("queued") >= 1 && n.getLong("oldestQueuedSeconds") >= 7000, n.encode());
      JsonArray failures = DeliveryHealth.recentFailures(node.app().pool(), 5).await();
      JsonObject first = failures.getJsonObject(0);
      assertEquals("13800000077", first.getString("recipient"));
      assertEquals("SMS gateway answered HTTP 400 bad sign", first.getString("lastError"));
      assertEquals("/admin/notifications?status=failed", first.getString("link"));
      assertTrue(DeliveryHealth.failedCount(node.app().pool()).await() >= 1);
    } finally {
      sql("DELETE FROM outbox WHERE dedupe_key LIKE 'health:%'");
    }
  }

  @Test
  void anAdminsTestMessageReachesTheSmtpServerAndBadInputIsRefused() throws Exception {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> ok = api.call("POST", "/api/v1/admin/notifications/test", admin,
        new JsonObject().put("channel", "email").put("to", "ops@example.org").encode());
    assertEquals(200, ok.statusCode(), ok.body());
    JsonObject r = new JsonObject(ok.body());
    assertEquals("sent", r.getString("status"), ok.body());
    assertTrue(r.getString("reply").startsWith("250 accepted"), ok.body());
    MimeMessage m = mail("ops@example.org", "议事测试消息");
    assertTrue(text(m).contains("https://yishi.example.org/admin/notifications"), text(m));
    HttpResponse<String> sms = api.call("POST", "/api/v1/admin/notifications/test", admin,
        new JsonObject().put("channel", "sms").put("to", "13800000088").encode());
    assertEquals("sent", new JsonObject(sms.body()).getString("status"), sms.body());
    assertEquals(1, LocalGatewayCount.of(sms(), "13800000088"));

    Map<String, String> bad = Map.of(
        "{\"channel\":\"fax\",\"to\":\"x@example.org\"}", "channel",
        "{\"channel\":\"email\",\"to\":\"not an address\"}", "to",
        "{\"channel\":\"email\",\"to\":42}", "to",
        "{\"channel\":\"sms\",\"to\":\"0436-1234567\"}", "to",
        "{\"channel\":\"robot\",\"to\":\"<script>alert(1)</script>\"}", "to",
        "{\"channel\":\"email\"}", "to");
    long before = node.app().pool().query("SELECT count(*) FROM outbox WHERE kind = 'test'").execute().await().iterator().next().getLong(0);
    for (Map.Entry<String, String> b : bad.entrySet()) {
      HttpResponse<String> res = api.call("POST", "/api/v1/admin/notifications/test", admin, b.getKey());
      assertEquals(422, res.statusCode(), b.getKey() + " → " + res.body());
      assertTrue(res.body().contains("\"" + b.getValue() + "\""), b.getKey() + " → " + res.body());
    }
    assertEquals(before, node.app().pool().query("SELECT count(*) FROM outbox WHERE kind = 'test'").execute().await()
        .iterator().next().getLong(0), "nothing queued by bad input");
    assertEquals(403, api.call("POST", "/api/v1/admin/notifications/test", api.token("d1", AccountFixtures.PASSWORD),
        new JsonObject().put("channel", "email").put("to", "ops@example.org").encode()).statusCode());

    // the button on the delivery log page (a form post with the page's CSRF token)
    org.yishi.support.Browser b = new org.yishi.support.Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    assertTrue(b.get("/admin/notifications").body().contains("action=\"/admin/notifications/test\""));
    HttpResponse<String> posted = b.post("/admin/notifications/test", Map.of("channel", "email", "to", "button@example.org"));
    assertEquals(303, posted.statusCode(), posted.body());
    String page = b.get(posted.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(page.contains("测试消息状态：已送达网关") && page.contains("button@example.org"), page);
    assertTrue(text(mail("button@example.org", "议事测试消息")).contains("测试消息"));
    HttpResponse<String> wrong = b.post("/admin/notifications/test", Map.of("channel", "robot", "to", "no-such-robot"));
    assertEquals(303, wrong.statusCode());
    assertTrue(b.get(wrong.headers().firstValue("Location").orElseThrow()).body().contains("未发送：没有这个名称的群机器人"));
  }

  private static LocalGateway sms() {
    return gateways.sms;
  }

  /** How many SMS a gateway accepted for one number. */
  private static final class LocalGatewayCount {
    static long of(LocalGateway g, String to) {
      return g.accepted().stream().filter(r -> to.equals(r.body().getString("to"))).count();
    }
  }

  @Test
  void anOutcomeReachesItsUnitsContactWhenReferredAndBeforeItsAnswerIsDue() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    // staff keep the unit's contact for their district; bad input and other districts are refused
    String path = "/api/v1/unit-contacts";
    HttpResponse<String> bad = api.call("PUT", path, d1, new JsonObject().put("districtCode", AccountFixtures.TAOBEI)
        .put("unit", "城管局").put("contact", "0436-1234567").encode());
    assertEquals(422, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("\"contact\""), bad.body());
    assertEquals(422, api.call("PUT", path, d1, new JsonObject().put("districtCode", 220802).put("unit", "x")
        .put("contact", "13600000001").encode()).statusCode());
    assertEquals(403, api.call("PUT", path, d1, new JsonObject().put("districtCode", AccountFixtures.TAONAN)
        .put("unit", "城管局").put("contact", "13600000001").encode()).statusCode());
    assertEquals(403, api.call("PUT", path, api.token("c1", AccountFixtures.PASSWORD), new JsonObject()
        .put("districtCode", AccountFixtures.TAOBEI).put("unit", "城管局").put("contact", "13600000001").encode()).statusCode());
    HttpResponse<String> set = api.call("PUT", path, d1, new JsonObject().put("districtCode", AccountFixtures.TAOBEI)
        .put("unit", "城管局").put("contact", "13600000001").encode());
    assertEquals(200, set.statusCode(), set.body());
    JsonArray listed = new JsonObject(api.get(path, d1).body()).getJsonArray("items");
    assertTrue(listed.stream().anyMatch(o -> ((JsonObject) o).getString("contact").equals("13600000001")), listed.encode());
    assertEquals(0, new JsonObject(api.get(path, api.token("d2", AccountFixtures.PASSWORD)).body()).getJsonArray("items").size(),
        "another district's staff do not see it");

    // referred: queued in the transaction that creates the outcome
    OffsetDateTime start = OffsetDateTime.now().minusDays(2).withHour(9).withMinute(0).withSecond(0).withNano(0);
    long topic = AccountFixtures.approvedTopic(node, station, "占道经营");
    long meeting = node.app().pool().preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
            SELECT t.id, t.station_id, t.division_code, $2, $3, '会议室', 'on_site', 'grassroots', 'scheduled' FROM topic t WHERE t.id = $1
            RETURNING id""").execute(Tuple.of(topic, start, start.plusHours(2))).await().iterator().next().getLong(0);
    java.time.LocalDate due = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).plusDays(10);
    HttpResponse<String> created = api.call("POST", "/api/v1/outcomes", d1, new JsonObject().put("meetingId", meeting)
        .put("content", "规范早市摊位").put("form", "proposal").put("responsibleUnit", "城管局").put("dueOn", due.toString()).encode());
    assertEquals(201, created.statusCode(), created.body());
    long outcome = new JsonObject(created.body()).getLong("id");
    List<JsonObject> referred = rows("outcome_referred:" + outcome + ":");
    assertEquals(List.of("sms 13600000001"), referred.stream().map(r -> r.getString("channel") + " " + r.getString("recipient")).toList());
    assertTrue(referred.get(0).getString("body").contains("请于 " + due + " 前答复"), referred.get(0).getString("body"));

    // the answer-due reminder, three days before, once
    OutcomeService outcomes = node.services().outcomes();
    outcomes.remindDue(Instant.now(), 3).await();
    assertEquals(0, rows("outcome_due:" + outcome + ":").size(), "not yet");
    Instant soon = due.minusDays(2).atTime(9, 0).atZone(java.time.ZoneId.of("Asia/Shanghai")).toInstant();
    outcomes.remindDue(soon, 3).await();
    outcomes.remindDue(soon.plusSeconds(3600), 3).await();
    assertEquals(1, rows("outcome_due:" + outcome + ":").size());
    deliver();
    assertEquals(1, gateways.sms.accepted().stream().filter(r -> r.body().getString("key").startsWith("outcome_due:" + outcome + ":")).count());
  }

  @Test
  void aTemplateWithAMissingVariableIsAClearErrorAndNothingIsWritten() {
    MessageTemplates.TemplateException e = assertThrows(MessageTemplates.TemplateException.class,
        () -> MessageTemplates.render(I18n.EN, "meeting_cancelled", "subject", Map.of("title", "x")));
    assertEquals("message template notify.meeting_cancelled.subject (en) needs the variable 'when', which was not given"
        + " (given: [title])", e.getMessage());
    MessageTemplates.TemplateException missing = assertThrows(MessageTemplates.TemplateException.class,
        () -> MessageTemplates.render(I18n.ZH, "no_such_event", "mail", Map.of()));
    assertTrue(missing.getMessage().contains("notify.no_such_event.mail does not exist"), missing.getMessage());
    assertEquals("会议取消：{title}（2026）".replace("{title}", "x{when}"),
        MessageTemplates.render(I18n.ZH, "meeting_cancelled", "subject", Map.of("title", "x{when}", "when", "2026")),
        "a value is not read as a template");

    // in a transaction: the error rolls back what was written before it
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = $1", f.ids.get("c1"));
    Notice broken = new Notice("topic_rejected", "broken:1", "/topics/1", Map.of("title", "t", "station", "s"),
        List.of(new Notice.Audience.StationCoordinators(station)));
    Throwable err = assertThrows(Throwable.class, () -> node.app().pool().withTransaction(tx -> tx
        .query("INSERT INTO outbox (channel, recipient, subject, body, dedupe_key) VALUES ('sms', '13800000009', 's', 'b', 'broken:0')")
        .execute().compose(v -> Outbox.queue(tx, broken))).await());
    assertTrue(err.getMessage().contains("needs the variable 'reason'"), err.getMessage());
    assertEquals(0, rows("broken:").size());
  }
}
