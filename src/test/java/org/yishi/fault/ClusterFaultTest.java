package org.yishi.fault;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.LocalGateway;
import org.yishi.support.NodeProcess;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault suite (tag "fault", run by {@code mvn -Pfault test}, a separate step of .ci/run): a
 * 3-node cluster of separate processes on one database in a process of its own, under a steady
 * write load from clients that fail over between nodes and retry with idempotency keys. Faults, one
 * after the other: SIGKILL of a node and its restart; PostgreSQL stopped and started again; a node
 * frozen (SIGSTOP) until the cluster drops it, then resumed (SIGCONT); a rolling restart (SIGTERM,
 * drain, start) of all three. After each: every acknowledged write is in the database exactly once
 * and no write is there twice; clients failed over; a session from before still works on every node;
 * the reminder and report singletons did their work exactly once; the roll-ups equal a rebuild from raw rows.
 * Figures go to {@code target/fault/results.json} (docs/reliability.md quotes a run).
 */
@Tag("fault")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ClusterFaultTest {
  private static final Duration START_LIMIT = Duration.ofSeconds(180);
  private static NodeProcess db;
  private static Path base;
  private static final List<NodeProcess> NODES = new ArrayList<>();
  private static String pgUrl;
  private static Sql sql;
  private static Workload load;
  private static Browser watcher;
  private static final List<JsonObject> RESULTS = new ArrayList<>();

  private static LocalGateway smsGateway;
  private static GreenMail smtp;

  @BeforeAll
  static void start() throws Exception {
    // set up JDK logging and the time-zone providers on this one thread first: ical4j (on the test
    // class path) registers a provider that logs while it loads, and the database and cluster
    // threads of the in-process node below would otherwise race into both at once and deadlock
    java.util.logging.Logger.getLogger("").getHandlers();
    java.time.ZoneId.systemDefault();
    // processes started here end with this JVM, also when it is stopped early (a timeout, Ctrl-C)
    Runtime.getRuntime().addShutdownHook(new Thread(ClusterFaultTest::destroyAll, "fault-cleanup"));
    base = Files.createTempDirectory("yishi-fault");
    int dbPort = TestNodes.freePort();
    db = NodeProcess.database(base.resolve("db"), dbPort).start().awaitLogLine("Yishi database is running", START_LIMIT);
    pgUrl = "postgresql://postgres@127.0.0.1:" + dbPort + "/postgres";
    sql = new Sql(pgUrl);

    // schema, accounts, stations and approved topics, through an in-process node that then goes away
    Node setup = TestNodes.start(TestNodes.env(pgUrl, Map.of()));
    AccountFixtures f;
    List<long[]> meetings = new ArrayList<>();
    List<Long> uploadMeetings = new ArrayList<>();
    try {
      f = AccountFixtures.create(setup);
      long[] stations = {f.stations.get(AccountFixtures.HAIMING), f.stations.get(AccountFixtures.CHANGQING),
          f.stations.get(AccountFixtures.TUANJIE)};
      for (int i = 0; i < 150; i++) {
        long station = stations[i % 3];
        meetings.add(new long[] {station, AccountFixtures.approvedTopic(setup, station, "故障测试会议议题" + i), i / 3});
      }
      // meetings for the upload client's photos, a week ahead (clear of the meeting client's slots)
      var admin = setup.accounts().store().byUsername("admin").await().principal();
      for (int i = 0; i < 24; i++) {
        long topic = AccountFixtures.approvedTopic(setup, stations[0], "故障测试附件议题" + i);
        java.time.OffsetDateTime start = java.time.OffsetDateTime.now().plusDays(7).plusHours(2L * i).withNano(0);
        uploadMeetings.add(setup.services().meetings().schedule(admin,
            new org.yishi.meeting.MeetingService.MeetingInput(topic, start, start.plusHours(1), "附件会议室", "on_site", null, "forum",
                null, null, List.of(), List.of())).await().getLong("id"));
      }
    } finally {
      setup.close();
    }

    // failure detection stays at its default (10 s without a heartbeat): shorter, a node starved of
    // CPU on a busy 2-core machine is taken for dead although nobody stopped it
    // the monthly reports fall due at every minute (for last month, so each is issued once); the
    // scheduler looks every second, so its lock changes hands while nodes die, freeze and restart
    // the reminders' SMS and e-mails go to gateways in this JVM: an SMS endpoint and an SMTP server
    smsGateway = new LocalGateway("{\"ok\":true}");
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    List<Map<String, String>> envs = TestNodes.clusterEnvs(pgUrl, 3, Map.ofEntries(
        Map.entry("YISHI_SMS_URL", smsGateway.url("/sms")),
        Map.entry("YISHI_SMTP_HOST", "127.0.0.1"),
        Map.entry("YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort())),
        Map.entry("YISHI_SMTP_TLS", "none"),
        Map.entry("YISHI_SMTP_FROM", "yishi@example.org"),
        Map.entry("YISHI_SCHEDULER_INTERVAL_SECONDS", "1"),
        Map.entry("YISHI_REPORT_CITY_MONTHLY", "* * * * *"),
        Map.entry("YISHI_REPORT_DISTRICT_MONTHLY", "* * * * *"),
        Map.entry("YISHI_REPORT_CITY_QUARTERLY", "off"),
        Map.entry("YISHI_REPORT_CITY_YEARLY", "off"),
        Map.entry("YISHI_HTTP_SHUTDOWN_GRACE", "10"),
        Map.entry("YISHI_PG_POOL_SIZE", "8")));
    for (int i = 0; i < 3; i++) {
      NODES.add(NodeProcess.node("node" + (i + 1), envs.get(i)).start());
    }
    for (NodeProcess n : NODES) {
      n.awaitReady(3, START_LIMIT);
    }
    List<String> bases = NODES.stream().map(NodeProcess::baseUrl).toList();
    Api api = new Api(bases.get(0));
    Map<String, Long> st = f.stations;
    List<Workload.Client> clients = new ArrayList<>(List.of(
        new Workload.Client("api-c1", api.token("c1", AccountFixtures.PASSWORD), null, st.get(AccountFixtures.HAIMING), 0),
        new Workload.Client("api-c3", api.token("c3", AccountFixtures.PASSWORD), null, st.get(AccountFixtures.CHANGQING), 1),
        new Workload.Client("api-c2", api.token("c2", AccountFixtures.PASSWORD), null, st.get(AccountFixtures.TUANJIE), 2),
        new Workload.Client("api-d1", api.token("d1", AccountFixtures.PASSWORD), null, st.get(AccountFixtures.HAIMING), 1),
        new Workload.Client("form-c1", null, signIn(bases.get(2), "c1"), st.get(AccountFixtures.HAIMING), 2),
        new Workload.Client("form-c2", null, signIn(bases.get(0), "c2"), st.get(AccountFixtures.TUANJIE), 0)));
    Workload.Client meetingClient = new Workload.Client("meet-admin", api.token("admin", TestNodes.ADMIN_PASSWORD), null, 0, 0);
    meetingClient.meetings.addAll(meetings);
    clients.add(meetingClient);
    Workload.Client uploadClient = new Workload.Client("upload-c1", api.token("c1", AccountFixtures.PASSWORD), null,
        st.get(AccountFixtures.HAIMING), 2);
    uploadClient.uploadMeetings.addAll(uploadMeetings);
    clients.add(uploadClient);
    load = new Workload(bases, clients);
    // a session made before any fault; it must keep working on every node after each one
    watcher = new Browser(bases.get(1)).login("d1", AccountFixtures.PASSWORD);
  }

  private static synchronized void destroyAll() {
    for (NodeProcess n : NODES) {
      n.destroy();
    }
    if (db != null) {
      db.destroy();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    destroyAll();
    if (smsGateway != null) {
      smsGateway.close();
    }
    if (smtp != null) {
      smtp.stop();
    }
    // the database's and the nodes' data (hundreds of MB); the logs stay under target/fault
    List<Path> dirs = new ArrayList<>(NODES.stream().map(n -> Path.of(n.env().get("YISHI_DATA_DIR"))).toList());
    if (base != null) {
      dirs.add(base);
    }
    for (Path dir : dirs) {
      if (Files.isDirectory(dir)) {
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    Path out = Path.of("target", "fault", "results.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, new JsonArray(RESULTS).encodePrettily());
  }

  private static CookieManager signIn(String base, String user) throws Exception {
    CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    String page = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
    assertTrue(csrf.find());
    String form = "_csrf=" + csrf.group(1) + "&username=" + user + "&password=" + URLEncoder.encode(AccountFixtures.PASSWORD,
        StandardCharsets.UTF_8) + "&back=/";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(303, r.statusCode(), r.body());
    return cookies;
  }

  private interface Fault {
    void inject() throws Exception;
  }

  @Test
  void theClusterHoldsItsWritesThroughEachFault() throws Exception {
    phase("warm-up (no fault)", false, () -> Thread.sleep(6_000));
    phase("SIGKILL node 2, restart it", true, () -> {
      Thread.sleep(3_000);
      NODES.get(1).kill();
      Thread.sleep(5_000);
      NODES.get(1).start().awaitReady(3, START_LIMIT);
      Thread.sleep(3_000);
    });
    phase("PostgreSQL stopped for 8 s, started again", false, () -> {
      Thread.sleep(3_000);
      db.terminate(60);
      Thread.sleep(8_000);
      long unready = NODES.stream().filter(n -> Http.get(n.baseUrl() + "/ready").statusCode() == 503).count();
      assertEquals(3, unready, "every node's /ready says the database is down");
      db.start().awaitLogLine("Yishi database is running", START_LIMIT);
      for (NodeProcess n : NODES) {
        n.awaitReady(3, START_LIMIT);
      }
      Thread.sleep(3_000);
    });
    phase("SIGSTOP node 3 until the cluster drops it, then SIGCONT", true, () -> {
      Thread.sleep(3_000);
      NODES.get(2).pause();
      awaitMembers(NODES.get(0), 2, Duration.ofSeconds(60));
      Thread.sleep(2_000);
      NODES.get(2).resume();
      for (NodeProcess n : NODES) {
        n.awaitReady(3, START_LIMIT);
      }
      Thread.sleep(3_000);
    });
    phase("rolling restart: SIGTERM, drain and start each node in turn", true, () -> {
      for (NodeProcess n : NODES) {
        Thread.sleep(2_000);
        int exit = n.terminate(60);
        // the JVM reports an exit on SIGTERM as 143 (128 + 15) once the shutdown hook has run
        assertTrue(exit == 0 || exit == 143, n.name() + " exit status " + exit);
        assertTrue(n.logSinceStart().contains("Yishi stopped."), n.name() + " drained and left the cluster on SIGTERM");
        n.start().awaitReady(3, START_LIMIT);
      }
      Thread.sleep(3_000);
    });
    printTable();
  }

  private static void awaitMembers(NodeProcess n, int members, Duration limit) throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    int seen = -1;
    while (System.nanoTime() < until) {
      try {
        seen = Http.json(Http.get(n.baseUrl() + "/ready")).getJsonObject("cluster").getInteger("members");
        if (seen == members) {
          return;
        }
      } catch (RuntimeException ignored) {
        // not answering just now
      }
      Thread.sleep(250);
    }
    throw new AssertionError(n.name() + " saw " + seen + " members, not " + members);
  }

  private record Counts(int attempts, int failovers, int inProgress, int unavailable, int writes) {
    static Counts of(List<Workload.Client> clients) {
      int a = 0;
      int f = 0;
      int p = 0;
      int u = 0;
      int w = 0;
      for (Workload.Client c : clients) {
        a += c.attempts.get();
        f += c.failovers.get();
        p += c.inProgress.get();
        u += c.unavailable.get();
        w += c.writes.size();
      }
      return new Counts(a, f, p, u, w);
    }
  }

  private void phase(String name, boolean failoverExpected, Fault fault) throws Exception {
    Counts before = Counts.of(load.clients());
    long started = System.nanoTime();
    load.start();
    try {
      fault.inject();
    } finally {
      load.stop();
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Counts after = Counts.of(load.clients());
    for (NodeProcess n : NODES) {
      n.awaitReady(3, START_LIMIT);
    }
    JsonObject result = new JsonObject().put("phase", name).put("seconds", millis / 1000.0)
        .put("writesSent", after.writes() - before.writes()).put("requests", after.attempts() - before.attempts())
        .put("failovers", after.failovers() - before.failovers()).put("inProgressAnswers", after.inProgress() - before.inProgress())
        .put("unavailableAnswers", after.unavailable() - before.unavailable());
    verifyWrites(result);
    int ackedBefore = RESULTS.isEmpty() ? 0 : RESULTS.get(RESULTS.size() - 1).getInteger("totalAcknowledged");
    result.put("acknowledged", result.getInteger("totalAcknowledged") - ackedBefore);
    if (failoverExpected) {
      assertTrue(result.getInteger("failovers") > 0, "clients failed over during " + name + ": " + result.encode());
    }
    verifySessions();
    verifyReminders(result);
    verifyReports(result);
    verifyRollups();
    RESULTS.add(result);
    System.out.println("fault phase: " + result.encode());
  }

  /** Every acknowledged write exactly once; none twice; the server's "carried out" writes present. */
  private static void verifyWrites(JsonObject result) throws Exception {
    Map<String, Integer> found = new HashMap<>();
    try (Connection c = TestPostgres.jdbc(pgUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT title, count(*) FROM topic WHERE title LIKE 'F-%' GROUP BY title"
             + " UNION ALL SELECT venue, count(*) FROM meeting WHERE venue LIKE 'F-%' GROUP BY venue"
             + " UNION ALL SELECT filename, count(*) FROM attachment WHERE filename LIKE 'F-%' GROUP BY filename")) {
      while (rs.next()) {
        found.put(rs.getString(1), rs.getInt(2));
      }
    }
    int acked = 0;
    int lost = 0;
    int unresolved = 0;
    int unackedPresent = 0;
    List<String> problems = new ArrayList<>();
    for (Workload.Client c : load.clients()) {
      problems.addAll(c.problems);
      for (Map.Entry<String, Workload.Outcome> w : c.writes.entrySet()) {
        int n = found.getOrDefault(w.getKey(), 0);
        if (n > 1) {
          problems.add(w.getKey() + " is in the database " + n + " times");
        }
        switch (w.getValue()) {
          case ACKED -> {
            acked++;
            if (n != 1) {
              problems.add(w.getKey() + " was acknowledged but is in the database " + n + " times");
            }
          }
          case LOST -> {
            lost++;
            unackedPresent += n;
            if (n != 1) {
              problems.add(w.getKey() + " was reported carried out but is in the database " + n + " times");
            }
          }
          case UNRESOLVED -> {
            unresolved++;
            unackedPresent += n;
          }
          default -> problems.add(w.getKey() + " was refused");
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    result.put("totalWritesSent", load.clients().stream().mapToInt(c -> c.writes.size()).sum())
        .put("totalAcknowledged", acked).put("totalFoundInDatabase", found.size())
        .put("totalCarriedOutAnswerLost", lost).put("totalUnresolved", unresolved).put("unacknowledgedButPresent", unackedPresent);
    assertEquals(0, unresolved, "no write was given up: " + result.encode());
    // every acknowledged photo is whole: its chunks add up to its size and its SHA-256
    long photos = sql.count("SELECT count(*) FROM attachment WHERE filename LIKE 'F-%'");
    long broken = sql.count("""
        SELECT count(*) FROM attachment a WHERE a.filename LIKE 'F-%' AND NOT coalesce((
          SELECT encode(sha256(string_agg(k.data, ''::bytea ORDER BY k.seq)), 'hex') = a.sha256 AND sum(length(k.data)) = a.size_bytes
            FROM file_chunk k WHERE k.sha256 = a.sha256), false)""");
    assertEquals(0, broken, broken + " of " + photos + " uploaded photos are not whole in the database");
    result.put("photosUploaded", photos);
  }

  /** A session cookie made before the faults works on every node now. */
  private static void verifySessions() {
    for (NodeProcess n : NODES) {
      HttpResponse<String> r = watcher.at(n.baseUrl()).get("/stations");
      assertEquals(200, r.statusCode(), "the session from before works on " + n.name());
      assertTrue(r.body().contains("洮北区政协"), "signed in as d1 on " + n.name());
    }
  }

  /**
   * The scheduler singleton: each due reminder exists once (unique keys make more impossible,
   * this checks none was missed), each outbox message was marked sent exactly once, and every
   * message reached its gateway (the SMS endpoint or the SMTP server in this JVM) at least once;
   * a repeat (a node killed after the gateway accepted, before the commit) carries the same key.
   */
  private static void verifyReminders(JsonObject result) throws Exception {
    String expected = """
        SELECT count(*) FROM meeting m JOIN station s ON s.id = m.station_id
          JOIN account a ON NOT a.disabled AND (a.id IN (SELECT account_id FROM account_station WHERE station_id = m.station_id)
                                                OR (a.role = 'district_staff' AND a.scope_code = s.district_code))
          CROSS JOIN (VALUES ('72h'), ('24h')) AS l(lead)
         WHERE m.venue LIKE 'F-%' AND m.status = 'scheduled'""";
    String actual = "SELECT count(*) FROM notification n JOIN meeting m ON n.dedupe_key LIKE 'reminder:' || m.id || ':%'"
        + " WHERE m.venue LIKE 'F-%'";
    String messages = "SELECT count(*) FROM outbox o JOIN meeting m ON o.dedupe_key LIKE 'reminder:' || m.id || ':%' WHERE m.venue LIKE 'F-%'";
    long meetings = sql.count("SELECT count(*) FROM meeting WHERE venue LIKE 'F-%'");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until && (sql.count(actual) < sql.count(expected) || sql.count(messages) < 2 * meetings
        || sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") > 0)) {
      Thread.sleep(500);
    }
    assertEquals(sql.count(expected), sql.count(actual), "every due reminder notification, once");
    assertEquals(2 * meetings, sql.count(messages), "two reminder messages per meeting (72 h and 24 h)");
    assertEquals(0, sql.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR attempts <> 1"),
        "every message marked sent exactly once");
    // what the gateways received, by key (e-mails carry it in their Message-ID, ':' written as '.')
    Map<String, Integer> received = new HashMap<>();
    for (LocalGateway.Received r : smsGateway.accepted()) {
      received.merge(r.body().getString("key").replace(':', '.'), 1, Integer::sum);
    }
    for (jakarta.mail.internet.MimeMessage m : smtp.getReceivedMessages()) {
      String id = m.getMessageID();
      received.merge(id.substring(1, id.indexOf('@')), 1, Integer::sum);
    }
    Set<String> keys = new HashSet<>();
    try (Connection c = TestPostgres.jdbc(pgUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT dedupe_key FROM outbox")) {
      while (rs.next()) {
        keys.add(rs.getString(1).replace(':', '.'));
      }
    }
    assertEquals(keys, received.keySet(), "every message received by its gateway");
    result.put("meetings", meetings).put("reminderNotifications", sql.count(actual)).put("outboxMessages", keys.size())
        .put("gatewayRepeats", received.values().stream().mapToInt(v -> v - 1).sum());
  }

  /**
   * The report singleton: last month's monthly report of every committee's unit (the city and its
   * districts) was issued, once (version 1, by schedule or catch-up; the unique key forbids a second,
   * this checks none is missing), however the scheduler lock moved between nodes.
   */
  private static void verifyReports(JsonObject result) throws Exception {
    String month = java.time.YearMonth.now(java.time.ZoneId.of("Asia/Shanghai")).minusMonths(1).toString();
    long units = sql.count("SELECT count(*) FROM committee");
    String issued = "SELECT count(*) FROM report r JOIN committee c ON c.division_code = r.unit_code"
        + " WHERE r.kind = 'monthly' AND r.period = '" + month + "' AND r.version = 1";
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < until && sql.count(issued) < units) {
      Thread.sleep(500);
    }
    assertTrue(units >= 3, "the city and two district committees");
    assertEquals(units, sql.count(issued), "one monthly report per committee's unit for " + month);
    assertEquals(0, sql.count("SELECT count(*) FROM report WHERE version > 1"), "no unit's report was issued a second time");
    result.put("reports", sql.count("SELECT count(*) FROM report"))
        .put("reportNodes", sql.count("SELECT count(DISTINCT generated_by) FROM report"));
  }

  /** The counters kept by triggers equal a recount from the raw rows. */
  private static void verifyRollups() throws Exception {
    String snapshot = "SELECT * FROM stats_station_month ORDER BY station_id, month";
    String incremental = rows(snapshot);
    sql.value("SELECT stats_rebuild()");
    assertEquals(incremental, rows(snapshot), "roll-ups equal a rebuild");
    assertTrue(incremental.contains("\n"), "there are roll-ups to compare");
  }

  private static String rows(String query) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (Connection c = TestPostgres.jdbc(pgUrl); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= n; i++) {
          sb.append(rs.getString(i)).append('|');
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static void printTable() {
    System.out.printf("%-60s %7s %8s %9s %6s %9s %6s %11s%n", "phase", "seconds", "writes", "requests", "acked", "failovers",
        "503s", "in progress");
    for (JsonObject r : RESULTS) {
      System.out.printf("%-60s %7.1f %8d %9d %6d %9d %6d %11d%n", r.getString("phase"), r.getDouble("seconds"),
          r.getInteger("writesSent"), r.getInteger("requests"), r.getInteger("acknowledged"), r.getInteger("failovers"),
          r.getInteger("unavailableAnswers"), r.getInteger("inProgressAnswers"));
    }
    JsonObject last = RESULTS.get(RESULTS.size() - 1);
    System.out.println("total: sent " + last.getInteger("totalWritesSent") + ", acknowledged " + last.getInteger("totalAcknowledged")
        + ", found " + last.getInteger("totalFoundInDatabase") + ", carried out with answer lost " + last.getInteger("totalCarriedOutAnswerLost"));
  }
}
