package org.yishi.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;

/**
 * The write path's second ceiling (issue 25): what the database can commit. The same number of rows
 * as one record through the API writes (the record, the meeting's status, 3 outcomes with their
 * history rows, an audit entry for the record and each outcome: {@link #ROWS_PER_RECORD}), each as a
 * single-row INSERT in its own durable transaction through the 16-connection pool, into a scratch
 * table dropped afterwards. Reported as records/s (commits/s divided by the rows of a record) beside
 * the {@code write} benchmark's result as {@code write_commit}.
 */
final class WriteCommitCeiling {
  static final int ROWS_PER_RECORD = 12;
  private static final String PAYLOAD = "协商成果：加快推进老旧小区改造，纳入年度民生实事。".repeat(4);

  private WriteCommitCeiling() {
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
}
