package org.yishi.fault;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yishi.support.LocalGateway;
import org.yishi.support.NodeProcess;
import org.yishi.support.RobotFormats;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes (separate processes) drain a burst of queued messages to an SMTP server and a WeCom
 * robot in this JVM; the node that is sending is SIGKILLed mid-burst. Every message must arrive
 * (none lost); a message the gateway accepted before the killed node could commit is sent again by
 * another node, with the same Message-ID (or, for the robot, the same text), so repeats are counted
 * at the receivers: they may not exceed the messages the killed node had in flight (one claimed batch,
 * {@code YISHI_NOTIFY_BATCH}). Figures go to {@code target/fault/notify-burst.json} and the log;
 * docs/notifications.md quotes a run.
 */
@Tag("fault")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NotificationBurstKillTest {
  private static final int MAILS = 400;
  private static final int ROBOT = 20; // one minute of a WeCom robot's rate limit
  private static final int BATCH = 25;
  private static final Duration START_LIMIT = Duration.ofSeconds(180);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<NodeProcess> NODES = new ArrayList<>();
  /** What this test started, ended in reverse order (node processes first). */
  private static final java.util.Deque<AutoCloseable> CLOSING = new java.util.ArrayDeque<>();
  private static GreenMail smtp;
  private static LocalGateway robot;

  @AfterAll
  static void stop() throws Exception {
    while (!CLOSING.isEmpty()) {
      CLOSING.pop().close();
    }
  }

  @Test
  void aNodeKilledMidBurstLosesNothingAndItsRepeatsAreCounted() throws Exception {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    Sql sql = new Sql(pgUrl);
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    CLOSING.push(smtp::stop);
    robot = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    CLOSING.push(robot::close);
    List<Map<String, String>> envs = TestNodes.clusterEnvs(pgUrl, 3, Map.of(
        "YISHI_SMTP_HOST", "127.0.0.1", "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org",
        "YISHI_ROBOTS", "burst-wecom|wecom|district:220802000000|" + robot.url("/cgi-bin/webhook/send?key=burst"),
        "YISHI_SCHEDULER_INTERVAL_SECONDS", "1", "YISHI_NOTIFY_BATCH", String.valueOf(BATCH), "YISHI_PG_POOL_SIZE", "6"));
    for (int i = 0; i < 3; i++) {
      NodeProcess n = NodeProcess.node("notify-node" + (i + 1), envs.get(i));
      NODES.add(n);
      CLOSING.push(n::destroy);
      n.start();
    }
    Map<String, NodeProcess> byId = new HashMap<>();
    for (NodeProcess n : NODES) {
      n.awaitReady(3, START_LIMIT);
      HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(n.baseUrl() + "/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      byId.put(new JsonObject(ready.body()).getJsonObject("cluster").getString("nodeId"), n);
    }

    // the morning burst, queued at once
    sql.update("""
        INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
        SELECT 'email', 'p' || i || '@example.org', '议事提醒 ' || i, '早间提醒 ' || i, 'burst:mail:' || i, 'meeting_reminder', 'zh-CN'
          FROM generate_series(1, ?) i""", MAILS);
    sql.update("""
        INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
        SELECT 'robot', 'burst-wecom', '议事提醒', '群提醒 #' || i || '#', 'burst:robot:' || i, 'meeting_reminder', 'zh-CN'
          FROM generate_series(1, ?) i""", ROBOT);
    int total = MAILS + ROBOT;

    // mid-burst: once a quarter is sent, the node that is sending (the last row's sent_by) is SIGKILLed at
    // the worst moment seen: while the receivers have accepted messages its transaction has not committed
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long sentAtKill;
    while ((sentAtKill = sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")) < total / 4) {
      assertTrue(System.nanoTime() < until, "the burst did not start: " + sentAtKill + " sent");
      Thread.sleep(20);
    }
    String sender = (String) sql.value("SELECT sent_by FROM outbox WHERE sent_at IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT 1");
    NodeProcess victim = byId.get(sender);
    assertTrue(victim != null, "sent by an unknown node " + sender + " (known: " + byId.keySet() + ")");
    long aim = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    long inFlight = 0;
    while (System.nanoTime() < aim && sentAtKill < total - BATCH) {
      sentAtKill = sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL");
      inFlight = smtp.getReceivedMessages().length + robot.accepted().size() - sentAtKill;
      if (inFlight > 0) {
        break;
      }
    }
    victim.kill();
    long killedAt = System.nanoTime();

    // the others finish the burst
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") < total) {
      assertTrue(System.nanoTime() < until, "not all sent after the kill: "
          + sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") + " of " + total);
      Thread.sleep(200);
    }
    double recoverySeconds = (System.nanoTime() - killedAt) / 1e9;

    // what the receivers got, by key: e-mails by Message-ID (the dedupe key, ':' written as '.'), robot texts by their number
    Map<String, Integer> received = new TreeMap<>();
    for (MimeMessage m : smtp.getReceivedMessages()) {
      String id = m.getMessageID();
      received.merge(id.substring(1, id.indexOf('@')).replace('.', ':'), 1, Integer::sum);
    }
    for (LocalGateway.Received r : robot.accepted()) {
      RobotFormats.assertWeCom(r, "burst");
      String text = RobotFormats.textOf(r);
      received.merge("burst:robot:" + text.substring(text.indexOf('#') + 1, text.lastIndexOf('#')), 1, Integer::sum);
    }
    List<String> lost = new ArrayList<>();
    for (int i = 1; i <= MAILS; i++) {
      if (!received.containsKey("burst:mail:" + i)) {
        lost.add("burst:mail:" + i);
      }
    }
    for (int i = 1; i <= ROBOT; i++) {
      if (!received.containsKey("burst:robot:" + i)) {
        lost.add("burst:robot:" + i);
      }
    }
    int repeats = received.values().stream().mapToInt(v -> v - 1).sum();
    JsonObject result = new JsonObject().put("messages", total).put("batch", BATCH).put("sentBeforeKill", sentAtKill)
        .put("acceptedNotCommittedAtKill", Math.max(0, inFlight)).put("killed", victim.name()).put("lost", lost.size())
        .put("repeats", repeats).put("repeated", new io.vertx.core.json.JsonArray(received.entrySet().stream()
            .filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList()))
        .put("secondsToFinishAfterKill", Math.round(recoverySeconds * 10) / 10.0);
    Path out = Path.of("target", "fault", "notify-burst.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, result.encodePrettily());
    System.out.println("notification burst with a SIGKILL: " + result.encode());

    assertEquals(List.of(), lost, "every message delivered");
    assertEquals(0L, sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR failed_at IS NOT NULL"));
    assertTrue(repeats <= BATCH, "repeats " + repeats + " ≤ the killed node's batch in flight (" + BATCH + ")");
    for (Map.Entry<String, Integer> e : received.entrySet()) {
      assertTrue(e.getKey().startsWith("burst:"), "nothing but the burst: " + e.getKey());
    }
  }
}
