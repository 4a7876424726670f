package org.yishi.support;

import io.vertx.core.json.JsonObject;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Starts real nodes (real Hazelcast on 127.0.0.1, real PostgreSQL) for tests. */
public final class TestNodes {
  public static final String ADMIN_PASSWORD = "admin-test-password";

  private TestNodes() {
  }

  /** Below Linux's ephemeral range (32768-60999), where outgoing connections take their local ports. */
  private static final int FIRST_PORT = 20_000;
  private static final int PORTS = 12_000;
  private static final java.util.concurrent.atomic.AtomicInteger NEXT =
      new java.util.concurrent.atomic.AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(PORTS));

  /**
   * A port free on 127.0.0.1 right now, below the ephemeral range: a port the kernel handed out
   * (bind to 0) was taken, between this check and the node's bind, by one of the suite's many outgoing
   * connections (PostgreSQL, Hazelcast, HTTP clients) and failed a CI run with "Address already in use".
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      // handed out in turn from a random start: never the same port twice in one test run
      int port = FIRST_PORT + Math.floorMod(NEXT.getAndIncrement(), PORTS);
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // in use: try another
      }
    }
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A unique cluster name, so that concurrently running tests never join each other. */
  public static String clusterName() {
    return "yishi-test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Settings for a test node: free HTTP and Hazelcast ports, a temporary data directory, one HTTP
   * instance; {@code overrides} are environment variables as an operator would set them.
   */
  public static Map<String, String> env(String pgUrl, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    int clusterPort = freePort();
    env.put("YISHI_HTTP_PORT", String.valueOf(freePort()));
    env.put("YISHI_CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("YISHI_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort);
    env.put("YISHI_CLUSTER_NAME", clusterName());
    env.put("YISHI_HTTP_INSTANCES", "1");
    env.put("YISHI_HTTP_SHUTDOWN_GRACE", "5");
    // no load balancer in front of the in-JVM nodes: no notice before they stop (GracefulShutdownTest sets one)
    env.put("YISHI_HTTP_DRAIN_NOTICE_MILLIS", "0");
    // a low PBKDF2 work factor keeps the many sign-ins of the suite fast; PasswordHasherTest covers the default
    env.put("YISHI_PASSWORD_ITERATIONS", "1000");
    env.put("YISHI_ADMIN_PASSWORD", ADMIN_PASSWORD);
    // sweeps such as HostileInputTest send thousands of requests as one user in seconds; the
    // per-user rate limit is exercised by RateLimitTest, which sets its own
    env.put("YISHI_RATE_LIMIT_PER_SECOND", "0");
    env.put("YISHI_DATA_DIR", TempDirs.create("yishi-test-data").toString());
    if (pgUrl != null) {
      env.put("YISHI_PG_URL", pgUrl);
    }
    env.putAll(overrides);
    return env;
  }

  /**
   * Settings for {@code n} members of one cluster on 127.0.0.1 sharing one database: each its own
   * Hazelcast and HTTP port and data directory, all listing every member; {@code shared} applies to all.
   */
  public static java.util.List<Map<String, String>> clusterEnvs(String pgUrl, int n, Map<String, String> shared) {
    int[] ports = new int[n];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < n; i++) {
      ports[i] = freePort();
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports[i]);
    }
    String name = clusterName();
    java.util.List<Map<String, String>> out = new java.util.ArrayList<>();
    for (int port : ports) {
      Map<String, String> env = new HashMap<>(shared);
      env.put("YISHI_CLUSTER_NAME", name);
      env.put("YISHI_CLUSTER_MEMBERS", members.toString());
      env.put("YISHI_CLUSTER_PORT", String.valueOf(port));
      out.add(env(pgUrl, env));
    }
    return out;
  }

  public static AppConfig config(Map<String, String> env) {
    return AppConfig.from(new JsonObject(), env);
  }

  public static Node start(Map<String, String> env) {
    return start(env, null);
  }

  /** A node whose schedulers read {@code clock} (null: the system clock). */
  public static Node start(Map<String, String> env, java.time.Clock clock) {
    return start(config(env), clock);
  }

  /** A node of a finished configuration (e.g. a node process's own environment). */
  public static Node start(AppConfig config, java.time.Clock clock) {
    return (clock == null ? Node.start(config) : Node.start(config, clock)).await();
  }

  public static Node start(String pgUrl) {
    return start(env(pgUrl, Map.of()));
  }
}
