package org.yishi.meeting;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.yishi.support.Api;
import org.yishi.support.LocalGateway;
import org.yishi.support.MovableClock;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real members on 127.0.0.1 sharing one database: simultaneous bookings on two nodes, and
 * reminders run by every node's scheduler under a moved clock, each created and sent exactly once.
 */
class MeetingClusterTest {
  private static final MovableClock CLOCK = new MovableClock();
  private static final List<Node> NODES = new ArrayList<>();
  private static GreenMail smtp;
  private static LocalGateway sms;
  private static String pgUrl;
  private static AccountFixtures f;

  @BeforeAll
  static void start() {
    pgUrl = TestPostgres.freshDatabaseUrl();
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    sms = new LocalGateway("{\"ok\":true}");
    Map<String, String> shared = Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "1",
        "YISHI_SMTP_HOST", "127.0.0.1", "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SMS_URL", sms.url("/sms"));
    for (Map<String, String> env : TestNodes.clusterEnvs(pgUrl, 3, shared)) {
      NODES.add(TestNodes.start(env, CLOCK));
    }
    f = AccountFixtures.create(NODES.get(0));
  }

  @AfterAll
  static void stop() {
    NODES.forEach(Node::close);
    if (smtp != null) {
      smtp.stop();
    }
    if (sms != null) {
      sms.close();
    }
  }

  private static String header(jakarta.mail.internet.MimeMessage m, String name) {
    try {
      String v = m.getHeader(name, null);
      return v == null ? "" : v;
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(String sql) throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonObject meeting(long topic, OffsetDateTime start) {
    return new JsonObject().put("topicId", topic).put("startsAt", start.toString()).put("endsAt", start.plusHours(2).toString())
        .put("venue", "会议室").put("format", "on_site").put("kind", "grassroots");
  }

  @Test
  void simultaneousBookingsOnTwoNodesCannotBothSucceed() throws Exception {
    long topic = AccountFixtures.approvedTopic(NODES.get(0), f.stations.get(AccountFixtures.TUANJIE), "同时预约");
    Api a = new Api(NODES.get(0).baseUrl());
    Api b = new Api(NODES.get(1).baseUrl());
    String ta = a.token("admin", TestNodes.ADMIN_PASSWORD);
    String tb = b.token("admin", TestNodes.ADMIN_PASSWORD);
    for (int round = 0; round < 10; round++) {
      OffsetDateTime start = OffsetDateTime.now().plusDays(60 + round).withHour(9).withMinute(0).withSecond(0).withNano(0);
      CompletableFuture<HttpResponse<String>> fromA = CompletableFuture.supplyAsync(() ->
          a.call("POST", "/api/v1/meetings", ta, meeting(topic, start).encode()));
      CompletableFuture<HttpResponse<String>> fromB = CompletableFuture.supplyAsync(() ->
          b.call("POST", "/api/v1/meetings", tb, meeting(topic, start.plusMinutes(30)).encode()));
      List<Integer> statuses = new ArrayList<>(List.of(fromA.get().statusCode(), fromB.get().statusCode()));
      statuses.sort(Integer::compareTo);
      assertEquals(List.of(201, 409), statuses, "round " + round);
    }
    assertEquals(10, count("SELECT count(*) FROM meeting WHERE topic_id = " + topic));
  }

  @Test
  void remindersAreCreatedAndSentExactlyOnceAcrossTheCluster() throws Exception {
    long topic = AccountFixtures.approvedTopic(NODES.get(0), f.stations.get(AccountFixtures.HAIMING), "提醒测试");
    NODES.get(0).app().pool().query("UPDATE member SET phone = '13900000002' WHERE id = " + f.taobeiMember).execute().await();
    OffsetDateTime start = OffsetDateTime.now().plusDays(5).withHour(9).withMinute(0).withSecond(0).withNano(0);
    Api api = new Api(NODES.get(2).baseUrl());
    JsonObject body = meeting(topic, start).put("memberIds", new io.vertx.core.json.JsonArray().add(f.taobeiMember))
        .put("participants", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("role", "responder").put("name", "区住建局").put("contact", "13800000003"))
            .add(new JsonObject().put("role", "expert_resident").put("name", "张教授").put("contact", "zhang@example.edu.cn"))
            .add(new JsonObject().put("role", "host").put("name", "街道").put("contact", "0436-1234567"))); // a landline: not messaged
    HttpResponse<String> created = api.call("POST", "/api/v1/meetings", api.token("d1", AccountFixtures.PASSWORD), body.encode());
    assertEquals(201, created.statusCode(), created.body());
    String key = "reminder:" + new JsonObject(created.body()).getLong("id") + ":";

    // 71 hours before: the 3-day reminder is due; every node's scheduler ticks each second
    CLOCK.now = start.toInstant().minus(Duration.ofHours(71));
    awaitCount("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND dedupe_key LIKE '" + key + "72h%'", 3);
    // and a few extra runs on all nodes at once change nothing
    for (Node n : NODES) {
      new ReminderService(n.app().pool(), n.app().config().reminderLeads(), Duration.ofDays(2), "http://127.0.0.1", List.of(), n.app().config().zone())
          .runOnce(CLOCK.now).await();
    }
    assertEquals(2, count("SELECT count(*) FROM notification WHERE dedupe_key LIKE '" + key + "72h%'"),
        "the coordinator (c1) and the district staff (d1), once each");

    // 23 hours before: the 1-day reminder
    CLOCK.now = start.toInstant().minus(Duration.ofHours(23));
    awaitCount("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND dedupe_key LIKE '" + key + "24h%'", 3);
    Thread.sleep(2_500); // more ticks on every node
    assertEquals(4, count("SELECT count(*) FROM notification WHERE dedupe_key LIKE '" + key + "%'"));
    assertEquals(6, count("SELECT count(*) FROM outbox WHERE dedupe_key LIKE '" + key + "%'"),
        "the member, the department (SMS) and the expert (e-mail), twice; the landline host is not messaged");
    assertEquals(2, count("SELECT count(*) FROM outbox WHERE channel = 'email' AND dedupe_key LIKE '" + key + "%'"));
    assertEquals(0, count("SELECT count(*) FROM outbox WHERE attempts <> 1 AND dedupe_key LIKE '" + key + "%'"), "each sent once");
    assertEquals(0, count("SELECT count(*) FROM outbox WHERE (sent_by IS NULL OR gateway_reply IS NULL) AND dedupe_key LIKE '" + key + "%'"));
    long texts = sms.accepted().stream().filter(r -> r.body().getString("key").startsWith(key)).count();
    assertEquals(4, texts, "each SMS handed to the SMS gateway once, by whichever node sent it");
    String messageIdPart = key.replace(':', '.');
    long mails = java.util.Arrays.stream(smtp.getReceivedMessages())
        .filter(m -> header(m, "Message-ID").contains(messageIdPart)).count();
    assertEquals(2, mails, "each e-mail received by the SMTP server once");

    String coordinator = new Api(NODES.get(1).baseUrl()).token("c1", AccountFixtures.PASSWORD);
    JsonObject mine = new JsonObject(new Api(NODES.get(1).baseUrl()).get("/api/v1/notifications", coordinator).body());
    assertEquals(2, mine.getJsonArray("items").stream().filter(o -> ((JsonObject) o).getString("title").equals("提醒测试")).count());
  }

  private static void awaitCount(String sql, long expected) throws Exception {
    long last = -1;
    for (int i = 0; i < 40; i++) {
      last = count(sql);
      if (last == expected) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("expected " + expected + " from " + sql + ", last " + last);
  }
}
