package org.yishi.notify;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.meeting.ReminderService;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.LocalGateway;
import org.yishi.support.RobotFormats;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group robots hear of every kind of event in their scope, not only meeting reminders, each in its
 * documented JSON format (DingTalk signed); meeting reminders honour the recipients' preferences
 * (channel per kind, digest, quiet hours) like every other kind. The robots are configured on the
 * node ({@code YISHI_ROBOTS}, scoped to the Taobei district); the delivery job is driven with chosen
 * instants, never by waiting.
 */
class RobotsAndReminderPreferencesTest {
  private static final ZoneId ZONE = AppConfig.DEFAULT_ZONE;
  private static final String SCRIPT = "<script>alert('x')</script>'; DROP TABLE outbox; --";
  /** The gateways in this JVM: SMTP, an SMS endpoint and the three robots of the Taobei district (two signed). */
  private static GreenMail smtp;
  private static LocalGateway sms;
  private static final String DING_SECRET = "SECkinds-dingtalk";
  private static LocalGateway dingtalk;
  private static LocalGateway wecom;
  private static final String FEISHU_SECRET = "kinds-feishu";
  private static LocalGateway feishu;
  private static Node node;
  private static AccountFixtures f;
  private static String pgUrl;
  private static Map<String, String> env;
  private static Api api;
  private static final java.util.Deque<AutoCloseable> CLOSING = new java.util.ArrayDeque<>();

