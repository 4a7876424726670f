package org.yishi.bench;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What one public status page ({@code GET /r/track?code=…}) costs in CPU, of the node and of the
 * database, measured as {@link HomeBenchmarks} measures a home page: {@code /proc} ticks of the node's
 * process ({@code --node-pid}) and of the database's process tree ({@code --db-pid}) before and after a
 * pass of {@code cpu-seconds} (5) with no warm-up, divided by the pages it served; and the same less
 * what the processes spend idle (read over as long a pause just before). Without the pids (an external
 * node) nothing is measured.
 */
final class StatusPageCpu {
  private StatusPageCpu() {
  }

  /** Runs {@code pass} between two readings and adds {@code cpu_ms_per_page} to {@code entry}. */
  static void measure(Map<String, String> o, JsonObject entry, Supplier<Load.Result> pass) {
    long nodePid = Long.parseLong(o.getOrDefault("node-pid", "0"));
    long dbPid = Long.parseLong(o.getOrDefault("db-pid", "0"));
    if (nodePid <= 0) {
      return;
    }
    double tick = 1000.0 / HomeBenchmarks.clockTicks();
    // what the processes spend with no request at all (timers, the cluster's heartbeats, the
    // scheduler's jobs, the profiler when recording), per second: at a few hundred pages a second under
    // contention it is a large part of the gross figure
    long idleStart = System.nanoTime();
    long nodeIdle0 = HomeBenchmarks.ticks(Set.of(nodePid));
    long dbIdle0 = HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid));
    try {
      Thread.sleep(seconds(o).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
    double nodeIdle = (HomeBenchmarks.ticks(Set.of(nodePid)) - nodeIdle0) * tick / idleSeconds;
    double dbIdle = (HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid)) - dbIdle0) * tick / idleSeconds;

    long start = System.nanoTime();
    long node0 = HomeBenchmarks.ticks(Set.of(nodePid));
    long db0 = HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid));
    Load.Result r = pass.get();
    long node1 = HomeBenchmarks.ticks(Set.of(nodePid));
    long db1 = HomeBenchmarks.ticks(HomeBenchmarks.tree(dbPid));
    double passSeconds = (System.nanoTime() - start) / 1e9;
    long pages = Math.max(1, r.requests().ops());
    double node = (node1 - node0) * tick / pages;
    double db = (db1 - db0) * tick / pages;
    double nodeNet = Math.max(0, (node1 - node0) * tick - nodeIdle * passSeconds) / pages;
    double dbNet = Math.max(0, (db1 - db0) * tick - dbIdle * passSeconds) / pages;
    System.out.println("[bench] status page CPU per request: node " + Results.fmt(node) + " ms, database "
        + Results.fmt(db) + " ms over " + pages + " pages; less the idle processes' (node " + Results.fmt(nodeIdle)
        + " ms/s, database " + Results.fmt(dbIdle) + " ms/s): node " + Results.fmt(nodeNet) + " ms, database "
        + Results.fmt(dbNet) + " ms");
    entry.put("cpu_ms_per_page", new JsonObject().put("node", Results.round(node)).put("database", Results.round(db))
        .put("pages", pages).put("idle_ms_per_second", new JsonObject().put("node", Results.round(nodeIdle))
            .put("database", Results.round(dbIdle)))
        .put("net_of_idle", new JsonObject().put("node", Results.round(nodeNet)).put("database", Results.round(dbNet))));
  }

  /** The pass's length: {@code cpu-seconds} (5). */
  static Duration seconds(Map<String, String> o) {
    return Duration.ofSeconds(Long.parseLong(o.getOrDefault("cpu-seconds", "5")));
  }
}
