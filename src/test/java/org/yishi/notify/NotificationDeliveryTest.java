package org.yishi.notify;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.meeting.ReminderService;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.LocalGateway;
import org.yishi.support.RobotFormats;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notification delivery against real gateways in the test JVM: GreenMail (SMTP) receives the
 * reminder e-mails, local Vert.x HTTP servers stand in for a DingTalk and a WeCom robot and for an
 * SMS gateway. The node's own scheduler is slowed to an hour, so the test drives
 * {@link ReminderService#runOnce} and {@link DeliveryService#sendDue} itself with chosen instants
 * (backoff is skipped by passing a later instant, never by waiting).
 */
class NotificationDeliveryTest {
  private static final String DING_SECRET = "SECtest-dingtalk-secret";
  private static final String FEISHU_SECRET = "feishu-secret";
  private static LocalGateway feishu;
  private static GreenMail smtp;
  private static LocalGateway dingtalk;
  private static LocalGateway wecom;
  private static LocalGateway sms;
  private static Node node;
  private static AccountFixtures f;
  private static String pgUrl;
  private static Map<String, String> env;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    dingtalk = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    wecom = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    sms = new LocalGateway("{\"ok\":true}");
    feishu = new LocalGateway("{\"code\":0,\"msg\":\"success\",\"data\":{}}");
    pgUrl = TestPostgres.freshDatabaseUrl();
    env = new HashMap<>(Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "3600",
        "YISHI_SMTP_HOST", "127.0.0.1", "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SMS_URL", sms.url("/sms"), "YISHI_SMS_TOKEN", "sms-token",
        "YISHI_PUBLIC_URL", "https://yishi.example.org", "YISHI_NOTIFY_MAX_ATTEMPTS", "4"));
    node = TestNodes.start(TestNodes.env(pgUrl, env));
    f = AccountFixtures.create(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    smtp.stop();
    dingtalk.close();
    wecom.close();
    sms.close();
    feishu.close();
  }

  /** The node's settings plus {@code extra} (e.g. robots, whose scope needs the fixtures' ids). */
  private static AppConfig config(Map<String, String> extra) {
    Map<String, String> e = new HashMap<>(TestNodes.env(pgUrl, env));
    e.putAll(extra);
    return TestNodes.config(e);
  }

  private static DeliveryService delivery(AppConfig config) {
    return new DeliveryService(node.app().vertx(), node.app().pool(), config.notifications(), Instant::now);
  }

  private static long count(String sql) throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sql(String sql) {
    node.app().pool().query(sql).execute().await();
  }

  private static long queue(String channel, String recipient, String key) {
    return node.app().pool().preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind) VALUES ($1, $2, '测试', '测试消息', $3, 'test')
            RETURNING id""").execute(io.vertx.sqlclient.Tuple.of(channel, recipient, key)).await().iterator().next().getLong("id");
  }

  private static JsonObject row(long id) {
    return node.app().pool().preparedQuery("SELECT attempts, sent_at IS NOT NULL AS sent, failed_at IS NOT NULL AS failed, "
        + "last_error, gateway_reply FROM outbox WHERE id = $1").execute(io.vertx.sqlclient.Tuple.of(id)).await()
        .iterator().next().toJson();
  }

  @Test
  void reminderReachesTheCoordinatorByMailAndTheRobotsOnceEach() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    long c1 = f.ids.get("c1");
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = " + c1);
    AppConfig config = config(Map.of("YISHI_ROBOTS",
        "haiming-ding|dingtalk|station:" + station + "|" + dingtalk.url("/robot/send?access_token=abc") + "|" + DING_SECRET
            + ";taobei-wecom|wecom|district:" + AccountFixtures.TAOBEI + "|" + wecom.url("/cgi-bin/webhook/send?key=k1")
            + ";taobei-feishu|feishu|district:" + AccountFixtures.TAOBEI + "|" + feishu.url("/open-apis/bot/v2/hook/h1") + "|" + FEISHU_SECRET));
    long topic = AccountFixtures.approvedTopic(node, station, "老旧小区加装电梯");
    OffsetDateTime start = OffsetDateTime.now().plusDays(5).withHour(9).withMinute(0).withSecond(0).withNano(0);
    Api api = new Api(node.baseUrl());
    JsonObject body = new JsonObject().put("topicId", topic).put("startsAt", start.toString())
        .put("endsAt", start.plusHours(2).toString()).put("venue", "海明社区会议室").put("format", "on_site").put("kind", "grassroots");
    HttpResponse<String> created = api.call("POST", "/api/v1/meetings", api.token("d1", AccountFixtures.PASSWORD), body.encode());
    assertEquals(201, created.statusCode(), created.body());
    long meeting = new JsonObject(created.body()).getLong("id");
    String key = "reminder:" + meeting + ":72h:";

    ReminderService reminders = new ReminderService(node.app().pool(), config.reminderLeads(), Duration.ofDays(2),
        config.notifications().publicUrl(), config.notifications().robots(), config.zone());
    DeliveryService delivery = delivery(config);
    Instant now = start.toInstant().minus(Duration.ofHours(71));
    for (int i = 0; i < 2; i++) { // twice: nothing is queued or sent twice
      reminders.runOnce(now).await();
      delivery.sendDue("test-node", now).await();
    }
    assertEquals(4, count("SELECT count(*) FROM outbox WHERE dedupe_key LIKE '" + key + "%'"), "mail to c1, three robots");
    assertEquals(0, count("SELECT count(*) FROM outbox WHERE (attempts <> 1 OR sent_at IS NULL) AND dedupe_key LIKE '" + key + "%'"));

    // the e-mail, as the SMTP server received it
    List<MimeMessage> mails = List.of(smtp.getReceivedMessages()).stream()
        .filter(m -> GreenMailUtil.getHeaders(m).contains(key.replace(':', '.'))).toList();
    assertEquals(1, mails.size());
    MimeMessage mail = mails.get(0);
    assertEquals("<reminder." + meeting + ".72h.account." + c1 + "@example.org>", mail.getMessageID());
    assertEquals("c1@example.org", mail.getAllRecipients()[0].toString());
    assertTrue(mail.getSubject().startsWith("议事提醒：老旧小区加装电梯"), mail.getSubject());
    assertTrue(mail.getContentType().toLowerCase().contains("charset=utf-8"), mail.getContentType());
    String text = ((String) mail.getContent()).replace("\r\n", "\n");
    assertTrue(text.contains("https://yishi.example.org/meetings/" + meeting), text);
    assertTrue(text.contains("洮北联络员") && text.contains("海明社区会议室"), text);

    // the DingTalk robot: documented text format, signed with HMAC-SHA256(timestamp + "\n" + secret)
    List<LocalGateway.Received> ding = RobotFormats.texts(dingtalk, t -> t.contains("老旧小区加装电梯"));
    assertEquals(1, ding.size());
    RobotFormats.assertDingTalk(ding.get(0), "abc", DING_SECRET);
    assertTrue(Math.abs(Long.parseLong(ding.get(0).query().get("timestamp")) - System.currentTimeMillis()) < 3_600_000,
        "timestamp in milliseconds, now");
    assertTrue(RobotFormats.textOf(ding.get(0)).contains("https://yishi.example.org/meetings/" + meeting));

    // the WeCom robot of the district: the same reminder, in its format
    List<LocalGateway.Received> we = RobotFormats.texts(wecom, t -> t.contains("老旧小区加装电梯"));
    assertEquals(1, we.size());
    RobotFormats.assertWeCom(we.get(0), "k1");

    // the Feishu robot: its own format, signed with HMAC-SHA256 keyed by timestamp + "\n" + secret over no data
    List<LocalGateway.Received> fs = RobotFormats.feishuTexts(feishu, t -> t.contains("老旧小区加装电梯"));
    assertEquals(1, fs.size());
    RobotFormats.assertFeishu(fs.get(0), FEISHU_SECRET);
  }

  @Test
  void aCoordinatorReadingEnglishGetsTheReminderInEnglish() throws Exception {
    long station = f.stations.get(AccountFixtures.CHANGQING);
    long c3 = f.ids.get("c3");
    // the e-mail address through the user API, as an admin sets it (validated)
    Api api = new Api(node.baseUrl());
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    JsonObject user = new JsonObject(api.get("/api/v1/users/" + c3, admin).body());
    JsonObject edit = new JsonObject().put("displayName", user.getString("displayName")).put("role", "station_coordinator")
        .put("scopeCode", AccountFixtures.TAOBEI).put("stationIds", new JsonArray().add(station))
        .put("version", user.getInteger("version"));
    HttpResponse<String> bad = api.call("PUT", "/api/v1/users/" + c3, admin, edit.copy().put("email", "c3 at example").encode());
    assertEquals(422, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("email"), bad.body());
    HttpResponse<String> ok = api.call("PUT", "/api/v1/users/" + c3, admin, edit.copy().put("email", "c3@example.org").encode());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals("c3@example.org", new JsonObject(ok.body()).getString("email"));
    sql("UPDATE account SET locale = 'en' WHERE id = " + c3);

    long topic = AccountFixtures.approvedTopic(node, station, "Street lighting");
    OffsetDateTime start = OffsetDateTime.now().plusDays(9).withHour(15).withMinute(0).withSecond(0).withNano(0);
    JsonObject body = new JsonObject().put("topicId", topic).put("startsAt", start.toString())
        .put("endsAt", start.plusHours(2).toString()).put("venue", "Hall B").put("format", "on_site").put("kind", "grassroots");
    HttpResponse<String> created = api.call("POST", "/api/v1/meetings", admin, body.encode());
    assertEquals(201, created.statusCode(), created.body());
    long meeting = new JsonObject(created.body()).getLong("id");
    AppConfig config = config(Map.of());
    new ReminderService(node.app().pool(), config.reminderLeads(), Duration.ofDays(2), config.notifications().publicUrl(), List.of(), config.zone())
        .runOnce(start.toInstant().minus(Duration.ofHours(70))).await();
    delivery(config).sendDue("test-node", Instant.now()).await();
    MimeMessage mail = List.of(smtp.getReceivedMessages()).stream()
        .filter(m -> to(m).equals("c3@example.org") && subject(m).contains("Street lighting"))
        .findFirst().orElseThrow();
    assertTrue(subject(mail).startsWith("Meeting reminder: Street lighting"), subject(mail));
    String text = ((String) mail.getContent()).replace("\r\n", "\n");
    assertTrue(text.contains("Open the meeting: https://yishi.example.org/meetings/" + meeting), text);
  }

  private static String to(MimeMessage m) {
    try {
      return m.getAllRecipients()[0].toString();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void gatewayFailuresThenRecoveryDeliverExactlyOnceWithAttemptsCounted() throws Exception {
    DeliveryService delivery = delivery(config(Map.of()));
    long id = queue("sms", "13900000009", "test:retry:1");
    sms.failNext(500, 503);
    Instant now = Instant.now();
    delivery.sendDue("test-node", now).await();
    JsonObject r = row(id);
    assertEquals(1, r.getInteger("attempts"));
    assertTrue(r.getString("last_error").contains("HTTP 500"), r.encode());
    delivery.sendDue("test-node", now).await(); // backing off: not due yet
    assertEquals(1, row(id).getInteger("attempts"));
    delivery.sendDue("test-node", now.plus(Duration.ofHours(1))).await();
    assertEquals(2, row(id).getInteger("attempts"));
    assertTrue(row(id).getString("last_error").contains("HTTP 503"));
    delivery.sendDue("test-node", now.plus(Duration.ofHours(2))).await();
    r = row(id);
    assertEquals(3, r.getInteger("attempts"));
    assertTrue(r.getBoolean("sent"), r.encode());
    delivery.sendDue("test-node", now.plus(Duration.ofHours(3))).await();
    assertEquals(1, sms.accepted().stream().filter(x -> "test:retry:1".equals(x.body().getString("key"))).count());
    LocalGateway.Received got = sms.accepted().stream().filter(x -> "test:retry:1".equals(x.body().getString("key"))).findFirst().orElseThrow();
    assertEquals("13900000009", got.body().getString("to"));
    assertEquals("Bearer sms-token", got.authorization());
  }

  @Test
  void aRefusedConnectionIsRetriedAndDeliveredWhenTheRobotIsBack() throws Exception {
    int port = TestNodes.freePort();
    DeliveryService delivery = delivery(config(Map.of("YISHI_ROBOTS",
        "down-wecom|wecom|station:1|http://127.0.0.1:" + port + "/cgi-bin/webhook/send?key=k2")));
    long id = queue("robot", "down-wecom", "test:refused:1");
    Instant now = Instant.now();
    delivery.sendDue("test-node", now).await();
    JsonObject r = row(id);
    assertEquals(1, r.getInteger("attempts"));
    assertTrue(r.getString("last_error").contains("unreachable"), r.encode());
    assertTrue(!r.getString("last_error").contains("k2"), "the webhook key is never shown: " + r.encode());
    try (LocalGateway back = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}", port)) {
      delivery.sendDue("test-node", now.plus(Duration.ofHours(1))).await();
      delivery.sendDue("test-node", now.plus(Duration.ofHours(2))).await();
      assertEquals(1, back.accepted().size());
    }
    r = row(id);
    assertEquals(2, r.getInteger("attempts"));
    assertTrue(r.getBoolean("sent"), r.encode());
  }

  @Test
  void aWeComRobotTakesTwentyMessagesAMinuteAndTheRestWait() throws Exception {
    // this test's own minute, three days ahead, with nothing else due in it
    sql("UPDATE outbox SET next_attempt_at = now() + interval '10 years' WHERE sent_at IS NULL AND failed_at IS NULL");
    Instant at = Instant.now().plus(Duration.ofDays(3));
    try (LocalGateway wecom = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}")) {
      DeliveryService delivery = delivery(config(Map.of("YISHI_ROBOTS",
          "busy-wecom|wecom|station:1|" + wecom.url("/cgi-bin/webhook/send?key=k9"))));
      List<Long> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 21; i++) {
        ids.add(queue("robot", "busy-wecom", "test:robot-limit:" + i));
      }
      assertEquals(20, delivery.sendDue("test-node", at).await().getInteger("sent"));
      JsonObject held = row(ids.get(20));
      assertFalse(held.getBoolean("sent"), held.encode());
      assertTrue(held.getString("last_error").contains("rate limit of robot busy-wecom"), held.encode());
      delivery.sendDue("test-node", at.plusSeconds(61)).await();
      assertTrue(row(ids.get(20)).getBoolean("sent"), row(ids.get(20)).encode());
    }
  }

  @Test
  void aRobotsOwnErrorJsonFailsTheMessageWithItsReason() throws Exception {
    try (LocalGateway bad = new LocalGateway("{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}")) {
      DeliveryService delivery = delivery(config(Map.of("YISHI_ROBOTS",
          "bad-wecom|wecom|station:1|" + bad.url("/cgi-bin/webhook/send?key=k3"))));
      long id = queue("robot", "bad-wecom", "test:robot-error:1");
      delivery.sendDue("test-node", Instant.now()).await();
      JsonObject r = row(id);
      assertTrue(r.getBoolean("failed"), r.encode());
      assertTrue(r.getString("last_error").contains("93000") && r.getString("last_error").contains("invalid webhook url"), r.encode());
    }
  }

  @Test
  void anUnreachableSmtpServerEndsInTheDeliveryLogWithItsReason() throws Exception {
    int closed = TestNodes.freePort();
    DeliveryService delivery = delivery(config(Map.of("YISHI_SMTP_PORT", String.valueOf(closed), "YISHI_NOTIFY_MAX_ATTEMPTS", "2")));
    long id = queue("email", "nobody@example.org", "test:smtp-down:1");
    Instant now = Instant.now();
    delivery.sendDue("test-node", now).await();
    assertEquals(1, row(id).getInteger("attempts"));
    assertTrue(!row(id).getBoolean("failed"));
    delivery.sendDue("test-node", now.plus(Duration.ofHours(1))).await();
    JsonObject r = row(id);
    assertTrue(r.getBoolean("failed"), r.encode());
    assertEquals(2, r.getInteger("attempts"));
    assertTrue(r.getString("last_error").startsWith("SMTP server unreachable"), r.encode());

    // the admin's delivery log shows it, with the reason
    Api api = new Api(node.baseUrl());
    HttpResponse<String> log = api.get("/api/v1/admin/deliveries?status=failed&recipient=NOBODY@",
        api.token("admin", TestNodes.ADMIN_PASSWORD));
    assertEquals(200, log.statusCode(), log.body());
    JsonArray items = new JsonObject(log.body()).getJsonArray("items");
    assertEquals(1, items.size(), log.body());
    JsonObject entry = items.getJsonObject(0);
    assertEquals("failed", entry.getString("status"));
    assertEquals(2, entry.getInteger("attempts"));
    assertEquals("test:smtp-down:1", entry.getString("key"));
    assertTrue(entry.getString("lastError").startsWith("SMTP server unreachable"), entry.encode());
    assertEquals(422, api.get("/api/v1/admin/deliveries?status=lost", api.token("admin", TestNodes.ADMIN_PASSWORD)).statusCode());
    String page = new org.yishi.support.Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD)
        .get("/admin/notifications?status=failed&recipient=nobody").body();
    assertTrue(page.contains("nobody@example.org") && page.contains("SMTP server unreachable"), page);
  }

  @Test
  void oneRunSendsBatchAfterBatchWhileTheyAreFull() throws Exception {
    // batches of 2: five due messages leave in one run (three transactions), not one batch per interval
    DeliveryService delivery = delivery(config(Map.of("YISHI_NOTIFY_BATCH", "2")));
    List<Long> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(queue("email", "burst" + i + "@example.org", "test:burst:" + i));
    }
    JsonObject counts = delivery.sendDue("test-node", Instant.now()).await();
    assertEquals(5, counts.getInteger("sent"), counts.encode());
    for (long id : ids) {
      assertTrue(row(id).getBoolean("sent"), row(id).encode());
    }
    assertEquals(5, List.of(smtp.getReceivedMessagesForDomain("example.org")).stream()
        .filter(m -> to(m).startsWith("burst")).count());
  }

  @Test
  void aChannelsRateLimitHoldsTheRestForTheNextMinute() throws Exception {
    // this test's own minute, two days ahead, with nothing else due in it
    sql("UPDATE outbox SET next_attempt_at = now() + interval '10 years' WHERE sent_at IS NULL AND failed_at IS NULL");
    Instant at = Instant.now().plus(Duration.ofDays(2));
    DeliveryService delivery = delivery(config(Map.of("YISHI_NOTIFY_EMAIL_PER_MINUTE", "2")));
    List<Long> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(queue("email", "limited" + i + "@example.org", "test:limited:" + i));
    }
    JsonObject counts = delivery.sendDue("test-node", at).await();
    assertEquals(2, counts.getInteger("sent"), counts.encode());
    JsonObject held = row(ids.get(2));
    assertFalse(held.getBoolean("sent"), held.encode());
    assertEquals(0, held.getInteger("attempts"), "held by the limit is not an attempt: " + held.encode());
    assertTrue(held.getString("last_error").contains("rate limit of email"), held.encode());
    delivery.sendDue("test-node", at.plusSeconds(30)).await(); // the same minute: still held
    assertFalse(row(ids.get(2)).getBoolean("sent"));
    delivery.sendDue("test-node", at.plusSeconds(61)).await();
    assertTrue(row(ids.get(2)).getBoolean("sent"), row(ids.get(2)).encode());
  }

  @Test
  void theSmtpLoginIsUsedWhenAUserNameIsSet() throws Exception {
    smtp.setUser("yishi@example.org", "yishi-mailer", "mail-pass-1");
    DeliveryService delivery = delivery(config(Map.of("YISHI_SMTP_USERNAME", "yishi-mailer", "YISHI_SMTP_PASSWORD", "mail-pass-1")));
    long id = queue("email", "login@example.org", "test:login:1");
    delivery.sendDue("test-node", Instant.now()).await();
    JsonObject r = row(id);
    assertTrue(r.getBoolean("sent"), r.encode());
    assertEquals(1, List.of(smtp.getReceivedMessagesForDomain("example.org")).stream()
        .filter(m -> to(m).equals("login@example.org")).count());

    // a wrong password: the server's refusal is permanent and shown as the reason
    DeliveryService wrong = delivery(config(Map.of("YISHI_SMTP_USERNAME", "yishi-mailer", "YISHI_SMTP_PASSWORD", "not-the-password")));
    long refused = queue("email", "login@example.org", "test:login:2");
    wrong.sendDue("test-node", Instant.now()).await();
    JsonObject w = row(refused);
    assertTrue(w.getBoolean("failed") && w.getString("last_error").startsWith("SMTP 535"), w.encode());
  }

  @Test
  void aWeComRobotTakesTwentyMessagesAMinute() throws Exception {
    try (LocalGateway busy = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}")) {
      DeliveryService delivery = delivery(config(Map.of("YISHI_ROBOTS",
          "busy-wecom|wecom|station:1|" + busy.url("/cgi-bin/webhook/send?key=k4"))));
      for (int i = 0; i < 25; i++) {
        queue("robot", "busy-wecom", "test:rate:" + i);
      }
      Instant now = Instant.now();
      delivery.sendDue("test-node", now).await();
      assertEquals(20, busy.accepted().size());
      assertEquals(5, count("SELECT count(*) FROM outbox WHERE recipient = 'busy-wecom' AND sent_at IS NULL AND attempts = 0"));
      delivery.sendDue("test-node", now.plus(Duration.ofSeconds(61))).await();
      assertEquals(25, busy.accepted().size());
      assertEquals(0, count("SELECT count(*) FROM outbox WHERE recipient = 'busy-wecom' AND (sent_at IS NULL OR attempts <> 1)"));
    }
  }
}