  @BeforeAll
  static void start() {
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    CLOSING.push(smtp::stop);
    sms = gateway("{\"ok\":true}");
    dingtalk = gateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    wecom = gateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    feishu = gateway("{\"code\":0,\"msg\":\"success\",\"data\":{}}");
    String district = "|district:" + AccountFixtures.TAOBEI + "|";
    pgUrl = TestPostgres.freshDatabaseUrl();
    env = new HashMap<>(Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "3600",
        "YISHI_SMTP_HOST", "127.0.0.1", "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SMS_URL", sms.url("/sms"), "YISHI_PUBLIC_URL", "https://yishi.example.org",
        "YISHI_ROBOTS", "tb-ding|dingtalk" + district + dingtalk.url("/robot/send?access_token=t1") + "|" + DING_SECRET
            + ";tb-wecom|wecom" + district + wecom.url("/cgi-bin/webhook/send?key=k9")
            + ";tb-feishu|feishu" + district + feishu.url("/open-apis/bot/v2/hook/h9") + "|" + FEISHU_SECRET));
    node = TestNodes.start(TestNodes.env(pgUrl, env));
    CLOSING.push(node::close);
    f = AccountFixtures.create(node);
    api = new Api(node.baseUrl());
  }

  private static LocalGateway gateway(String okBody) {
    LocalGateway g = new LocalGateway(okBody);
    CLOSING.push(g::close);
    return g;
  }

  /** The node first, then the gateways and the SMTP server: the reverse of their start. */
  @AfterAll
  static void stop() throws Exception {
    while (!CLOSING.isEmpty()) {
      CLOSING.pop().close();
    }
  }

  private static AppConfig config() {
    return TestNodes.config(TestNodes.env(pgUrl, env));
  }

  /** One run of the delivery job at {@code at} (its clock), with the node's settings. */
  private static void deliverAt(Instant at) {
    DeliveryService delivery = new DeliveryService(node.app().vertx(), node.app().pool(), config().notifications(), () -> at);
    delivery.sendDue("test-node", at).onComplete(done -> delivery.close()).await();
  }

  private static void sql(String sql, Object... args) {
    node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await();
  }

  private static long id(String sql, Object... args) {
    return node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await().iterator().next().getLong(0);
  }

  private static JsonObject row(String key) {
    var rows = node.app().pool().preparedQuery("SELECT channel, recipient, body, sent_at IS NOT NULL AS sent, next_attempt_at,"
        + " last_error FROM outbox WHERE dedupe_key = $1").execute(Tuple.of(key)).await();
    return rows.size() == 0 ? null : rows.iterator().next().toJson();
  }

  private static long meeting(long station, String title, OffsetDateTime start) {
    long topic = AccountFixtures.approvedTopic(node, station, title);
    return id("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT t.id, t.station_id, t.division_code, $2, $3, '海明议事厅', 'on_site', 'grassroots', 'scheduled' FROM topic t WHERE t.id = $1
        RETURNING id""", topic, start, start.plusHours(2));
  }

  @Test
  void everyKindOfEventReachesTheRobotsOfItsDistrictInTheirFormats() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long tuanjie = f.stations.get(AccountFixtures.TUANJIE); // Taonan: no robot there
    OffsetDateTime start = OffsetDateTime.now().plusDays(20).withNano(0);
    long meeting = meeting(haiming, "RK-outcome", start);
    long outcome = id("""
        INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
        SELECT id, station_id, division_code, '增设路灯', 'proposal', '住建局', current_date + 10 FROM meeting WHERE id = $1
        RETURNING id""", meeting);
    String at = start.toString();
    Map<String, Notice> notices = new LinkedHashMap<>();
    notices.put("【议事提醒】", Notices.meetingReminder(990001, "72h", haiming, "RK-reminder", "海明", at, "议事厅"));
    notices.put("【会议改期】", Notices.meetingChanged(990002, 2, haiming, "RK-changed", "海明", at, "场地冲突"));
    notices.put("【会议取消】", Notices.meetingCancelled(990003, haiming, "RK-cancelled", "海明", at, "天气"));
    notices.put("【议题通过】", Notices.topicDecided("approve", 990004, 2, haiming, "RK-topic-ok", "海明", null));
    notices.put("【议题未通过】", Notices.topicDecided("reject", 990005, 2, haiming, "RK-topic-no", "海明", SCRIPT));
    notices.put("【议事室通过】", Notices.stationDecided("approve", haiming, 90, "RK-station-ok", null));
    notices.put("【议事室未通过】", Notices.stationDecided("reject", haiming, 91, "RK-station-no", "材料不全"));
    notices.put("【记录退回】", Notices.recordReturned(990008, 3, haiming, "RK-returned", "海明", "缺少签到表"));
    notices.put("【记录待填报】", Notices.recordOverdue(990009, haiming, "RK-overdue-record", "海明", at));
    notices.put("【成果交办】", Notices.outcomeReferred(outcome, "RK-referred", "住建局", "2027-01-10", "增设路灯"));
    notices.put("【答复将到期】", Notices.outcomeDue(outcome, "RK-due", "住建局", "2027-01-10", "增设路灯"));
    notices.put("【办理逾期】", Notices.outcomeOverdue(outcome, haiming, "RK-late", "住建局", "2027-01-10", "增设路灯"));
    notices.put("【报告生成】", Notices.reportIssued(990013, AccountFixtures.TAOBEI, "RK-洮北区", "2026-11"));
    for (Notice n : notices.values()) {
      node.app().pool().withTransaction(tx -> Outbox.queue(tx, n)).await();
    }
    // out of the robots' scope: a decision about a Taonan station reaches no robot
    Notice taonan = Notices.topicDecided("approve", 990099, 2, tuanjie, "RK-taonan", "团结", null);
    node.app().pool().withTransaction(tx -> Outbox.queue(tx, taonan)).await();
    assertEquals(0L, id("SELECT count(*) FROM outbox WHERE channel = 'robot' AND dedupe_key LIKE 'topic_approved:990099:%'"));
    // queued again (a transition written twice): nothing new
    for (Notice n : notices.values()) {
      assertEquals(0, node.app().pool().withTransaction(tx -> Outbox.queue(tx, n)).await());
    }
    assertEquals(3L * notices.size(), id("SELECT count(*) FROM outbox WHERE channel = 'robot'"), "each kind once per robot");

    deliverAt(Instant.now());
    for (Map.Entry<String, Notice> e : notices.entrySet()) {
      String mark = e.getKey();
      List<LocalGateway.Received> ding = RobotFormats.texts(dingtalk, t -> t.startsWith(mark));
      List<LocalGateway.Received> we = RobotFormats.texts(wecom, t -> t.startsWith(mark));
      List<LocalGateway.Received> fs = RobotFormats.feishuTexts(feishu, t -> t.startsWith(mark));
      assertEquals(List.of(1, 1, 1), List.of(ding.size(), we.size(), fs.size()), e.getValue().kind() + " once at each robot");
      RobotFormats.assertDingTalk(ding.get(0), "t1", DING_SECRET);
      RobotFormats.assertWeCom(we.get(0), "k9");
      RobotFormats.assertFeishu(fs.get(0), FEISHU_SECRET);
      String text = RobotFormats.textOf(ding.get(0));
      assertTrue(text.contains("https://yishi.example.org" + e.getValue().path()), text);
      assertEquals(text, RobotFormats.textOf(we.get(0)));
      assertEquals(text, RobotFormats.feishuTextOf(fs.get(0)));
    }
    // a reason with markup and SQL arrives verbatim as text (JSON-escaped by the channel, never executed)
    assertTrue(RobotFormats.textOf(RobotFormats.texts(wecom, t -> t.startsWith("【议题未通过】")).get(0)).contains(SCRIPT));
    assertEquals(0, RobotFormats.texts(wecom, t -> t.contains("RK-taonan")).size());
    assertEquals(0L, id("SELECT count(*) FROM outbox WHERE channel = 'robot' AND (sent_at IS NULL OR attempts <> 1)"));
  }

  @Test
  void aRealTransitionReachesTheRobots() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long meeting = meeting(haiming, "RK-api", OffsetDateTime.now().minusDays(3).withNano(0));
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    HttpResponse<String> created = api.call("POST", "/api/v1/outcomes", d1, new JsonObject().put("meetingId", meeting)
        .put("content", "RK-api 规范早市摊位").put("form", "proposal").put("responsibleUnit", "城管局")
        .put("dueOn", LocalDate.now(ZONE).plusDays(10).toString()).encode());
    assertEquals(201, created.statusCode(), created.body());
    long outcome = new JsonObject(created.body()).getLong("id");
    assertEquals(3L, id("SELECT count(*) FROM outbox WHERE channel = 'robot' AND dedupe_key LIKE $1", "outcome_referred:" + outcome + ":%"));
    deliverAt(Instant.now());
    assertEquals(1, RobotFormats.texts(dingtalk, t -> t.contains("RK-api 规范早市摊位") && t.startsWith("【成果交办】")).size());
    assertEquals(1, RobotFormats.feishuTexts(feishu, t -> t.contains("RK-api 规范早市摊位")).size());
  }

  @Test
  void meetingRemindersHonourChannelsQuietHoursAndDigests() throws Exception {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long c1 = f.ids.get("c1");
    long c3 = f.ids.get("c3");
    sql("UPDATE account SET email = 'c1-rem@example.org', phone = '13900000031' WHERE id = $1", c1);
    sql("UPDATE account SET email = 'c3-rem@example.org' WHERE id = $1", c3);
    sql("INSERT INTO account_station (account_id, station_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", c3, haiming);
    // c1: reminders by SMS only, quiet from 22:00 to 07:00 (through the API: meeting_reminder is a kind to choose)
    HttpResponse<String> put = api.call("PUT", "/api/v1/account/notification-preferences", api.token("c1", AccountFixtures.PASSWORD),
        new JsonObject().put("channels", new JsonObject().put("meeting_reminder", new JsonArray().add("sms")))
            .put("digest", false).put("quietFrom", "22:00").put("quietTo", "07:00").encode());
    assertEquals(200, put.statusCode(), put.body());
    // c3: a daily digest, which never holds a reminder
    sql("INSERT INTO notify_preference (account_id, digest) VALUES ($1, true)", c3);
    // a member invited, with a mobile number (no account: no preferences, SMS at once)
    sql("UPDATE member SET phone = '13900000032' WHERE id = $1", f.taobeiMember);

    OffsetDateTime start = LocalDate.now(ZONE).plusDays(6).atTime(23, 30).atZone(ZONE).toOffsetDateTime();
    long meeting = meeting(haiming, "RK-提醒偏好", start);
    sql("INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        meeting, f.taobeiMember, start, start.plusHours(2));
    Instant now = start.toInstant().minus(Duration.ofHours(71)); // 00:30 local: inside c1's quiet hours
    AppConfig config = config();
    ReminderService reminders = new ReminderService(node.app().pool(), config.reminderLeads(), Duration.ofDays(2),
        config.notifications().publicUrl(), config.notifications().robots(), config.zone());
    reminders.runOnce(now).await();
    assertEquals(0, reminders.runOnce(now).await().getInteger("messages"), "run twice: nothing new");
    deliverAt(now);

    String key = "reminder:" + meeting + ":72h:";
    assertEquals(null, row(key + "account:" + c1), "c1 chose SMS only for reminders: no e-mail");
    JsonObject held = row(key + "account:" + c1 + ":sms");
    assertEquals(false, held.getBoolean("sent"), held.encode());
    assertTrue(held.getString("last_error").contains("quiet hours of the recipient until 07:00"), held.encode());
    assertEquals(LocalDate.ofInstant(now, ZONE).atTime(7, 0).atZone(ZONE).toInstant(),
        OffsetDateTime.parse(held.getString("next_attempt_at")).toInstant());
    assertTrue(row(key + "account:" + c3).getBoolean("sent"), "a digest reader's reminder is not held");
    MimeMessage mail = List.of(smtp.getReceivedMessages()).stream()
        .filter(m -> recipient(m).equals("c3-rem@example.org") && subject(m).contains("RK-提醒偏好")).findFirst().orElseThrow();
    assertTrue(mail.getSubject().startsWith("议事提醒：RK-提醒偏好"), mail.getSubject());
    assertTrue(row(key + "member:" + f.taobeiMember).getBoolean("sent"), "the member's SMS is not held");
    for (String robot : List.of("tb-ding", "tb-wecom", "tb-feishu")) {
      assertTrue(row(key + "robot:" + robot).getBoolean("sent"), robot);
    }
    assertEquals(0L, sms.accepted().stream().filter(r -> r.body().getString("key").equals(key + "account:" + c1 + ":sms")).count());

    deliverAt(LocalDate.ofInstant(now, ZONE).atTime(7, 1).atZone(ZONE).toInstant());
    List<LocalGateway.Received> texts = sms.accepted().stream()
        .filter(r -> r.body().getString("key").equals(key + "account:" + c1 + ":sms")).toList();
    assertEquals(1, texts.size(), "sent once when the quiet hours end");
    assertEquals("13900000031", texts.get(0).body().getString("to"));
    assertTrue(texts.get(0).body().getString("text").contains("在“海明议事厅”就“RK-提醒偏好”开展协商"),
        texts.get(0).body().getString("text"));
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String recipient(MimeMessage m) {
    try {
      return m.getAllRecipients()[0].toString();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }
}
