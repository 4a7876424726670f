package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.util.function.Function;

/**
 * What the dashboard page costs, beside its throughput ({@code dashboard_district}): CPU per page of
 * the node and of the database, measured as {@link HomeBenchmarks} measures the home pages; and the
 * same page asked for as browsers ask ({@code Accept-Encoding: gzip}, {@code dashboard_district_gzip}),
 * with its CPU per page and the bytes a page takes on the wire.
 */
final class DashboardBenchmarks {
  private DashboardBenchmarks() {
  }

  static void run(HttpBenchmarks b, String path, String cookie, JsonObject plainEntry, double health) throws Exception {
    HomeBenchmarks cpu = new HomeBenchmarks(b);
    // what the node and the database spend with no request at all over the same pass (heartbeats, timers,
    // the profiler when on): under contention a page's share of it is large, so it is also given net
    HomeBenchmarks.Cpu idle = cpu.cpu(client -> (meter, user) -> b.vertx.timer(100));
    HomeBenchmarks.Cpu plain = cpu.cpu(page(b, path, cookie, false));
    plainEntry.put("cpu_ms_per_page", json(plain, idle));
    System.out.println("[bench] dashboard_district CPU per page: node " + Results.fmt(plain.node()) + " ms, database "
        + Results.fmt(plain.db()) + " ms; net of idle: node " + Results.fmt(net(plain, idle, true)) + " ms, database "
        + Results.fmt(net(plain, idle, false)) + " ms");

    Load.Result r = b.load(b.users, page(b, path, cookie, true));
    HomeBenchmarks.Cpu gzip = cpu.cpu(page(b, path, cookie, true));
    JsonObject e = Results.entry("dashboard_district_gzip", "GET " + path + " (HTML, signed-in session, Accept-Encoding: gzip), "
        + b.users + " connections; CPU per page: node " + Results.fmt(gzip.node()) + " ms, database " + Results.fmt(gzip.db())
        + " ms (net of idle: node " + Results.fmt(net(gzip, idle, true)) + " ms, database " + Results.fmt(net(gzip, idle, false))
        + " ms)", r.ops().rate(), "pages/s");
    e.put("latency", r.requests().toJson());
    e.put("cpu_ms_per_page", json(gzip, idle));
    e.put("bytes_per_page", new JsonObject().put("gzip", size(b, path, cookie, true)).put("identity", size(b, path, cookie, false)));
    if (r.firstError() != null) {
      e.put("first_error", r.firstError());
    }
    Results.ceiling(e, "GET /health", health, "req/s", true);
    Results.target(e, "p99 ≤ 50 ms, ≥ 2,000 pages/s", r.ops().errors() == 0 && r.requests().p99() <= 50 && r.ops().rate() >= 2000);
    Results.add(b.results, e);
  }

  private static JsonObject json(HomeBenchmarks.Cpu c, HomeBenchmarks.Cpu idle) {
    return new JsonObject().put("node", Results.round(c.node())).put("database", Results.round(c.db())).put("pages", c.pages())
        .put("node_net_of_idle", Results.round(net(c, idle, true))).put("database_net_of_idle", Results.round(net(c, idle, false)));
  }

  /** CPU ms per page less the idle pass's CPU (same length), spread over the pages. */
  private static double net(HomeBenchmarks.Cpu c, HomeBenchmarks.Cpu idle, boolean node) {
    double total = (node ? c.node() : c.db()) * c.pages();
    double background = (node ? idle.node() : idle.db()) * idle.pages();
    return (total - background) / c.pages();
  }

  /** The page as a browser asks for it: 200, compressed when gzip is accepted (the body is not inflated here). */
  private static Function<WebClient, Load.Op> page(HttpBenchmarks b, String path, String cookie, boolean gzip) {
    return client -> (meter, user) -> {
      URI n = b.nodes.get(user % b.nodes.size());
      var request = client.get(n.getPort(), n.getHost(), path).putHeader("Cookie", cookie);
      if (gzip) {
        request.putHeader("Accept-Encoding", "gzip");
      }
      return meter.time(request.send(), 200).compose(resp -> !gzip || "gzip".equals(resp.getHeader("Content-Encoding"))
          ? Future.succeededFuture() : Future.failedFuture("the page was not compressed"));
    };
  }

  /** The bytes of one page on the wire. */
  private static int size(HttpBenchmarks b, String path, String cookie, boolean gzip) {
    WebClient client = b.client();
    URI n = b.nodes.get(0);
    var request = client.get(n.getPort(), n.getHost(), path).putHeader("Cookie", cookie);
    if (gzip) {
      request.putHeader("Accept-Encoding", "gzip");
    }
    int bytes = request.send().await().body().length();
    client.close();
    return bytes;
  }
}
