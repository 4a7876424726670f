package org.yishi.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The write path's second ceiling (issue 25): what the database can commit. The same number of rows
 * as one record through the API writes (the record, the meeting's status, 3 outcomes with their
 * history rows, an audit entry for the record and each outcome: {@link #ROWS_PER_RECORD}), each as a
 * single-row INSERT in its own durable transaction through the 16-connection pool, into a scratch
 * table dropped afterwards. Reported as records/s (commits/s divided by the rows of a record) beside
 * the {@code write} benchmark's result as {@code write_commit}. And what a record costs in CPU, of the
 * node and of the database ({@link #cpu}).
 */
final class WriteBench {
  static final int ROWS_PER_RECORD = 12;
  private static final String PAYLOAD = "协商成果：加快推进老旧小区改造，纳入年度民生实事。".repeat(4);

  private WriteBench() {
  }

  /** Measures the commit ceiling with {@code writers} connections and adds it beside the {@code write} entry {@code api}. */
  static void measure(HttpBenchmarks b, Pool pool, Path results, JsonObject api, int writers) throws Exception {
    pool.query("CREATE TABLE IF NOT EXISTS bench_commit_ceiling (id bigserial PRIMARY KEY, ref bigint NOT NULL, "
        + "payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())").execute().await();
    try {
      Load.Result commits = b.load(writers, client -> (meter, user) -> meter.timed(pool.preparedQuery(
          "INSERT INTO bench_commit_ceiling (ref, payload) VALUES ($1, $2)").execute(Tuple.of((long) user, PAYLOAD))));
      double records = commits.ops().rate() / ROWS_PER_RECORD;
      JsonObject e = Results.entry("write_commit", "benchmark write's result beside what the database can commit: "
          + ROWS_PER_RECORD + " rows per record", api.getDouble("value"), "records/s");
      e.put("latency", api.getJsonObject("latency"));
      Results.ceiling(e, ROWS_PER_RECORD + " single-row durable INSERTs per record, each its own transaction, through a "
          + "16-connection pool (" + Math.round(commits.ops().rate()) + " commits/s)", records, "records/s", true);
      e.getJsonObject("ceiling").put("latency", commits.ops().toJson());
      if (commits.firstError() != null) {
        e.getJsonObject("ceiling").put("first_error", commits.firstError());
      }
      Results.add(results, e);
    } finally {
      pool.query("DROP TABLE IF EXISTS bench_commit_ceiling").execute().await();
    }
  }

  /**
   * CPU milliseconds per record of the node ({@code --node-pid}) and of the database's process tree
   * ({@code --db-pid}), read from /proc around a pass of {@code cpu-seconds} (5) of {@code op} at
   * {@code writers} connections with no warm-up (as HomeBenchmarks measures pages); added to {@code e}.
   */
  static void cpu(HttpBenchmarks b, JsonObject e, int writers, java.util.function.Function<io.vertx.ext.web.client.WebClient, Load.Op> op) {
    long nodePid = Long.parseLong(b.o.getOrDefault("node-pid", "0"));
    long dbPid = Long.parseLong(b.o.getOrDefault("db-pid", "0"));
    if (nodePid <= 0) {
      return;
    }
    double tick = 1000.0 / HomeBenchmarks.clockTicks();
    long node0 = HomeBenchmarks.ticks(Set.of(nodePid));
    long db0 = HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid));
    Load.Result r = Load.run(b.vertx, new Load.Options(writers, Duration.ZERO,
        Duration.ofSeconds(Long.parseLong(b.o.getOrDefault("cpu-seconds", "5"))), Long.MAX_VALUE,
        Integer.parseInt(b.o.getOrDefault("client-threads", "1")), true), op);
    long node1 = HomeBenchmarks.ticks(Set.of(nodePid));
    long db1 = HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid));
    long records = Math.max(1, r.ops().ops());
    e.put("cpu_ms_per_record", new JsonObject().put("node", Results.round((node1 - node0) * tick / records))
        .put("database", Results.round((db1 - db0) * tick / records)).put("records", records));
    System.out.println("[bench] write CPU per record: node " + Results.fmt((node1 - node0) * tick / records) + " ms, database "
        + Results.fmt((db1 - db0) * tick / records) + " ms (" + records + " records)");
  }
}
