package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP benchmarks, each beside its ceiling or floor measured in the same run: read path (roll-ups
 * vs {@code GET /health} and the naive SQL), the dashboard page, the write path (a meeting's record
 * and 3 outcomes through the API vs the same rows through a pool), report generation, memory of the
 * node under load; and, with several nodes, cluster scaling and cross-node freshness.
 */
final class HttpBenchmarks {
  private static final int HEALTH_AND_READ_USERS = 64;
  final Map<String, String> o;
  final Path results;
  final Vertx vertx;
  final List<URI> nodes;
  final Pool pool;
  private final Set<String> only;
  private final Duration warmup;
  private final Duration duration;
  final int users;
  private final YearMonth to;
  private final YearMonth from;
  private final String scale;
  String token;
  Units units;
  private List<long[]> fixture;
  private final AtomicInteger fixtureNext = new AtomicInteger();

  /** The units read: the district of the focus city with most stations, the city, and (national) the largest province. */
  record Units(String district, String districtName, String city, String cityName, String province, String provinceName) {
  }

  private HttpBenchmarks(Map<String, String> o, Path results) {
    this.o = o;
    this.results = results;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.parseInt(o.getOrDefault("client-threads", "1"))));
    this.nodes = new ArrayList<>();
    for (String n : Bench.required(o, "nodes").split(",")) {
      URI u = URI.create(n.trim());
      Load.checkLoopback(u.getHost());
      nodes.add(u);
    }
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(Bench.required(o, "pg"));
    Load.checkLoopback(jdbc.host());
    PgConnectOptions connect = new PgConnectOptions().setHost(jdbc.host()).setPort(jdbc.port()).setDatabase(jdbc.database())
        .setUser(jdbc.user());
    if (jdbc.password() != null) {
      connect.setPassword(jdbc.password());
    }
    connect.addProperty("application_name", "yishi-bench");
    // statements kept prepared as the product keeps them (the write ceiling's are marked as the product's are)
    Kept.apply(connect, true);
    this.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(Integer.parseInt(o.getOrDefault("pool", "16"))))
        .connectingTo(connect).using(vertx).build();
    String onlyList = o.getOrDefault("only", "");
    this.only = onlyList.isBlank() ? Set.of() : Set.of(onlyList.split(","));
    this.warmup = Bench.seconds(o, "warmup", 3);
    this.duration = Bench.seconds(o, "duration", 10);
    this.users = Integer.parseInt(o.getOrDefault("users", String.valueOf(HEALTH_AND_READ_USERS)));
    this.to = YearMonth.from(Bench.anchor(o));
    this.from = to.minusMonths(11);
    this.scale = o.getOrDefault("scale", "city");
  }

  static void run(Map<String, String> o, Path results, boolean cluster) throws Exception {
    HttpBenchmarks b = new HttpBenchmarks(o, results);
    try {
      b.token = b.signIn(b.nodes.get(0));
      b.units = b.units();
      b.settle();
      if (cluster) {
        b.cluster();
      } else {
        b.single();
      }
    } finally {
      b.pool.close().await();
      b.vertx.close().await();
    }
  }

  /**
   * Waits (at most a minute) until the nodes' database sessions are idle: right after a bulk load the
   * scheduler's first rounds (reminders, overdue escalation) scan the new rows, and a benchmark
   * started meanwhile would measure them.
   */
  private void settle() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    int quiet = 0;
    while (System.nanoTime() < deadline && quiet < 3) {
      long busy = pool.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'yishi' AND state <> 'idle'")
          .execute().await().iterator().next().getLong(0);
      quiet = busy == 0 ? quiet + 1 : 0;
      Thread.sleep(500);
    }
  }

  private boolean wanted(String name) {
    return only.isEmpty() || only.contains(name);
  }

  // ---------------------------------------------------------------- single node

  private void single() throws Exception {
    MemorySampler memory = null;
    if (o.containsKey("node-pid") && wanted("memory")) {
      memory = new MemorySampler(vertx, nodes.get(0), Long.parseLong(o.get("node-pid")));
      memory.start();
    }
    double health = 0;
    if (wanted("read") || wanted("dashboard") || wanted("home") || wanted("health")) {
      // a first, unrecorded pass: the load generator's own JIT warm-up would otherwise lower the ceiling
      Load.run(vertx, new Load.Options(users, Duration.ZERO, warmup, 0, 1), get(nodes, "/health", false));
      Load.Result r = load(users, get(nodes, "/health", false));
      health = r.requests().rate();
      JsonObject e = Results.entry("http_ceiling", "GET /health (no work), " + users + " connections", health, "req/s");
      e.put("latency", r.requests().toJson());
      Results.add(results, e);
      wrk("/health", "wrk_health", null);
    }
    if (wanted("read")) {
      readPath(health);
    }
    if (wanted("dashboard")) {
      dashboard(health);
    }
    if (wanted("home")) {
      HomeBenchmarks.run(this, health);
    }
    if (wanted("write")) {
      write(nodes, "write", "one node");
    }
    if (wanted("report")) {
      report();
    }
    if (wanted("attachments")) {
      attachments();
    }
    if (memory != null) {
      memory.stop();
      Results.add(results, memory.entry());
    }
  }

  private void readPath(double health) throws Exception {
    List<String[]> reads = new ArrayList<>();
    reads.add(new String[] {"rollup_district", units.district(), units.districtName(), "district"});
    reads.add(new String[] {"rollup_city", units.city(), units.cityName(), "city"});
    if (units.province() != null) {
      reads.add(new String[] {"rollup_province", units.province(), units.provinceName(), "province"});
    }
    for (String[] read : reads) {
      String path = rollupPath(read[1]);
      Load.Result r = load(users, get(nodes, path, true));
      Load.Result naive = naive(read[1]);
      JsonObject e = Results.entry(read[0], "GET /api/v1/stats/rollup " + read[3] + " " + read[2] + " (" + read[1] + "), "
          + from + ".." + to + ", " + users + " connections", r.requests().rate(), "req/s");
      e.put("latency", r.requests().toJson());
      if (r.firstError() != null) {
        e.put("first_error", r.firstError());
      }
      Results.ceiling(e, "GET /health", health, "req/s", true);
      Results.floor(e, "naive join + GROUP BY over raw rows, " + naive.ops().ops() + " queries", naive.ops().rate(), "q/s");
      e.getJsonObject("floor").put("latency", naive.ops().toJson());
      double times = naive.ops().rate() > 0 ? r.requests().rate() / naive.ops().rate() : 0;
      boolean met = r.requests().errors() == 0 && r.requests().p99() <= 50 && r.requests().rate() >= 2000 && times >= 50;
      Results.target(e, "p99 ≤ 50 ms, ≥ 2,000 req/s, ≥ 50x naive", met);
      Results.add(results, e);
      if (!read[3].equals("province")) {
        wrk(path, "wrk_rollup_" + read[3], null);
      }
    }
  }

  String rollupPath(String code) {
    return "/api/v1/stats/rollup?division=" + code + "&from=" + from + "&to=" + to;
  }

  /** The naive roll-up: join and GROUP BY over the raw meeting, record and outcome rows, per child unit. */
  static final String NAIVE_SQL = """
      WITH m AS (
        SELECT id, division_code, status, format FROM meeting
         WHERE division_code LIKE $1 || '%' AND starts_at >= $3 AND starts_at < $4)
      SELECT a.unit, a.held, a.not_held, a.cancelled, a.online, a.members, a.residents, a.departments, a.experts,
             a.suggestions, b.outcomes, b.answered, b.adopted, b.implemented, b.closed, b.satisfied, b.dissatisfied
        FROM (SELECT substr(m.division_code, 1, $2) AS unit,
                     count(*) FILTER (WHERE m.status = 'held') AS held,
                     count(*) FILTER (WHERE m.status = 'not_held') AS not_held,
                     count(*) FILTER (WHERE m.status = 'cancelled') AS cancelled,
                     count(*) FILTER (WHERE m.status = 'held' AND m.format <> 'on_site') AS online,
                     sum(r.attendance_members) AS members, sum(r.attendance_residents) AS residents,
                     sum(r.attendance_departments) AS departments, sum(r.attendance_experts) AS experts,
                     sum(r.suggestions_count) AS suggestions
                FROM m LEFT JOIN meeting_record r ON r.meeting_id = m.id GROUP BY 1) a
        LEFT JOIN (SELECT substr(m.division_code, 1, $2) AS unit, count(*) AS outcomes,
                          count(*) FILTER (WHERE o.status <> 'referred') AS answered,
                          count(*) FILTER (WHERE o.answer = 'adopted') AS adopted,
                          count(*) FILTER (WHERE o.status IN ('implemented', 'closed')) AS implemented,
                          count(*) FILTER (WHERE o.status = 'closed') AS closed,
                          count(*) FILTER (WHERE o.satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied,
                          count(*) FILTER (WHERE o.satisfaction = 'dissatisfied') AS dissatisfied
                     FROM m JOIN outcome o ON o.meeting_id = m.id GROUP BY 1) b ON b.unit = a.unit
       ORDER BY 1""";

  private Load.Result naive(String code) {
    String prefix = org.yishi.platform.security.Jurisdiction.prefixOf(code);
    int child = prefix.length() == 2 ? 4 : prefix.length() == 4 ? 6 : prefix.length() == 6 ? 9 : 12;
    OffsetDateTime start = from.atDay(1).atStartOfDay(Bench.SHANGHAI).toOffsetDateTime();
    OffsetDateTime end = to.plusMonths(1).atDay(1).atStartOfDay(Bench.SHANGHAI).toOffsetDateTime();
    Tuple args = Tuple.of(prefix, child, start, end);
    int concurrency = Integer.parseInt(o.getOrDefault("naive-connections", "4"));
    return Load.run(vertx, new Load.Options(concurrency, Duration.ofMillis(Math.min(1000, warmup.toMillis())), duration, 0, 1,
            true),
        client -> (meter, user) -> meter.timed(pool.preparedQuery(NAIVE_SQL).execute(args)));
  }

  private void dashboard(double health) throws Exception {
    String cookie = pageSession(nodes.get(0));
    String path = "/stats?division=" + units.district() + "&from=" + from + "&to=" + to;
    byte[] name = units.districtName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Load.Result r = load(users, (client) -> (meter, user) -> {
      URI n = nodes.get(user % nodes.size());
      return meter.time(client.get(n.getPort(), n.getHost(), path).putHeader("Cookie", cookie).send(), 200)
          .compose(resp -> Load.contains(resp.body(), name) ? Future.succeededFuture()
              : Future.failedFuture("the page does not name " + units.districtName()));
    });
    JsonObject e = Results.entry("dashboard_district", "GET " + path + " (HTML, signed-in session), " + users + " connections",
        r.ops().rate(), "pages/s");
    e.put("latency", r.requests().toJson());
    if (r.firstError() != null) {
      e.put("first_error", r.firstError());
    }
    Results.ceiling(e, "GET /health", health, "req/s", true);
    Results.target(e, "p99 ≤ 50 ms, ≥ 2,000 pages/s (the roll-up's target; the issue sets none)",
        r.ops().errors() == 0 && r.requests().p99() <= 50 && r.ops().rate() >= 2000);
    DashboardBenchmarks.run(this, path, cookie, e, health); // adds the CPU per page to e, and the gzip entry
    Results.add(results, e);
    wrk(path, "wrk_dashboard_district", cookie);
    wrk(path, "wrk_dashboard_district_gzip", cookie, "Accept-Encoding: gzip");
  }

  // ---------------------------------------------------------------- write path

  /** Scheduled meetings of the past with no record yet, in a fixed shuffled order (spread over stations). */
  private List<long[]> fixture() {
    if (fixture == null) {
      List<long[]> list = new ArrayList<>();
      pool.query("""
              SELECT m.id, extract(epoch FROM m.starts_at)::bigint, extract(epoch FROM m.ends_at)::bigint FROM meeting m
               WHERE m.status = 'scheduled' AND m.ends_at < now()
                 AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id) ORDER BY m.id""")
          .execute().await().forEach(r -> list.add(new long[] {r.getLong(0), r.getLong(1), r.getLong(2)}));
      java.util.Collections.shuffle(list, new Random(DataSet.SEED));
      fixture = list;
      System.out.println("[bench] write fixture: " + list.size() + " scheduled meetings without a record");
    }
    return fixture;
  }

  private long[] nextMeeting() {
    List<long[]> f = fixture();
    int i = fixtureNext.getAndIncrement();
    return i < f.size() ? f.get(i) : null;
  }

  private static JsonObject recordBody(long[] m) {
    return new JsonObject().put("held", true)
        .put("actualStart", OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(m[1]), Bench.SHANGHAI).toString())
        .put("actualEnd", OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(m[2]), Bench.SHANGHAI).toString())
        .put("attendance", new JsonObject().put("members", 3).put("residents", 24).put("departments", 2).put("experts", 1)
            .put("others", 2))
        .put("suggestionsCount", 5).put("consensus", true)
        .put("minutes", "居民代表、驻站委员和相关部门就议题充分协商，形成三项成果。");
  }

  private static final String[] FORMS = {"minutes", "suggestion_letter", "proposal"};

  private static JsonObject outcomeBody(int k, LocalDate due) {
    return new JsonObject().put("content", "协商成果 " + (k + 1) + "：加快推进老旧小区改造")
        .put("form", FORMS[k]).put("responsibleUnit", "区住建局").put("application", "纳入年度民生实事")
        .put("dueOn", due.toString());
  }

  /**
   * One write operation through the API: the record of a held meeting with its 3 outcomes, in one
   * request (one transaction; docs/meetings.md).
   */
  private java.util.function.Function<WebClient, Load.Op> writeOp(List<URI> targets) {
    LocalDate due = Bench.anchor(o).plusDays(60);
    return client -> (meter, user) -> {
      long[] m = nextMeeting();
      if (m == null) {
        return Future.failedFuture("the write fixture is used up");
      }
      URI n = targets.get(user % targets.size());
      JsonArray outcomes = new JsonArray();
      for (int k = 0; k < 3; k++) {
        outcomes.add(outcomeBody(k, due));
      }
      return meter.time(auth(client.put(n.getPort(), n.getHost(), "/api/v1/meetings/" + m[0] + "/record"))
          .sendJsonObject(recordBody(m).put("outcomes", outcomes)), 200);
    };
  }

  /**
   * The same rows as {@link #writeOp} (record, meeting status, 3 outcomes, histories, audit entries)
   * in the same one transaction, through a pool.
   */
  private java.util.function.Function<WebClient, Load.Op> ceilingOp() {
    LocalDate due = Bench.anchor(o).plusDays(60);
    return client -> (meter, user) -> {
      long[] m = nextMeeting();
      if (m == null) {
        return Future.failedFuture("the write fixture is used up");
      }
      JsonObject body = recordBody(m);
      OffsetDateTime start = OffsetDateTime.parse(body.getString("actualStart"));
      OffsetDateTime end = OffsetDateTime.parse(body.getString("actualEnd"));
      return meter.timed(pool.withTransaction(tx -> {
        Future<?> f = tx.preparedQuery(Kept.sql("""
                INSERT INTO meeting_record (meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members,
                       attendance_residents, attendance_departments, attendance_experts, attendance_others, minutes,
                       suggestions_count, consensus, filed_by)
                VALUES ($1, true, NULL, $2, $3, 3, 24, 2, 1, 2, $4, 5, true, 1) ON CONFLICT (meeting_id) DO NOTHING"""))
            .execute(Tuple.of(m[0], start, end, body.getString("minutes")))
            .compose(v -> tx.preparedQuery(Kept.sql("UPDATE meeting SET status = 'held', updated_at = now() WHERE id = $1"))
                .execute(Tuple.of(m[0])))
            .compose(v -> audit(tx, "record.file", "meeting", m[0], body));
        // the outcomes as the product writes them (issue 25): one INSERT with their history rows, the audit batch
        String[] content = new String[3];
        String[] form = new String[3];
        for (int k = 0; k < 3; k++) {
          content[k] = outcomeBody(k, due).getString("content");
          form[k] = outcomeBody(k, due).getString("form");
        }
        f = f.compose(v -> tx.preparedQuery(Kept.sql("""
                WITH o AS (
                  INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, application,
                                       due_on, created_by)
                  SELECT m.id, m.station_id, m.division_code, v.content, v.form, '区住建局', '纳入年度民生实事', $4, 1
                    FROM meeting m, unnest($2::text[], $3::text[]) WITH ORDINALITY AS v (content, form, i)
                   WHERE m.id = $1 ORDER BY v.i
                  RETURNING id),
                h AS (
                  INSERT INTO outcome_history (outcome_id, action, from_status, to_status, note, actor_id, actor_name)
                  SELECT id, 'create', NULL, 'referred', NULL, 1, 'admin' FROM o)
                SELECT id FROM o""")).execute(Tuple.of(m[0], content, form, due)))
            .compose(rows -> {
              List<Long> ids = new ArrayList<>();
              rows.forEach(r -> ids.add(r.getLong(0)));
              return tx.preparedQuery(Kept.sql("""
                      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, division_code, before, after)
                      VALUES (1, 'admin', 'outcome.create', 'outcome', $1, NULL, NULL, $2)"""))
                  .executeBatch(ids.stream().map(id -> Tuple.of(String.valueOf(id), outcomeBody(0, due))).toList());
            });
        return f;
      }));
    };
  }

  private static Future<?> audit(io.vertx.sqlclient.SqlClient tx, String action, String type, long id, JsonObject after) {
    return tx.preparedQuery(Kept.sql("""
            INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, division_code, before, after)
            VALUES (1, 'admin', $1, $2, $3, NULL, NULL, $4)"""))
        .execute(Tuple.of(action, type, String.valueOf(id), after));
  }

  private void write(List<URI> targets, String name, String where) throws Exception {
    int writers = Integer.parseInt(o.getOrDefault("write-users", "64"));
    fixture(); // loaded here, never on an event loop
    Load.Result api = load(writers, writeOp(targets));
    JsonObject e = Results.entry(name, "record of a held meeting with 3 outcomes through the API (one request), " + writers
        + " connections, " + where, api.ops().rate(), "records/s");
    e.put("latency", api.requests().toJson()).put("operation_latency", api.ops().toJson());
    if (api.firstError() != null) {
      e.put("first_error", api.firstError());
    }
    if (name.equals("write")) {
      Load.Result ceiling = load(writers, ceilingOp());
      Results.ceiling(e, "the same rows in the same one transaction through a 16-connection pool, no HTTP",
          ceiling.ops().rate(), "records/s", true);
      e.getJsonObject("ceiling").put("latency", ceiling.requests().toJson());
      if (ceiling.firstError() != null) {
        e.getJsonObject("ceiling").put("first_error", ceiling.firstError());
      }
      Results.target(e, "≥ 1,500 records/s, request p99 ≤ 100 ms",
          api.ops().errors() == 0 && api.ops().rate() >= 1500 && api.requests().p99() <= 100);
    }
    Results.add(results, e);
    if (name.equals("write")) {
      WriteBench.cpu(this, e, writers, writeOp(targets));
      Results.add(results, e);
      WriteBench.measure(this, pool, results, e, writers);
    }
  }

  // ---------------------------------------------------------------- attachments

  private static final int MIB = 1 << 20;
  private static final int CHUNK = 256 * 1024;

  /**
   * Photos through the API (bytes into and out of PostgreSQL in chunks) beside the same bytes
   * written and read straight through the pool; then the node's heap while 16 clients upload 10 MB
   * files at once.
   */
  private void attachments() throws Exception {
    int conns = 16;
    List<Long> meetings = pool.query("""
            SELECT m.id FROM meeting m WHERE NOT EXISTS (SELECT 1 FROM attachment a WHERE a.meeting_id = m.id)
             ORDER BY m.id DESC LIMIT 4000""").execute().await().stream().map(r -> r.getLong(0)).toList();
    AtomicInteger seq = new AtomicInteger();
    List<long[]> uploaded = java.util.Collections.synchronizedList(new ArrayList<>());
    byte[] base = new byte[MIB];
    new java.util.Random(42).nextBytes(base);
    System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, base, 0, 8);
    // every upload different (content-addressed storage would write the same bytes once), 25 per meeting
    java.util.function.IntFunction<Buffer> photo = n -> {
      Buffer b = Buffer.buffer(base.clone());
      b.setInt(8, n);
      b.setInt(12, (int) System.nanoTime());
      return b;
    };
    URI n0 = nodes.get(0);
    Load.Result up = Load.run(vertx, new Load.Options(conns, warmup, duration, 1500, 1), client -> (meter, user) -> {
      int n = seq.getAndIncrement();
      long meeting = meetings.get(n / 25 % meetings.size());
      return meter.time(auth(client.post(n0.getPort(), n0.getHost(), "/api/v1/attachments?meeting=" + meeting + "&name=bench.png"))
          .putHeader("Content-Type", "image/png").sendBuffer(photo.apply(n)), 201)
          .onSuccess(r -> uploaded.add(new long[] {meeting, r.bodyAsJsonObject().getLong("id")}));
    });
    Load.Result upCeiling = Load.run(vertx, new Load.Options(conns, warmup, duration, 1500, 1), client -> (meter, user) -> {
      Buffer b = photo.apply(seq.getAndIncrement());
      String sha = java.util.HexFormat.of().formatHex(sha256(b.getBytes()));
      return meter.timed(pool.withTransaction(tx -> {
        Future<?> f = tx.preparedQuery("INSERT INTO file_content (sha256, size_bytes, chunk_bytes) VALUES ($1, $2, $3)")
            .execute(Tuple.of(sha, (long) MIB, CHUNK));
        for (int k = 0; k < MIB / CHUNK; k++) {
          int i = k;
          f = f.compose(v -> tx.preparedQuery("INSERT INTO file_chunk (sha256, seq, data) VALUES ($1, $2, $3)")
              .execute(Tuple.of(sha, i, b.getBuffer(i * CHUNK, (i + 1) * CHUNK))));
        }
        return f;
      }));
    });
    JsonObject e = Results.entry("attachment_upload", "1 MB photos uploaded through the API (bytes into PostgreSQL in 256 KiB chunks), "
        + conns + " connections", up.ops().rate() * MIB / 1e6, "MB/s");
    e.put("latency", up.requests().toJson()).put("uploads_per_second", Results.round(up.ops().rate()));
    if (up.firstError() != null) {
      e.put("first_error", up.firstError());
    }
    Results.ceiling(e, "the same bytes as 4 chunk INSERTs per file in one transaction through a 16-connection pool, no HTTP",
        upCeiling.ops().rate() * MIB / 1e6, "MB/s", true);
    Results.add(results, e);

    List<long[]> files = List.copyOf(uploaded);
    if (files.isEmpty()) {
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Load.Result down = load(conns, client -> (meter, user) -> {
      long[] f = files.get(Math.floorMod(next.getAndIncrement(), files.size()));
      return meter.time(auth(client.get(n0.getPort(), n0.getHost(), "/api/v1/meetings/" + f[0] + "/attachments/" + f[1])).send(), 200);
    });
    List<String> shas = pool.query("SELECT sha256 FROM file_content WHERE size_bytes = " + MIB + " LIMIT 500").execute().await()
        .stream().map(r -> r.getString(0)).toList();
    Load.Result downCeiling = load(conns, client -> (meter, user) -> meter.timed(pool.preparedQuery(
            "SELECT data FROM file_chunk WHERE sha256 = $1 ORDER BY seq")
        .execute(Tuple.of(shas.get(Math.floorMod(next.getAndIncrement(), shas.size()))))));
    JsonObject d = Results.entry("attachment_download", "1 MB photos downloaded through the API (chunk by chunk from PostgreSQL), "
        + conns + " connections", down.ops().rate() * MIB / 1e6, "MB/s");
    d.put("latency", down.requests().toJson()).put("downloads_per_second", Results.round(down.ops().rate()));
    if (down.firstError() != null) {
      d.put("first_error", down.firstError());
    }
    Results.ceiling(d, "the same chunks read straight through a 16-connection pool, no HTTP", downCeiling.ops().rate() * MIB / 1e6,
        "MB/s", true);
    Results.add(results, d);

    // the node's heap while 16 clients upload 10 MB files at once: the bytes are streamed, never held whole
    if (o.containsKey("node-pid")) {
      MemorySampler before = new MemorySampler(vertx, n0, Long.parseLong(o.get("node-pid")));
      before.start();
      Thread.sleep(3000);
      before.stop();
      byte[] big = new byte[10 * MIB];
      new java.util.Random(7).nextBytes(big);
      System.arraycopy(base, 0, big, 0, 8);
      MemorySampler during = new MemorySampler(vertx, n0, Long.parseLong(o.get("node-pid")));
      during.start();
      Load.Result tens = Load.run(vertx, new Load.Options(conns, Duration.ZERO, duration, 64, 1), client -> (meter, user) -> {
        int n = seq.getAndIncrement();
        Buffer b = Buffer.buffer(big.clone());
        b.setInt(8, n);
        b.setInt(12, (int) System.nanoTime());
        return meter.time(auth(client.post(n0.getPort(), n0.getHost(), "/api/v1/attachments?meeting="
            + meetings.get(meetings.size() - 1 - n / 25 % meetings.size()) + "&name=big.png"))
            .putHeader("Content-Type", "image/png").sendBuffer(b), 201);
      });
      during.stop();
      JsonObject h = Results.entry("attachment_heap", "node 1's peak heap used while " + conns + " clients upload 10 MB files at once ("
          + tens.ops().ops() + " uploads, " + Results.round(tens.ops().rate() * 10) + " MB/s)", during.peakHeapMiB(), "MiB heap");
      h.put("latency", tens.requests().toJson());
      if (tens.firstError() != null) {
        h.put("first_error", tens.firstError());
      }
      Results.floor(h, "peak heap used in the 3 s before, idle", before.peakHeapMiB(), "MiB heap");
      Results.target(h, "flat: the uploads add less than 16 × 10 MB to the peak heap",
          tens.ops().errors() == 0 && during.peakHeapMiB() - before.peakHeapMiB() < 160);
      Results.add(results, h);
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- report generation

  private void report() throws Exception {
    URI n = nodes.get(0);
    WebClient client = client();
    YearMonth month = to.minusMonths(1);
    JsonObject body = new JsonObject().put("kind", "monthly").put("unit", units.city()).put("period", month.toString());
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = auth(client.post(n.getPort(), n.getHost(), "/api/v1/reports/generate"))
        .timeout(120_000).sendJsonObject(body).await();
    JsonObject e;
    if (r.statusCode() == 404 || r.statusCode() == 405) {
      e = new JsonObject().put("name", "report_monthly_city").put("what", "POST /api/v1/reports/generate, monthly report of "
          + units.cityName()).put("status", "not available (HTTP " + r.statusCode() + ": no report endpoint in this build)");
      Results.target(e, "≤ 10 s", null);
      Results.add(results, e);
      return;
    }
    String status = null;
    if (r.statusCode() == 202) { // a job: follow it
      JsonObject job = r.bodyAsJsonObject();
      String location = r.getHeader("Location") != null ? r.getHeader("Location") : "/api/v1/reports/" + job.getValue("id");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (System.nanoTime() < deadline) {
        HttpResponse<Buffer> s = auth(client.get(n.getPort(), n.getHost(), location)).send().await();
        status = s.statusCode() == 200 ? s.bodyAsJsonObject().getString("status") : "HTTP " + s.statusCode();
        if (status == null || Set.of("done", "succeeded", "ready", "failed", "completed").contains(status)
            || status.startsWith("HTTP")) {
          break;
        }
        Thread.sleep(100);
      }
    } else if (r.statusCode() / 100 != 2) {
      status = "HTTP " + r.statusCode() + " " + Load.truncate(r.bodyAsString());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    e = Results.entry("report_monthly_city", "POST /api/v1/reports/generate, monthly report of " + units.cityName()
        + " for " + month, seconds, "s");
    if (status != null) {
      e.put("status", status);
    }
    boolean ok = status == null || Set.of("done", "succeeded", "ready", "completed").contains(status);
    Results.target(e, "≤ 10 s", ok && seconds <= 10);
    Results.add(results, e);
    client.close();
  }

  // ---------------------------------------------------------------- cluster

  private void cluster() throws Exception {
    if (wanted("cluster") && nodes.size() > 1) {
      write(nodes, "cluster_write", nodes.size() + " nodes");
      JsonObject one = Results.find(results, "write");
      JsonObject three = Results.find(results, "cluster_write");
      if (one != null && three != null) {
        Results.ceiling(three, "1 node (benchmark write)", one.getDouble("value"), "records/s", true);
        three.put("what", three.getString("what") + "; ratio = " + nodes.size() + " nodes / 1 node");
        Results.add(results, three);
      }
      String path = rollupPath(units.city());
      // the writes just measured leave the nodes busy (queued requests, the roll-ups they changed)
      settle();
      Load.Result r = load(users, get(nodes, path, true));
      JsonObject e = Results.entry("cluster_read", "GET /api/v1/stats/rollup city " + units.cityName() + ", " + users
          + " connections over " + nodes.size() + " nodes; ratio = " + nodes.size() + " nodes / 1 node", r.requests().rate(), "req/s");
      e.put("latency", r.requests().toJson());
      JsonObject single = Results.find(results, "rollup_city");
      if (single != null) {
        Results.ceiling(e, "1 node (benchmark rollup_city)", single.getDouble("value"), "req/s", true);
      }
      Results.add(results, e);
      freshness();
    }
  }

  /** A record committed through node 1 shows in the district roll-up read from node 2: how long after the commit's answer. */
  private void freshness() throws Exception {
    fixture();
    WebClient client = client();
    URI writer = nodes.get(0);
    URI reader = nodes.get(1);
    List<Double> lags = new ArrayList<>();
    LocalDate due = Bench.anchor(o).plusDays(60);
    for (int i = 0; i < 10; i++) {
      long[] m = nextMeeting();
      if (m == null) {
        break;
      }
      Row row = pool.preparedQuery("SELECT substr(division_code, 1, 6) || '000000', "
              + "to_char(starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') FROM meeting WHERE id = $1")
          .execute(Tuple.of(m[0])).await().iterator().next();
      String path = "/api/v1/stats/rollup?division=" + row.getString(0) + "&from=" + row.getString(1) + "&to=" + row.getString(1);
      long before = held(client, reader, path);
      HttpResponse<Buffer> filed = auth(client.put(writer.getPort(), writer.getHost(), "/api/v1/meetings/" + m[0] + "/record"))
          .sendJsonObject(recordBody(m)).await();
      long acked = System.nanoTime();
      if (filed.statusCode() != 200) {
        throw new IllegalStateException("filing a record answered " + filed.statusCode() + ": " + filed.bodyAsString());
      }
      double lag = -1;
      while (System.nanoTime() - acked < 5_000_000_000L) {
        if (held(client, reader, path) > before) {
          lag = (System.nanoTime() - acked) / 1e6;
          break;
        }
      }
      lags.add(lag);
      auth(client.post(writer.getPort(), writer.getHost(), "/api/v1/outcomes")).sendJsonObject(outcomeBody(0, due).put("meetingId", m[0])).await();
    }
    double worst = lags.stream().mapToDouble(d -> d < 0 ? 5000 : d).max().orElse(5000);
    JsonObject e = Results.entry("freshness", "record filed on node 1, first seen in the district roll-up read from node 2 "
        + "(worst of " + lags.size() + ")", worst, "ms");
    e.put("lags_ms", new io.vertx.core.json.JsonArray(lags.stream().map(Results::round).toList()));
    Results.target(e, "≤ 1,000 ms", lags.stream().allMatch(d -> d >= 0) && worst <= 1000);
    Results.add(results, e);
    client.close();
  }

  private long held(WebClient client, URI n, String path) {
    HttpResponse<Buffer> r = auth(client.get(n.getPort(), n.getHost(), path)).send().await();
    if (r.statusCode() != 200) {
      throw new IllegalStateException("roll-up answered " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r.bodyAsJsonObject().getJsonObject("totals").getLong("meetings_held");
  }

  // ---------------------------------------------------------------- helpers

  Load.Result load(int connections, java.util.function.Function<WebClient, Load.Op> op) {
    return Load.run(vertx, new Load.Options(connections, warmup, duration, Long.parseLong(o.getOrDefault("max-ops", "2000000")),
        Integer.parseInt(o.getOrDefault("client-threads", "1"))), op);
  }

  java.util.function.Function<WebClient, Load.Op> get(List<URI> targets, String path, boolean signedIn) {
    return client -> (meter, user) -> {
      URI n = targets.get(user % targets.size());
      HttpRequest<Buffer> req = client.get(n.getPort(), n.getHost(), path);
      return meter.time((signedIn ? auth(req) : req).send(), 200);
    };
  }

  <T> HttpRequest<T> auth(HttpRequest<T> req) {
    return req.putHeader("Authorization", "Bearer " + token);
  }

  WebClient client() {
    return WebClient.create(vertx, new WebClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setUserAgent("yishi-bench"));
  }

  private String signIn(URI n) {
    WebClient client = client();
    HttpResponse<Buffer> r = client.post(n.getPort(), n.getHost(), "/api/v1/auth/token")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", Bench.required(o, "password"))).await();
    client.close();
    if (r.statusCode() != 200) {
      throw new IllegalStateException("sign-in as admin answered " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r.bodyAsJsonObject().getString("token");
  }

  private String pageSession(URI n) {
    return pageSession(n, "admin", Bench.required(o, "password"));
  }

  /** Signs in through the login form (CSRF token and session cookie, as a browser does); answers the Cookie header. */
  String pageSession(URI n, String username, String password) {
    WebClient client = WebClient.create(vertx, new WebClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1)
        .setFollowRedirects(false));
    HttpResponse<Buffer> page = client.get(n.getPort(), n.getHost(), "/login").send().await();
    String cookie = cookies(page.cookies(), "");
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.bodyAsString());
    if (!csrf.find()) {
      throw new IllegalStateException("no CSRF token on the sign-in page");
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("username", username).add("password", password)
        .add("_csrf", csrf.group(1)).add("back", "/stats");
    HttpResponse<Buffer> signedIn = client.post(n.getPort(), n.getHost(), "/login").putHeader("Cookie", cookie)
        .sendForm(form).await();
    client.close();
    if (signedIn.statusCode() / 100 != 3) {
      throw new IllegalStateException("signing in through the form answered " + signedIn.statusCode());
    }
    return cookies(signedIn.cookies(), cookie);
  }

  private static String cookies(List<String> setCookies, String current) {
    Map<String, String> jar = new java.util.LinkedHashMap<>();
    for (String c : current.isEmpty() ? new String[0] : current.split("; ")) {
      jar.put(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
    }
    for (String c : setCookies) {
      String pair = c.split(";", 2)[0];
      jar.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    StringBuilder b = new StringBuilder();
    jar.forEach((k, v) -> b.append(b.length() == 0 ? "" : "; ").append(k).append('=').append(v));
    return b.toString();
  }

  private Units units() {
    Row d = pool.query("""
            SELECT s.district_code, d.name, count(*) FROM station s JOIN division d ON d.code = s.district_code
             WHERE s.district_code LIKE '%s%%' GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 1"""
            .formatted(org.yishi.platform.security.Jurisdiction.prefixOf(DataSet.FOCUS_CITY)))
        .execute().await().iterator().next();
    Row c = pool.preparedQuery("SELECT code, name FROM division WHERE code = $1").execute(Tuple.of(DataSet.FOCUS_CITY))
        .await().iterator().next();
    String province = null;
    String provinceName = null;
    if (scale.equals("national")) {
      Row p = pool.query("""
              SELECT substr(s.division_code, 1, 2) || '0000000000', count(*) FROM station s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""")
          .execute().await().iterator().next();
      province = p.getString(0);
      provinceName = pool.preparedQuery("SELECT name FROM division WHERE code = $1").execute(Tuple.of(province)).await()
          .iterator().next().getString(0);
    }
    Units u = new Units(d.getString(0).trim(), d.getString(1), c.getString(0).trim(), c.getString(1), province, provinceName);
    System.out.println("[bench] units read: " + u);
    return u;
  }

  /**
   * Runs wrk (when installed) for 10 s at the same connection count, as a second opinion on the Java
   * load generator (C, one thread: it costs the shared cores far less per request); {@code headers}
   * are added as sent ({@code "Accept-Encoding: gzip"} as browsers ask).
   */
  void wrk(String path, String name, String cookie, String... headers) throws Exception {
    if (!"true".equals(o.getOrDefault("wrk", "false"))) {
      return;
    }
    URI n = nodes.get(0);
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c" + users, "-d" + Math.max(5, duration.toSeconds()) + "s",
        "--latency"));
    if (path.startsWith("/api/")) {
      cmd.addAll(List.of("-H", "Authorization: Bearer " + token));
    }
    if (cookie != null) {
      cmd.addAll(List.of("-H", "Cookie: " + cookie));
    }
    for (String h : headers) {
      cmd.addAll(List.of("-H", h));
    }
    cmd.add("http://" + n.getHost() + ":" + n.getPort() + path);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
    Matcher p99 = Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)").matcher(out);
    Matcher bad = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
    if (!rps.find()) {
      System.out.println("[bench] wrk gave no figure: " + Load.truncate(out));
      return;
    }
    JsonObject e = Results.entry(name, "wrk -t1 -c" + users + " GET " + path.replaceAll("\\?.*", "?…")
        + (headers.length == 0 ? "" : " (" + String.join(", ", headers) + ")") + " (second opinion)",
        Double.parseDouble(rps.group(1)), "req/s");
    if (p99.find()) {
      double v = Double.parseDouble(p99.group(1));
      v = p99.group(2).equals("us") ? v / 1000 : p99.group(2).equals("s") ? v * 1000 : v;
      e.put("latency", new JsonObject().put("p99_ms", Results.round(v)));
    }
    if (bad.find()) {
      e.put("errors", Long.parseLong(bad.group(1)));
    }
    JsonObject health = Results.find(results, "wrk_health");
    if (health != null && !name.equals("wrk_health")) {
      Results.ceiling(e, "wrk GET /health", health.getDouble("value"), "req/s", true);
    }
    Results.add(results, e);
  }

  /** Samples the node's heap (its /metrics) and RSS (/proc) once a second; peak RSS is the kernel's high-water mark. */
  static final class MemorySampler {
    private final Vertx vertx;
    private final URI node;
    private final long pid;
    private WebClient client;
    private long timer;
    private double maxHeapUsed;
    private double heapMax;
    private double maxLive;
    private double majorGcs;
    private double majorGcSeconds;
    private long maxRss;
    private int samples;

    MemorySampler(Vertx vertx, URI node, long pid) {
      this.vertx = vertx;
      this.node = node;
      this.pid = pid;
    }

    void start() {
      client = WebClient.create(vertx, new WebClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
      timer = vertx.setPeriodic(0, 1000, t -> sample());
    }

    private void sample() {
      client.get(node.getPort(), node.getHost(), "/metrics").send().onSuccess(r -> {
        double used = 0;
        double max = 0;
        for (String line : r.bodyAsString().split("\n")) {
          if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
            used += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          } else if (line.startsWith("jvm_gc_pause_seconds_count{") && line.contains("major")) {
            majorGcs = Math.max(majorGcs, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          } else if (line.startsWith("jvm_gc_pause_seconds_sum{") && line.contains("major")) {
            majorGcSeconds = Math.max(majorGcSeconds, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          } else if (line.startsWith("jvm_gc_live_data_size_bytes")) {
            maxLive = Math.max(maxLive, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          } else if (line.startsWith("jvm_memory_max_bytes{") && line.contains("area=\"heap\"")) {
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            max += v > 0 ? v : 0;
          }
        }
        maxHeapUsed = Math.max(maxHeapUsed, used);
        heapMax = Math.max(heapMax, max);
        samples++;
      });
      maxRss = Math.max(maxRss, status("VmHWM"));
    }

    private long status(String key) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith(key + ":")) {
            return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
          }
        }
      } catch (Exception e) {
        // the node is gone: keep the last figure
      }
      return 0;
    }

    void stop() {
      vertx.cancelTimer(timer);
      maxRss = Math.max(maxRss, status("VmHWM"));
      client.close();
    }

    double peakHeapMiB() {
      return maxHeapUsed / (1 << 20);
    }

    JsonObject entry() {
      double heapMiB = maxHeapUsed / (1 << 20);
      JsonObject e = Results.entry("memory", "node 1 during the single-node benchmarks (" + samples
          + " samples of /metrics): peak heap used; RSS high-water mark " + (maxRss >> 20) + " MiB", heapMiB, "MiB heap");
      e.put("peak_rss_mib", maxRss >> 20).put("heap_max_mib", Math.round(heapMax / (1 << 20)))
          .put("peak_live_after_gc_mib", Math.round(maxLive / (1 << 20))).put("major_gcs", Math.round(majorGcs))
          .put("major_gc_seconds", Results.round(majorGcSeconds));
      e.put("what", e.getString("what") + "; live data after GC at most " + Math.round(maxLive / (1 << 20)) + " MiB; "
          + Math.round(majorGcs) + " major GCs, " + Results.round(majorGcSeconds) + " s");
      Results.ceiling(e, "-Xmx (heap limit)", heapMax / (1 << 20), "MiB", true);
      // "runs with -Xmx1g": the limit is 1 GiB and what stays live after a collection fits well inside it
      // (no major collection happened: the peak of the heap used, which includes garbage, stands for it)
      double live = maxLive > 0 ? maxLive : maxHeapUsed;
      Results.target(e, "runs with -Xmx1g (live data after GC < 75% of it)",
          heapMax > 0 && heapMax <= 1024.0 * (1 << 20) * 1.01 && live > 0 && live < 0.75 * heapMax);
      return e;
    }
  }
}
