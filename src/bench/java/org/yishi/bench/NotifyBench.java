package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.WebClient;
import org.yishi.notify.EmailChannel;
import org.yishi.notify.Outgoing;
import org.yishi.platform.config.AppConfig;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 8. notify: a morning burst of reminders queued in the outbox at once (one transaction, as the
 * reminders job queues a morning's worth), drained by node 1's delivery job to an SMTP sink and robot
 * endpoints in this JVM; messages per second, queue-to-acceptance latency p50/p99 (the sink's
 * acceptance time minus the row's {@code created_at}), node 1's peak heap; beside a ceiling: the same
 * messages sent straight through the mail client (and a web client for the robots) from here.
 * The node was started by bench.sh with this JVM's ports as its channels.
 */
final class NotifyBench {
  private static final Pattern KEY = Pattern.compile("#(bench:[A-Za-z0-9:-]+)#");

  private NotifyBench() {
  }

  /** Acceptance times by key ({@code bench.RUN.mail.N}), epoch milliseconds (the first acceptance; repeats counted apart). */
  static final class Receipts {
    final Map<String, Long> first = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicInteger repeats = new java.util.concurrent.atomic.AtomicInteger();

    void accept(String key) {
      if (!key.startsWith("bench.")) {
        return; // the node's own reminders for the data set's meetings, if any reach the sink
      }
      if (first.putIfAbsent(key, System.currentTimeMillis()) != null) {
        repeats.incrementAndGet();
      }
    }
  }

  /**
   * A minimal SMTP server (RFC 5321 commands a plain client uses: EHLO/HELO, MAIL, RCPT, DATA, RSET,
   * NOOP, QUIT; no TLS, no pipelining) that accepts every message and notes its Message-ID (the key).
   */
  static Future<NetServer> smtpSink(Vertx vertx, int port, Receipts receipts) {
    NetServer server = vertx.createNetServer();
    server.connectHandler(socket -> {
      boolean[] data = {false};
      String[] messageId = {null};
      socket.write("220 bench-sink ESMTP\r\n");
      RecordParser parser = RecordParser.newDelimited("\r\n", line -> {
        String l = line.toString(java.nio.charset.StandardCharsets.UTF_8);
        if (data[0]) {
          if (l.equals(".")) {
            data[0] = false;
            if (messageId[0] != null) {
              receipts.accept(messageId[0]);
            }
            messageId[0] = null;
            reply(socket, "250 2.0.0 queued");
          } else if (messageId[0] == null && l.regionMatches(true, 0, "Message-ID:", 0, 11) && l.indexOf('<') > 0) {
            messageId[0] = l.substring(l.indexOf('<') + 1, l.indexOf('@')); // the dedupe key, ':' written as '.'
          }
          return;
        }
        String verb = l.length() >= 4 ? l.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : l.toUpperCase(java.util.Locale.ROOT);
        switch (verb) {
          case "EHLO" -> reply(socket, "250-bench-sink\r\n250 8BITMIME");
          case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> reply(socket, "250 2.0.0 ok");
          case "DATA" -> {
            data[0] = true;
            reply(socket, "354 end with <CRLF>.<CRLF>");
          }
          case "QUIT" -> socket.write("221 2.0.0 bye\r\n").onComplete(v -> socket.close());
          default -> reply(socket, "502 5.5.2 not implemented");
        }
      });
      socket.handler(parser);
    });
    return server.listen(port, "127.0.0.1");
  }

  private static void reply(NetSocket socket, String text) {
    socket.write(text + "\r\n");
  }

  /** Robot webhooks ({@code /hook/N}): answer as WeCom does, note the key in the text. */
  static Future<HttpServer> robotSink(Vertx vertx, int port, Receipts receipts) {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      JsonObject text = buf.toJsonObject().getJsonObject("text", new JsonObject());
      Matcher m = KEY.matcher(text.getString("content", ""));
      if (m.find()) {
        receipts.accept(m.group(1).replace(':', '.'));
      }
      req.response().putHeader("Content-Type", "application/json").end("{\"errcode\":0,\"errmsg\":\"ok\"}");
    })).listen(port, "127.0.0.1");
  }

  static void run(Map<String, String> o, Path results) throws Exception {
    int messages = Integer.parseInt(o.getOrDefault("messages", "10000"));
    int robots = Integer.parseInt(o.getOrDefault("robots", "50"));
    int perRobot = Integer.parseInt(o.getOrDefault("per-robot", "4"));
    int smtpPort = Integer.parseInt(Bench.required(o, "smtp-port"));
    int robotPort = Integer.parseInt(Bench.required(o, "robot-port"));
    URI node = URI.create(Bench.required(o, "node"));
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(Bench.required(o, "pg"));
    String run = Long.toString(System.currentTimeMillis(), 36);
    int robotMessages = robots * perRobot;
    int mails = messages - robotMessages;
    Vertx vertx = Vertx.vertx();
    Receipts receipts = new Receipts();
    smtpSink(vertx, smtpPort, receipts).await();
    robotSink(vertx, robotPort, receipts).await();
    HttpBenchmarks.MemorySampler memory = new HttpBenchmarks.MemorySampler(vertx, node, Long.parseLong(Bench.required(o, "node-pid")));
    memory.start();

    // the burst: e-mails to coordinators and messages to the robots of the city's districts, in one transaction
    long t0;
    try (Connection c = jdbc.open()) {
      c.setAutoCommit(false);
      try (PreparedStatement st = c.prepareStatement("""
          INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
          SELECT 'email', 'coordinator' || i || '@example.org', '议事提醒：会议 ' || i,
                 '您好：明天上午九点召开协商会议，请做好准备。#bench:' || ? || ':mail:' || i || '#', 'bench:' || ? || ':mail:' || i,
                 'meeting_reminder', 'zh-CN' FROM generate_series(1, ?) i
          UNION ALL
          SELECT 'robot', 'bench-robot-' || (1 + i % ?), '议事提醒', '【议事提醒】明天上午九点召开协商会议。#bench:' || ? || ':robot:' || i || '#',
                 'bench:' || ? || ':robot:' || i, 'meeting_reminder', 'zh-CN' FROM generate_series(1, ?) i""")) {
        st.setString(1, run);
        st.setString(2, run);
        st.setInt(3, mails);
        st.setInt(4, robots);
        st.setString(5, run);
        st.setString(6, run);
        st.setInt(7, robotMessages);
        st.executeUpdate();
      }
      c.commit();
    }
    try (Connection c = jdbc.open(); PreparedStatement st = c.prepareStatement(
        "SELECT (extract(epoch FROM min(created_at)) * 1000)::bigint FROM outbox WHERE dedupe_key LIKE ?")) {
      st.setString(1, "bench:" + run + ":%");
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        t0 = rs.getLong(1);
      }
    }
    System.out.println("   queued " + messages + " messages (" + mails + " e-mails, " + robotMessages + " to " + robots + " robots)");
    long limit = System.currentTimeMillis() + Long.parseLong(o.getOrDefault("limit-seconds", "600")) * 1000;
    while (receipts.first.size() < messages && System.currentTimeMillis() < limit) {
      Thread.sleep(100);
    }
    memory.stop();
    int got = receipts.first.size();
    long[] latencies = receipts.first.values().stream().mapToLong(t -> Math.max(0, t - t0)).sorted().toArray();
    long last = latencies.length == 0 ? 0 : latencies[latencies.length - 1];
    double rate = last == 0 ? 0 : got * 1000.0 / last;
    System.out.println("   accepted " + got + " in " + last + " ms (" + Math.round(rate) + " messages/s), repeats " + receipts.repeats.get());

    // the ceiling: the same messages straight through the clients, 64 in flight, nothing queued or recorded
    double ceiling = ceiling(vertx, robotPort, robots, mails, robotMessages, run, smtpPort, receipts);
    JsonObject e = Results.entry("notify_burst", "a burst of " + messages + " reminders (" + mails + " e-mails, " + robotMessages
        + " robot messages to " + robots + " robots) queued at once, drained by node 1 (YISHI_NOTIFY_BATCH "
        + o.getOrDefault("batch", "?") + ", scheduler every " + o.getOrDefault("interval", "?") + " s) to an SMTP sink and robot"
        + " endpoints in the bench JVM: " + got + " accepted, " + receipts.repeats.get() + " repeats", rate, "messages/s");
    e.put("latency_p50_ms", percentile(latencies, 0.50)).put("latency_p99_ms", percentile(latencies, 0.99))
        .put("accepted", got).put("peak_heap_mib", Math.round(memory.peakHeapMiB()));
    e.put("what", e.getString("what") + "; queue-to-acceptance p50 " + percentile(latencies, 0.50) + " ms, p99 "
        + percentile(latencies, 0.99) + " ms; node 1 peak heap " + Math.round(memory.peakHeapMiB()) + " MiB");
    Results.ceiling(e, "the same messages sent straight through the mail client (and a web client for the robots), 64 at once",
        ceiling, "messages/s", true);
    Results.target(e, "every message accepted, none twice", got == messages && receipts.repeats.get() == 0);
    Results.add(results, e);
    vertx.close().await();
  }

  private static double ceiling(Vertx vertx, int robotPort, int robots, int mails, int robotMessages, String run, int smtpPort,
                                Receipts measured) throws Exception {
    EmailChannel mail = new EmailChannel(vertx, new AppConfig.Smtp("127.0.0.1", smtpPort, "none", "", "", "bench@example.org"), 30);
    WebClient web = WebClient.create(vertx);
    Semaphore inFlight = new Semaphore(64);
    List<Future<?>> all = new ArrayList<>();
    long start = System.currentTimeMillis();
    int before = measured.first.size();
    for (int i = 1; i <= mails + robotMessages; i++) {
      inFlight.acquire();
      Future<?> f;
      if (i <= mails) {
        String key = "bench:" + run + ":ceiling:mail:" + i;
        f = mail.send(new Outgoing(i, "email", "coordinator" + i + "@example.org", "议事提醒：会议 " + i,
            "您好：明天上午九点召开协商会议，请做好准备。#" + key + "#", key, null, "zh-CN", "meeting_reminder"));
      } else {
        String key = "bench:" + run + ":ceiling:robot:" + i;
        f = web.postAbs("http://127.0.0.1:" + robotPort + "/hook/" + (1 + i % robots))
            .sendJsonObject(new JsonObject().put("msgtype", "text").put("text",
                new JsonObject().put("content", "【议事提醒】明天上午九点召开协商会议。#" + key + "#")));
      }
      all.add(f.onComplete(x -> inFlight.release()));
    }
    Future.join(new ArrayList<>(all)).otherwiseEmpty().await();
    long ms = Math.max(1, System.currentTimeMillis() - start);
    mail.close().await();
    web.close();
    int sent = measured.first.size() - before;
    System.out.println("   ceiling: " + sent + " straight through the clients in " + ms + " ms");
    return sent * 1000.0 / ms;
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

}
