package org.yishi.notify;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.http.AppException;
import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.security.Principal;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.LocalGateway;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel settings kept in PostgreSQL (issue 21): the admin API's validation (a message per field,
 * nothing written), secrets encrypted with AES-GCM and never answered, logged or audited, the
 * stored settings used to send (GreenMail, local robot and SMS servers), replace / clear / keep of
 * secrets, another node's cache dropped on the change event, and a node whose YISHI_SECRET_KEY is
 * missing or different: named in /ready and on the page, its channels off instead of garbage.
 */
class ChannelSettingsTest {
  private static final String SCRIPT = "<script>alert('x')</script>'--";
  private static final String PASSWORD = "smtp-Pa55-secret-7Q";
  private static final String TOKEN = "sms-token-secret-9Z";
  private static final String ROBOT_KEY = "robot-key-secret-3K";
  private static final String SIGNING = "SEC-signing-secret-5M";
  private static final List<String> SECRETS = List.of(PASSWORD, TOKEN, ROBOT_KEY, SIGNING);
  private static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());
  private static final Handler CAPTURE = new Handler() {
    @Override
    public void publish(LogRecord r) {
      LOG.add(r.getLoggerName() + " " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
          + (r.getThrown() == null ? "" : " " + r.getThrown()));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private static GreenMail smtp;
  private static LocalGateway robot;
  private static LocalGateway sms;
  private static Node node;
  private static Map<String, String> env;
  private static String pgUrl;
  private static Api api;
  private static String admin;
  private static Sql sql;

  @BeforeAll
  static void start() {
    Logger.getLogger("").addHandler(CAPTURE);
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    robot = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    sms = new LocalGateway("{\"ok\":true}");
    pgUrl = TestPostgres.freshDatabaseUrl();
    env = new HashMap<>(Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "3600", "YISHI_SECRET_KEY", SecretBoxTest.newKey(),
        "YISHI_ROBOTS", "envbot|wecom|district:110101001001|http://127.0.0.1:9/cgi-bin/webhook/send?key=env"));
    node = TestNodes.start(TestNodes.env(pgUrl, env));
    api = new Api(node.baseUrl());
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    sql = new Sql(pgUrl);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    smtp.stop();
    robot.close();
    sms.close();
    Logger.getLogger("").removeHandler(CAPTURE);
  }

  private static HttpResponse<String> put(String path, JsonObject body) {
    return api.call("PUT", "/api/v1/admin/notification-channels/" + path, admin, body.encode());
  }

  private static JsonObject fields(HttpResponse<String> r) {
    assertEquals(422, r.statusCode(), r.body());
    return Http.json(r).getJsonObject("error").getJsonObject("fields");
  }

  private static JsonObject email(String password) {
    JsonObject e = new JsonObject().put("host", "127.0.0.1").put("port", smtp.getSmtp().getPort()).put("tls", "none")
        .put("from", "yishi@example.org");
    return password == null ? e : e.put("password", password);
  }

  @Test
  void badInputIsRefusedFieldByFieldAndNothingIsWritten() {
    JsonObject f = fields(put("email", new JsonObject().put("host", "bad host!").put("port", 70000).put("tls", "ssl")
        .put("from", "nobody").put("username", 5)));
    assertEquals(Map.of("host", "must be a host name or an IP address", "port", "must be between 1 and 65,535",
        "tls", "must be one of: none, starttls, tls", "from", "not a valid e-mail address", "username", "must be text"), f.getMap());
    assertTrue(fields(put("email", email(null).put("port", "abc"))).containsKey("port"));
    assertTrue(fields(put("email", email(null).put("port", 0))).containsKey("port"));
    assertTrue(fields(put("email", email(null).put("port", 25.5))).containsKey("port"));
    assertEquals("required", fields(put("email", email(null).put("host", " "))).getString("host"));
    assertEquals("at most 200 characters", fields(put("email", email(null).put("username", "u".repeat(201)))).getString("username"));
    assertTrue(fields(put("email", email(null).put("username", "a\u0007b"))).containsKey("username"));
    assertTrue(fields(put("sms", new JsonObject().put("provider", "gateway").put("url", "javascript:alert(1)"))).containsKey("url"));
    assertTrue(fields(put("sms", new JsonObject().put("provider", "gateway").put("url", "ftp://127.0.0.1/x"))).containsKey("url"));
    assertTrue(fields(put("sms", new JsonObject().put("provider", "aliyun").put("accessKeyId", "key")
        .put("signName", "议事").put("templates", "meeting=SMS_1"))).containsKey("templates"), "a default template is required");
    assertTrue(fields(put("sms", new JsonObject().put("provider", "fax"))).containsKey("provider"));
    assertTrue(fields(put("robots/bad%20name!", new JsonObject())).containsKey("name"));
    JsonObject robotFields = fields(put("robots/ops", new JsonObject().put("kind", "wecom").put("scope", "district:1")));
    assertTrue(robotFields.containsKey("scope"), robotFields.encode());
    assertEquals("required", fields(put("robots/ops", new JsonObject().put("kind", "wecom").put("scope", "station:1")))
        .getString("url"), "a robot needs its webhook URL");
    assertTrue(fields(put("robots/ops", new JsonObject().put("kind", "wecom").put("scope", "station:1")
        .put("url", "ftp://127.0.0.1/hook"))).containsKey("url"));
    assertEquals(422, api.call("PUT", "/api/v1/admin/notification-channels/email", admin, "[1, 2]").statusCode());
    int badUtf8 = api.callBytes("PUT", "/api/v1/admin/notification-channels/email", admin,
        new byte[] {'{', '"', 'h', 'o', 's', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}).statusCode();
    assertTrue(badUtf8 == 400 || badUtf8 == 422, "invalid UTF-8 is refused: " + badUtf8);
    assertEquals(404, put("fax", email(null)).statusCode());
    assertEquals(0, sql.count("SELECT count(*) FROM notify_channel WHERE name = 'email' OR name = 'robot:ops'"));
    assertEquals(0, sql.count("SELECT count(*) FROM audit_log WHERE entity_type = 'notify_channel' AND entity_id IN ('email', 'robot:ops')"));
  }

  @Test
  void storedSettingsSendEncryptedNeverShownLoggedOrAudited() throws Exception {
    HttpResponse<String> saved = put("email", email(PASSWORD));
    assertEquals(200, saved.statusCode(), saved.body());
    JsonObject view = Http.json(saved);
    assertEquals("database", view.getJsonObject("email").getString("source"));
    assertEquals("set", view.getJsonObject("email").getString("password"));
    assertEquals(200, put("sms", new JsonObject().put("provider", "gateway").put("url", sms.url("/sms")).put("token", TOKEN)
        .put("signName", SCRIPT)).statusCode());
    HttpResponse<String> robotSaved = put("robots/ops", new JsonObject().put("kind", "dingtalk").put("scope", "station:1")
        .put("url", robot.url("/robot/send?access_token=" + ROBOT_KEY)).put("secret", SIGNING));
    assertEquals(200, robotSaved.statusCode(), robotSaved.body());

    // encrypted at rest: the rows hold no secret in clear; each value has its own nonce
    String stored = (String) sql.value("SELECT string_agg(settings::text || secrets::text, ' ') FROM notify_channel");
    SECRETS.forEach(s -> assertFalse(stored.contains(s), "stored in clear: " + s));
    assertTrue(stored.contains("\"password\": \"v1:"), stored);
    assertEquals(SCRIPT, sql.value("SELECT settings->>'signName' FROM notify_channel WHERE name = 'sms'"), "stored verbatim");

    // the stored settings are used: a test message on each channel reaches its server
    JsonObject mail = Http.json(api.call("POST", "/api/v1/admin/notifications/test", admin,
        new JsonObject().put("channel", "email").put("to", "operator@example.org").encode()));
    assertEquals("sent", mail.getString("status"), mail.encode());
    assertEquals(1, smtp.getReceivedMessages().length);
    JsonObject viaRobot = Http.json(api.call("POST", "/api/v1/admin/notifications/test", admin,
        new JsonObject().put("channel", "robot").put("to", "ops").encode()));
    assertEquals("sent", viaRobot.getString("status"), viaRobot.encode());
    LocalGateway.Received hook = robot.accepted().get(robot.accepted().size() - 1);
    assertEquals("/robot/send", hook.path());
    assertEquals(ROBOT_KEY, hook.query().get("access_token"));
    assertTrue(hook.query().containsKey("sign"), "signed with the stored DingTalk secret");
    JsonObject viaSms = Http.json(api.call("POST", "/api/v1/admin/notifications/test", admin,
        new JsonObject().put("channel", "sms").put("to", "13800138000").encode()));
    assertEquals("sent", viaSms.getString("status"), viaSms.encode());
    assertEquals("Bearer " + TOKEN, sms.accepted().get(sms.accepted().size() - 1).authorization());

    // never shown back: the API, the page, the delivery log
    String shown = api.get("/api/v1/admin/notification-channels", admin).body() + robotSaved.body()
        + api.get("/api/v1/admin/deliveries", admin).body();
    Browser page = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    String html = page.get("/admin/notifications/channels").body();
    for (String s : SECRETS) {
      assertFalse(shown.contains(s), "answered: " + s);
      assertFalse(html.contains(s), "on the page: " + s);
    }
    assertTrue(html.contains("&lt;script&gt;alert(") && !html.contains(SCRIPT), "rendered escaped");
    assertTrue(html.contains("ops") && html.contains("envbot"), "robots by name");

    // replace, keep, clear
    assertEquals("set", Http.json(put("email", email(null))).getJsonObject("email").getString("password"), "absent keeps it");
    assertEquals("not set", Http.json(put("email", email(""))).getJsonObject("email").getString("password"), "empty clears it");
    assertEquals(0, sql.count("SELECT count(*) FROM notify_channel WHERE name = 'email' AND jsonb_exists(secrets, 'password')"));
    assertEquals("set", Http.json(put("email", email(PASSWORD + "2"))).getJsonObject("email").getString("password"));

    // audit entries, without secret values
    assertTrue(sql.count("SELECT count(*) FROM audit_log WHERE entity_type = 'notify_channel'") >= 6);
    String audit = (String) sql.value("SELECT string_agg(coalesce(before::text, '') || coalesce(after::text, ''), ' ') FROM audit_log "
        + "WHERE entity_type = 'notify_channel'");
    SECRETS.forEach(s -> assertFalse(audit.contains(s), "audited: " + s));
    assertTrue(audit.contains("\"password\": \"set\""), audit);

    // back to the environment's settings
    assertEquals("environment", Http.json(api.call("DELETE", "/api/v1/admin/notification-channels/email", admin, null))
        .getJsonObject("email").getString("source"));
    assertEquals(404, api.call("DELETE", "/api/v1/admin/notification-channels/email", admin, null).statusCode());

    List<String> lines;
    synchronized (LOG) {
      lines = new ArrayList<>(LOG);
    }
    for (String line : lines) {
      for (String s : SECRETS) {
        assertFalse(line.contains(s), "logged: " + line);
      }
    }
  }

  @Test
  void anotherNodeDropsItsCopyOnTheChangeEvent() throws Exception {
    AppConfig.NotifySettings base = TestNodes.config(TestNodes.env(pgUrl, env)).notifications();
    ChannelSettings other = new ChannelSettings(node.app().vertx(), node.app().pool(), node.app().events(), base);
    assertTrue(other.effective().await().settings().robots().stream().noneMatch(r -> r.name().equals("late")));
    assertEquals(200, put("robots/late", new JsonObject().put("kind", "feishu").put("scope", "station:2")
        .put("url", robot.url("/feishu"))).statusCode());
    boolean seen = false;
    for (int i = 0; i < 200 && !seen; i++) { // the event arrives asynchronously; well within the 30 s TTL
      seen = other.effective().await().settings().robots().stream().anyMatch(r -> r.name().equals("late"));
      if (!seen) {
        Thread.sleep(25);
      }
    }
    assertTrue(seen, "the other copy was dropped by the event, not by its TTL");
    // events fan out to a robot saved on the page too, on every node, not only to the environment's
    assertEquals(200, put("robots/unitbot", new JsonObject().put("kind", "wecom").put("scope", "district:110101001001")
        .put("url", robot.url("/unitbot"))).statusCode());
    boolean queued = false;
    for (int i = 0; i < 200 && !queued; i++) {
      Notice issued = Notices.reportIssued(990000 + i, "110101001001", "东华门街道", "2026-11");
      node.app().pool().withTransaction(tx -> Outbox.queue(tx, issued)).await();
      queued = sql.count("SELECT count(*) FROM outbox WHERE channel = 'robot' AND dedupe_key LIKE '%robot:unitbot'") > 0;
      if (!queued) {
        Thread.sleep(25);
      }
    }
    assertTrue(queued, "a unit's event reaches the robot saved on the channel page for that unit");
    assertEquals(200, api.call("DELETE", "/api/v1/admin/notification-channels/robots/unitbot", admin, null).statusCode());
    assertEquals(200, api.call("DELETE", "/api/v1/admin/notification-channels/robots/late", admin, null).statusCode());
  }

  @Test
  void aMissingOrOtherKeyIsNamedAndItsChannelsStayOff() throws Exception {
    assertEquals(200, put("robots/keyed", new JsonObject().put("kind", "wecom").put("scope", "station:3")
        .put("url", robot.url("/keyed?key=" + ROBOT_KEY))).statusCode());
    JsonObject ready = Http.json(api.get("/ready", null)).getJsonObject("notifications");
    assertEquals("ok", ready.getJsonObject("settings").getString("secretKey"));
    assertTrue(ready.getJsonObject("channels").getJsonArray("robots").contains("keyed"), ready.encode());

    for (String key : List.of("", SecretBoxTest.newKey(), "short")) {
      Map<String, String> e = new HashMap<>(env);
      e.put("YISHI_SECRET_KEY", key);
      AppConfig.NotifySettings base = TestNodes.config(TestNodes.env(pgUrl, e)).notifications();
      ChannelSettings keyless = new ChannelSettings(node.app().vertx(), node.app().pool(), node.app().events(), base);
      JsonObject detail = keyless.readyDetail(java.time.Instant.now()).await();
      String problems = detail.getJsonObject("settings").getJsonArray("problems").encode();
      assertTrue(problems.contains("the stored robot keyed settings are off"), problems);
      assertTrue(key.isEmpty() ? problems.contains("YISHI_SECRET_KEY is not set")
          : key.equals("short") ? problems.contains("YISHI_SECRET_KEY is malformed") : problems.contains("do not decrypt"), problems);
      assertFalse(detail.getJsonObject("channels").getJsonArray("robots").contains("keyed"), "not sent with garbage");
      DeliveryService d = new DeliveryService(node.app().vertx(), node.app().pool(), base, java.time.Instant::now,
          AppConfig.DEFAULT_ZONE, () -> keyless.effective().map(ChannelSettings.Effective::settings));
      d.refresh().await();
      assertTrue(d.robots().stream().noneMatch(r -> r.name().equals("keyed")));
      d.close();
      if (key.length() < 40) { // no usable key: a secret cannot be saved
        var refused = assertThrows(Exception.class, () -> keyless.save(admin(), "email", email(PASSWORD)).await());
        assertTrue(refused instanceof AppException a && a.fields().get("password").key().equals("field.channel.secretKey"), refused.toString());
      }
    }

    // on this node: a stored secret that does not decrypt is named on the page and in /ready
    sql.update("UPDATE notify_channel SET secrets = jsonb_set(secrets, '{url}', to_jsonb(?::text)) WHERE name = 'robot:keyed'",
        SecretBox.of(SecretBoxTest.newKey()).encrypt("http://127.0.0.1:9/garbage"));
    Browser page = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    String html = page.get("/admin/notifications/channels").body();
    assertTrue(html.contains("the stored robot keyed settings are off: the stored secrets do not decrypt with YISHI_SECRET_KEY"), html);
    JsonObject after = Http.json(api.get("/ready", null)).getJsonObject("notifications");
    assertFalse(after.getJsonObject("channels").getJsonArray("robots").contains("keyed"), after.encode());
    assertEquals(200, api.call("DELETE", "/api/v1/admin/notification-channels/robots/keyed", admin, null).statusCode());
  }

  private static Principal admin() {
    return node.accounts().store().byId((Long) sql.value("SELECT id FROM account WHERE username = 'admin'")).await().principal();
  }
}
