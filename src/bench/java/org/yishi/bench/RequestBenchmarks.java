package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Residents' requests (docs/requests.md, docs/benchmarks.md): a city-wide campaign — residents open
 * the public form of a random active station and send it, {@code per-minute} of them (default
 * 1,000) paced evenly, each from its own address (forwarded by the trusted proxy 127.0.0.1, so the
 * per-address limit applies to each as to a real resident and nothing is raised for the benchmark),
 * every other one leaving a mobile number (a text message queued with the request) — sustained for
 * {@code requests-seconds}; then every tracking code answered is looked up (none lost), and the
 * public status page is read by 64 connections at once.
 */
final class RequestBenchmarks {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final Pattern TOKEN = Pattern.compile("name=\"submitToken\" value=\"([^\"]+)\"");
  private static final Pattern CODE = Pattern.compile("code=([0-9A-Z]{20})");
  private static final int STATUS_USERS = 64;

  private RequestBenchmarks() {
  }

  static void run(Map<String, String> o, Path results) throws Exception {
    URI node = URI.create(Bench.required(o, "nodes").split(",")[0]);
    Load.checkLoopback(node.getHost());
    int perMinute = Integer.parseInt(o.getOrDefault("per-minute", "1000"));
    Duration warmup = Bench.seconds(o, "warmup", 3);
    Duration window = Bench.seconds(o, "requests-seconds", 60);
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(Bench.required(o, "pg"));
    List<Long> active = new ArrayList<>();
    List<String> categories = new ArrayList<>();
    long lastIdBefore;
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT id FROM station WHERE status = 'active' ORDER BY id")) {
        while (r.next()) {
          active.add(r.getLong(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT key FROM topic_category WHERE active ORDER BY key")) {
        while (r.next()) {
          categories.add(r.getString(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT coalesce(max(id), 0) FROM resident_request")) {
        r.next();
        lastIdBefore = r.getLong(1);
      }
    }
    if (active.isEmpty() || categories.isEmpty()) {
      throw new IllegalStateException("no active stations or categories: generate the data set first");
    }
    Vertx vertx = Vertx.vertx();
    try {
      Queue<String> codes = new ConcurrentLinkedQueue<>();
      AtomicLong accepted = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      AtomicLong slots = new AtomicLong();
      long intervalNanos = 60_000_000_000L / perMinute;
      long start = System.nanoTime();
      // enough residents at once that a slow answer never holds the next one back
      int users = Math.max(16, perMinute / 30);
      // addresses and numbers of this run's residents start at a random point: runs within the hour
      // (or the day, for numbers) do not meet each other's limit counters
      long base = ThreadLocalRandom.current().nextLong(1L << 24);
      Load.Result campaign = Load.run(vertx, new Load.Options(users, warmup, window, 0, 2, true), client -> (meter, user) -> {
        long slot = slots.getAndIncrement();
        long waitMs = (start + slot * intervalNanos - System.nanoTime()) / 1_000_000;
        Promise<Void> due = Promise.promise();
        if (waitMs > 0) {
          vertx.setTimer(waitMs, t -> due.complete());
        } else {
          due.complete();
        }
        long station = active.get(ThreadLocalRandom.current().nextInt(active.size()));
        String category = categories.get((int) (slot % categories.size()));
        return due.future().compose(v -> submit(client, meter, node, slot, base + slot, station, category))
            .andThen(ar -> {
              if (ar.succeeded()) {
                codes.add(ar.result());
                accepted.incrementAndGet();
              } else {
                refused.incrementAndGet();
              }
            });
      });
      // none lost: every tracking code answered names a stored request, and nothing else was stored
      long stored;
      long found;
      try (Connection c = jdbc.open()) {
        try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM resident_request WHERE id > ?")) {
          p.setLong(1, lastIdBefore);
          try (ResultSet r = p.executeQuery()) {
            r.next();
            stored = r.getLong(1);
          }
        }
        Array all = c.createArrayOf("text", codes.toArray());
        try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM resident_request WHERE tracking_code = ANY(?)")) {
          p.setArray(1, all);
          try (ResultSet r = p.executeQuery()) {
            r.next();
            found = r.getLong(1);
          }
        }
      }
      long lost = accepted.get() - found;
      double ratePerMinute = campaign.requests().rate() * 60;
      JsonObject e = Results.entry("requests_campaign", "POST /r/submit after GET /r/{station}: " + perMinute
              + " residents a minute paced evenly over " + active.size() + " active stations, each from its own address, "
              + "every other one with a mobile number; " + window.toSeconds() + " s measured", ratePerMinute, "submissions/min");
      e.put("latency", campaign.requests().toJson());
      e.put("submitted", accepted.get() + refused.get()).put("accepted", accepted.get()).put("refused", refused.get())
          .put("stored", stored).put("codes_found", found).put("lost", lost);
      if (campaign.firstError() != null) {
        e.put("first_error", campaign.firstError());
      }
      boolean met = lost == 0 && stored == accepted.get() && refused.get() == 0 && campaign.requests().p99() <= 200
          && ratePerMinute >= perMinute * 0.95;
      Results.target(e, "sustained " + perMinute + "/min, p99 ≤ 200 ms, none lost", met);
      Results.add(results, e);

      // the public status page: 64 connections reading random codes of the campaign
      List<String> known = new ArrayList<>(codes);
      if (known.isEmpty()) {
        throw new IllegalStateException("the campaign stored no request: " + campaign.firstError());
      }
      Duration statusWindow = Bench.seconds(o, "duration", 10);
      // beside it, in the same minute: the same connections asking for no work at all
      Load.Result health = Load.run(vertx, new Load.Options(STATUS_USERS, warmup, statusWindow, 0, 2), client -> (meter, user) ->
          meter.time(client.get(node.getPort(), node.getHost(), "/health").send(), 200));
      java.util.function.Function<io.vertx.ext.web.client.WebClient, Load.Op> statusPage = client -> (meter, user) ->
          meter.time(client.get(node.getPort(), node.getHost(), "/r/track?code="
              + known.get(ThreadLocalRandom.current().nextInt(known.size()))).send(), 200);
      Load.Result status = Load.run(vertx, new Load.Options(STATUS_USERS, warmup, statusWindow, 0, 2), statusPage);
      JsonObject s = Results.entry("requests_status", "GET /r/track?code=… (the public status page, a random code of the "
          + known.size() + " just sent), " + STATUS_USERS + " connections", status.requests().rate(), "req/s");
      s.put("latency", status.requests().toJson());
      if (status.firstError() != null) {
        s.put("first_error", status.firstError());
      }
      Results.ceiling(s, "GET /health (no work), " + STATUS_USERS + " connections, p99 " + health.requests().p99() + " ms",
          health.requests().rate(), "req/s", true);
      Results.target(s, "p99 ≤ 50 ms", status.requests().errors() == 0 && status.requests().p99() <= 50);
      StatusPageCpu.measure(o, s, () -> Load.run(vertx, new Load.Options(STATUS_USERS, Duration.ZERO, StatusPageCpu.seconds(o),
          Long.MAX_VALUE, 2, true), statusPage));
      Results.add(results, s);
    } finally {
      vertx.close().await();
    }
  }

  /** One resident: opens the station's form (its session, CSRF and one-time token), sends it; answers the tracking code. */
  private static Future<String> submit(WebClient client, Load.Meter meter, URI node, long slot, long resident, long station,
                                       String category) {
    String address = "10." + ((resident >> 16) & 255) + "." + ((resident >> 8) & 255) + "." + (resident & 255);
    return client.get(node.getPort(), node.getHost(), "/r/" + station).putHeader("X-Forwarded-For", address).send()
        .compose(form -> {
          Matcher csrf = CSRF.matcher(form.bodyAsString());
          Matcher token = TOKEN.matcher(form.bodyAsString());
          if (form.statusCode() != 200 || !csrf.find() || !token.find()) {
            return Future.failedFuture("GET /r/" + station + ": HTTP " + form.statusCode() + " " + Load.truncate(form.bodyAsString()));
          }
          StringBuilder cookies = new StringBuilder();
          for (String c : form.cookies()) {
            cookies.append(cookies.length() == 0 ? "" : "; ").append(c, 0, c.contains(";") ? c.indexOf(';') : c.length());
          }
          MultipartForm body = MultipartForm.create().attribute("_csrf", csrf.group(1)).attribute("submitToken", token.group(1))
              .attribute("station", String.valueOf(station)).attribute("category", category)
              .attribute("description", "第" + slot + "号：小区路灯不亮、楼道堆物，请尽快处理。")
              .attribute("place", "幸福小区" + (slot % 40 + 1) + "号楼");
          if (slot % 2 == 0) {
            body.attribute("phone", "139" + String.format("%08d", resident % 100_000_000));
          }
          return meter.time(client.post(node.getPort(), node.getHost(), "/r/submit").followRedirects(false)
              .putHeader("X-Forwarded-For", address)
              .putHeader("Cookie", cookies.toString()).sendMultipartForm(body), 303);
        })
        .compose(r -> {
          Matcher m = CODE.matcher(r.getHeader("Location") == null ? "" : r.getHeader("Location"));
          return m.find() ? Future.succeededFuture(m.group(1)) : Future.failedFuture("no tracking code in " + r.getHeader("Location"));
        });
  }
}
