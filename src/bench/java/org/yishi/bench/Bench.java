package org.yishi.bench;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The benchmark suite's Java side, run by {@code scripts/bench.sh} (which starts and stops the
 * database and the nodes). Commands:
 * <ul>
 *   <li>{@code start} – a new results file;</li>
 *   <li>{@code import-ceiling} – the division import's ceiling (COPY of the same rows) beside the
 *       script's measured time;</li>
 *   <li>{@code generate} – the data set by COPY, then the roll-up rebuild;</li>
 *   <li>{@code http} – the HTTP benchmarks against one node (and their ceilings and floors);</li>
 *   <li>{@code cluster} – write and read throughput across all nodes, and cross-node freshness;</li>
 *   <li>{@code requests} – residents' requests: a city-wide campaign of submissions and the public status page;</li>
 *   <li>{@code members} – check-in at a large forum and the city-wide member ranking ({@link MemberBenchmarks});</li>
 *   <li>{@code table} – prints the results table.</li>
 * </ul>
 * Options are {@code --name value}; see scripts/bench.sh for the values it passes.
 */
public final class Bench {
  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

  private Bench() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Bench start|import-ceiling|generate|http|cluster|notify|table [--option value ...]");
      System.exit(2);
    }
    Map<String, String> o = options(args);
    // a step that hangs (a failure on an event loop nobody waits for) must not outlive the run
    long limitMinutes = Long.parseLong(o.getOrDefault("timeout-minutes", "60"));
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(limitMinutes * 60_000);
        System.err.println("bench: step " + args[0] + " still running after " + limitMinutes + " minutes; stopping it");
        Runtime.getRuntime().halt(3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Path results = Path.of(o.getOrDefault("results", "target/bench/results.json"));
    switch (args[0]) {
      case "start" -> Results.start(results, o.get("scale"), o.getOrDefault("command", "scripts/bench.sh"));
      case "import-ceiling" -> importCeiling(o, results);
      case "generate" -> generate(o, results);
      case "http" -> HttpBenchmarks.run(o, results, false);
      case "cluster" -> HttpBenchmarks.run(o, results, true);
      case "requests" -> RequestBenchmarks.run(o, results);
      case "notify" -> NotifyBench.run(o, results);
      case "members" -> MemberBenchmarks.run(o, results);
      case "table" -> System.out.print(Results.table(Results.read(results)));
      default -> {
        System.err.println("unknown command " + args[0]);
        System.exit(2);
      }
    }
    System.exit(0);
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      o.put(args[i].substring(2), args[++i]);
    }
    return o;
  }

  static String required(Map<String, String> o, String name) {
    String v = o.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  static LocalDate anchor(Map<String, String> o) {
    return o.containsKey("anchor") ? LocalDate.parse(o.get("anchor")) : LocalDate.now(SHANGHAI);
  }

  // ---------------------------------------------------------------- 1. import and its ceiling

  /**
   * The ceiling of the division import: the same rows (distinct codes) COPYed straight into a copy
   * of the division table with the same indexes and checks, in one transaction, no HTTP, no
   * validation, no report.
   */
  static void importCeiling(Map<String, String> o, Path results) throws Exception {
    double measured = Double.parseDouble(required(o, "measured-seconds"));
    boolean ok = "0".equals(o.getOrDefault("exit", "0"));
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(required(o, "pg"));
    List<Divisions.Unit> units = Divisions.read(Path.of(required(o, "divisions")));
    long started = System.nanoTime();
    long rows = 0;
    try (Connection c = jdbc.open()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS bench_division_ceiling");
        s.execute("CREATE TABLE bench_division_ceiling (LIKE division INCLUDING ALL)");
      }
      StringBuilder b = new StringBuilder(64 << 20);
      Set<String> seen = new HashSet<>();
      for (Divisions.Unit u : units) {
        if (seen.add(u.code())) {
          b.append(u.code()).append('\t');
          Generator.escape(b, u.name());
          b.append('\t').append(u.level()).append('\t').append(u.parent() == null ? "\\N" : u.parent()).append('\n');
          rows++;
        }
      }
      new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class))
          .copyIn("COPY bench_division_ceiling (code, name, level, parent_code) FROM STDIN",
              new java.io.ByteArrayInputStream(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      c.commit();
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE bench_division_ceiling");
      }
      c.commit();
    }
    double ceiling = (System.nanoTime() - started) / 1e9;
    JsonObject e = Results.entry("import", "scripts/import-divisions.sh, national file (" + units.size() + " rows), through the API",
        measured, "s");
    if (!ok) {
      e.put("error", "the import script failed (exit " + o.get("exit") + ")");
    }
    Results.ceiling(e, "COPY of the same " + rows + " rows into a copy of the table", ceiling, "s", false);
    Results.target(e, "≤ 60 s", ok && measured <= 60);
    Results.add(results, e);
  }

  // ---------------------------------------------------------------- data generation

  static void generate(Map<String, String> o, Path results) throws Exception {
    DataSet set = DataSet.byName(required(o, "scale"), anchor(o));
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(required(o, "pg"));
    List<Divisions.Unit> units = Divisions.read(Path.of(required(o, "divisions")));
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM meeting), (SELECT count(*) FROM division)");
      r.next();
      if (r.getLong(1) > 0) {
        throw new IllegalStateException("the database already holds meetings: generate into a fresh database");
      }
      if (r.getLong(2) == 0) {
        throw new IllegalStateException("no divisions: import the division file first");
      }
    }
    System.out.println("[bench] generating the " + set.name() + " data set (seed " + set.seed() + ", history up to "
        + set.anchor() + ") ...");
    long t0 = System.nanoTime();
    Generator.Counts counts;
    try (CopyLoader loader = new CopyLoader(jdbc)) {
      counts = new Generator(set, units, loader).run();
    }
    double copySeconds = (System.nanoTime() - t0) / 1e9;
    long rows = counts.rows().values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("[bench] COPY: %,d rows in %.1f s (%s)%n", rows, copySeconds, counts.rows());

    long t1 = System.nanoTime();
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      resetSequences(s);
      s.execute("ANALYZE");
    }
    double analyzeSeconds = (System.nanoTime() - t1) / 1e9;

    long t2 = System.nanoTime();
    long stationMonths = rebuild(jdbc, Integer.parseInt(o.getOrDefault("rebuild-connections", "2")));
    double rebuildSeconds = (System.nanoTime() - t2) / 1e9;
    System.out.printf("[bench] roll-up rebuild: %,d station-months in %.1f s%n", stationMonths, rebuildSeconds);

    long t3 = System.nanoTime();
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      s.execute("ANALYZE stats_station_month");
      s.execute("CHECKPOINT");
    }
    double checkpointSeconds = (System.nanoTime() - t3) / 1e9;
    long bytes;
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      ResultSet r = s.executeQuery("SELECT pg_database_size(current_database())");
      r.next();
      bytes = r.getLong(1);
    }
    double total = (System.nanoTime() - t0) / 1e9;
    JsonObject e = Results.entry("generate", "the " + set.name() + " data set by COPY, then the roll-up rebuild", total, "s");
    JsonObject tables = new JsonObject();
    counts.rows().forEach((t, n) -> tables.put(t.table, n));
    e.put("data_set", new JsonObject().put("scale", set.name()).put("seed", set.seed()).put("anchor", set.anchor().toString())
        .put("stations", counts.stations()).put("history_meetings", counts.historyMeetings())
        .put("pending_meetings", counts.pendingMeetings()).put("rows", tables).put("database_mib", bytes >> 20));
    e.put("copy_seconds", Results.round(copySeconds)).put("copy_rows_per_second", Math.round(rows / copySeconds))
        .put("analyze_seconds", Results.round(analyzeSeconds)).put("rebuild_seconds", Results.round(rebuildSeconds))
        .put("rebuild_station_months", stationMonths).put("checkpoint_seconds", Results.round(checkpointSeconds));
    Results.add(results, e);
  }

  /** Sequences continue after the ids the generator assigned. */
  static void resetSequences(Statement s) throws java.sql.SQLException {
    for (String table : List.of("committee", "member", "station", "topic", "meeting", "outcome")) {
      s.execute("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), coalesce((SELECT max(id) FROM " + table + "), 1))");
    }
  }

  /**
   * The roll-up rebuild after a bulk load: what {@code stats_rebuild()} does (recount every
   * station-month from the raw rows with the set-based {@code stats_recount_stations}, V16), in
   * two ranges of stations per connection, one transaction each, so that both cores work (each
   * range reads every outcome once: few large ranges, not many small ones). Each transaction says {@code yishi.stats_rebuilding = on}
   * instead of locking the counter tables (which would serialise the connections): right after
   * the load nothing else writes. Answers the station-months counted.
   */
  static long rebuild(CopyLoader.Jdbc jdbc, int connections) throws Exception {
    long maxStation;
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM stats_station_month");
      ResultSet r = s.executeQuery("SELECT coalesce(max(id), 0) FROM station");
      r.next();
      maxStation = r.getLong(1);
    }
    long stations = Math.max(REBUILD_MIN_STATIONS, (maxStation + 2L * connections) / (2L * connections));
    java.util.concurrent.atomic.AtomicLong nextChunk = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong counted = new java.util.concurrent.atomic.AtomicLong();
    List<Thread> threads = new ArrayList<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    for (int k = 0; k < connections; k++) {
      Thread t = new Thread(() -> {
        try (Connection c = jdbc.open(); Statement flag = c.createStatement();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT stats_recount_stations(?, ?)")) {
          c.setAutoCommit(false);
          for (long chunk = nextChunk.getAndIncrement(); chunk * stations <= maxStation && failed.get() == null;
               chunk = nextChunk.getAndIncrement()) {
            long first = chunk * stations;
            flag.execute("SELECT set_config('yishi.stats_rebuilding', 'on', true)");
            ps.setLong(1, first);
            ps.setLong(2, first + stations - 1);
            try (ResultSet r = ps.executeQuery()) {
              r.next();
              counted.addAndGet(r.getLong(1));
            }
            c.commit();
          }
        } catch (Exception e) {
          failed.compareAndSet(null, e);
        }
      }, "rebuild-" + k);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failed.get() != null) {
      throw failed.get();
    }
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM stats_plan_item");
      s.execute("INSERT INTO stats_plan_item SELECT * FROM stats_counted_plan_items(0, 9223372036854775807)");
    }
    return counted.get();
  }

  static final int REBUILD_MIN_STATIONS = 500;

  static Duration seconds(Map<String, String> o, String name, int dflt) {
    return Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault(name, String.valueOf(dflt))) * 1000));
  }

  static boolean exists(Path p) {
    return Files.exists(p);
  }
}
