package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.security.Role;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Each role's home page, the work queue (docs/work-queue.md), at city scale: {@code GET /} as a signed-in
 * browser session of an administrator, city staff (the focus city), district staff and a coordinator
 * (of the busiest station of the district read), at the read benchmarks' connection count, beside
 * {@code GET /health}; and what one page costs in CPU, of the node and of the database, beside the
 * city roll-up's ({@code GET /api/v1/stats/rollup}) measured the same way in the same run. Pages are
 * asked for as browsers ask ({@code Accept-Encoding: gzip}); {@code home_district_identity} is the
 * district's page uncompressed, for comparison.
 *
 * <p>CPU is read from {@code /proc}: the node's process ({@code --node-pid}) and the embedded
 * database's process tree ({@code --db-pid}: the PostgreSQL postmaster and its backends),
 * before and after a pass of {@code cpu-seconds} (5) at the same connection count with no warm-up,
 * divided by the pages it served.
 */
final class HomeBenchmarks {
  private static final String PASSWORD = "Bench-Home-Queue-2026";
  private final HttpBenchmarks b;
  private final long nodePid;
  private final long dbPid;
  private final double tick;

  HomeBenchmarks(HttpBenchmarks b) {
    this.b = b;
    this.nodePid = Long.parseLong(b.o.getOrDefault("node-pid", "0"));
    this.dbPid = Long.parseLong(b.o.getOrDefault("db-pid", "0"));
    this.tick = 1000.0 / clockTicks();
  }

  static void run(HttpBenchmarks b, double health) throws Exception {
    new HomeBenchmarks(b).all(health);
  }

  /** One signed-in role: its account, its session cookie, what its scope is. */
  private record Account(String name, String username, String password, String scope) {
  }

  private void all(double health) throws Exception {
    URI node = b.nodes.get(0);
    List<Account> roles = accounts();
    Cpu rollup = cpu(b.get(b.nodes, b.rollupPath(b.units.city()), true));
    System.out.println("[bench] roll-up city CPU per request: node " + ms(rollup.node()) + " ms, database " + ms(rollup.db()) + " ms");
    List<Account> passes = new ArrayList<>(roles);
    passes.add(roles.get(2)); // the district's page once more, uncompressed
    for (int i = 0; i < passes.size(); i++) {
      Account role = passes.get(i);
      boolean gzip = i < roles.size();
      String cookie = b.pageSession(node, role.username(), role.password());
      Function<WebClient, Load.Op> page = home(cookie, gzip);
      Load.Result r = b.load(b.users, page);
      Cpu cost = cpu(page);
      JsonObject e = Results.entry("home_" + role.name() + (gzip ? "" : "_identity"), "GET / (work queue, HTML, signed-in session"
          + (gzip ? ", Accept-Encoding: gzip" : ", uncompressed") + ") of " + role.scope() + ", "
          + b.users + " connections; CPU per page: node " + ms(cost.node()) + " ms, database " + ms(cost.db())
          + " ms (the city roll-up's, same run: node " + ms(rollup.node()) + " ms, database " + ms(rollup.db()) + " ms)",
          r.ops().rate(), "pages/s");
      e.put("latency", r.requests().toJson());
      e.put("cpu_ms_per_page", new JsonObject().put("node", Results.round(cost.node())).put("database", Results.round(cost.db()))
          .put("pages", cost.pages()));
      e.put("rollup_cpu_ms_per_request", new JsonObject().put("node", Results.round(rollup.node()))
          .put("database", Results.round(rollup.db())).put("requests", rollup.pages()));
      if (r.firstError() != null) {
        e.put("first_error", r.firstError());
      }
      Results.ceiling(e, "GET /health", health, "req/s", true);
      Results.target(e, "p99 ≤ 50 ms", r.ops().errors() == 0 && r.requests().p99() <= 50);
      Results.add(b.results, e);
      if (gzip) {
        b.wrk("/", "wrk_home_" + role.name(), cookie, "Accept-Encoding: gzip");
      }
    }
  }

  /**
   * GET / with the session; the page must be the queue (its sections), not the sign-in page: read as
   * text uncompressed; compressed, a gzip answer (not inflated here: the client's CPU is not the node's).
   */
  private static final byte[] QUEUE = "id=\"queue-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private Function<WebClient, Load.Op> home(String cookie, boolean gzip) {
    return client -> (meter, user) -> {
      URI n = b.nodes.get(user % b.nodes.size());
      var request = client.get(n.getPort(), n.getHost(), "/").putHeader("Cookie", cookie);
      if (gzip) {
        request.putHeader("Accept-Encoding", "gzip");
      }
      return meter.time(request.send(), 200).compose(resp -> (gzip ? "gzip".equals(resp.getHeader("Content-Encoding"))
          : Load.contains(resp.body(), QUEUE)) ? Future.succeededFuture() : Future.failedFuture("GET / is not a work queue"));
    };
  }

  /**
   * The accounts whose home pages are read: the administrator, and one of each staff role made here
   * (once per data set; a rerun finds them): city staff of the focus city, district staff of the
   * district read, a coordinator of that district's station with most meetings.
   */
  private List<Account> accounts() {
    Row station = b.pool.preparedQuery("""
            SELECT s.id, s.name FROM station s WHERE s.district_code = $1 AND s.status = 'active'
             ORDER BY (SELECT count(*) FROM meeting m WHERE m.station_id = s.id) DESC, s.id LIMIT 1""")
        .execute(Tuple.of(b.units.district())).await().iterator().next();
    List<Account> roles = new ArrayList<>();
    roles.add(new Account("admin", "admin", Bench.required(b.o, "password"), "the administrator"));
    roles.add(staff("city", "bench-city", Role.CITY_STAFF, b.units.city(), null, "city staff of " + b.units.cityName()));
    roles.add(staff("district", "bench-district", Role.DISTRICT_STAFF, b.units.district(), null,
        "district staff of " + b.units.districtName()));
    roles.add(staff("coordinator", "bench-coordinator", Role.STATION_COORDINATOR, b.units.district(), station.getLong(0),
        "a coordinator of " + station.getString(1)));
    b.pool.query("UPDATE account SET must_change_password = false WHERE username LIKE 'bench-%'").execute().await();
    return roles;
  }

  private Account staff(String name, String username, Role role, String scope, Long station, String what) {
    JsonObject body = new JsonObject().put("username", username).put("displayName", username).put("role", role.key())
        .put("scopeCode", scope).put("password", PASSWORD);
    if (station != null) {
      body.put("stationIds", new JsonArray().add(station));
    }
    WebClient client = b.client();
    URI n = b.nodes.get(0);
    HttpResponse<Buffer> r = b.auth(client.post(n.getPort(), n.getHost(), "/api/v1/users")).sendJsonObject(body).await();
    client.close();
    if (r.statusCode() != 201 && r.statusCode() != 409) {
      throw new IllegalStateException("creating " + username + " answered " + r.statusCode() + ": " + r.bodyAsString());
    }
    return new Account(name, username, PASSWORD, what);
  }

  // ---------------------------------------------------------------- CPU per page

  /** CPU milliseconds per request of the node and of the database, over {@code pages} requests. */
  record Cpu(double node, double db, long pages) {
  }

  Cpu cpu(Function<WebClient, Load.Op> op) {
    Duration pass = Duration.ofSeconds(Long.parseLong(b.o.getOrDefault("cpu-seconds", "5")));
    long node0 = ticks(Set.of(nodePid));
    long db0 = ticks(tree(dbPid));
    Load.Result r = Load.run(b.vertx, new Load.Options(b.users, Duration.ZERO, pass, Long.MAX_VALUE,
        Integer.parseInt(b.o.getOrDefault("client-threads", "1")), true), op);
    long node1 = ticks(Set.of(nodePid));
    long db1 = ticks(tree(dbPid));
    long pages = Math.max(1, r.requests().ops());
    return new Cpu((node1 - node0) * tick / pages, (db1 - db0) * tick / pages, pages);
  }

  private static String ms(double v) {
    return Results.fmt(v);
  }

  /** utime + stime + cutime + cstime of the processes, in clock ticks (0 for those gone or unknown). */
  static long ticks(Set<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      String[] f = stat(pid);
      if (f != null) {
        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
      }
    }
    return sum;
  }

  /** The fields of /proc/PID/stat after the command name ({@code [0]} is the state, {@code [1]} the parent). */
  private static String[] stat(long pid) {
    if (pid <= 0) {
      return null;
    }
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return s.substring(s.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** A process and all its descendants. */
  static Set<Long> tree(long root) {
    Set<Long> out = new HashSet<>();
    if (root <= 0) {
      return out;
    }
    Map<Long, List<Long>> children = new HashMap<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).forEach(n -> {
        String[] f = stat(Long.parseLong(n));
        if (f != null) {
          children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(Long.parseLong(n));
        }
      });
    } catch (IOException e) {
      return out;
    }
    List<Long> todo = new ArrayList<>(List.of(root));
    while (!todo.isEmpty()) {
      long pid = todo.remove(todo.size() - 1);
      if (out.add(pid)) {
        todo.addAll(children.getOrDefault(pid, List.of()));
      }
    }
    return out;
  }

  static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (Exception e) {
      return 100;
    }
  }
}
