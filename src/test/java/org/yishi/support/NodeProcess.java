package org.yishi.support;

import io.vertx.core.json.JsonObject;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Yishi node (or the database, {@code yishi.jar db}) run as a process of its own, from the test
 * class path, so that a test can do to it what happens to real processes: SIGKILL, SIGSTOP/SIGCONT,
 * SIGTERM, and start it again with the same settings. Output goes to {@code target/fault/NAME.log}.
 */
public final class NodeProcess {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final String name;
  private final Map<String, String> env;
  private final List<String> args;
  private final Path log;
  private Process process;
  private int starts;

  private NodeProcess(String name, Map<String, String> env, List<String> args) {
    this.name = name;
    this.env = env;
    this.args = args;
    this.log = Path.of("target", "fault", name + ".log");
  }

  /** A node with these settings (as {@link TestNodes#env} makes them). */
  public static NodeProcess node(String name, Map<String, String> env) {
    return new NodeProcess(name, env, List.of());
  }

  /** The embedded database alone ({@code java -jar yishi.jar db}), keeping its data in {@code dataDir}. */
  public static NodeProcess database(Path dataDir, int port) {
    return new NodeProcess("database", Map.of("YISHI_DATA_DIR", dataDir.toString(),
        "YISHI_PG_EMBEDDED_PORT", String.valueOf(port)), List.of("db"));
  }

  public String name() {
    return name;
  }

  public Map<String, String> env() {
    return env;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + env.get("YISHI_HTTP_PORT");
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** Starts the process (appending to its log). */
  public NodeProcess start() {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    // the module flags Hazelcast wants, as this JVM got them from the build
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-")).forEach(command::add);
    command.addAll(List.of("-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8",
        "-cp", classPath(), "org.yishi.Main"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("YISHI_"));
    pb.environment().putAll(env);
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "\n===== start " + (++starts) + " =====\n", java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Waits until {@code /ready} answers 200 with {@code members} cluster members (0: any). */
  public NodeProcess awaitReady(int members, Duration limit) {
    long until = System.nanoTime() + limit.toNanos();
    String last = "no answer";
    while (System.nanoTime() < until) {
      if (!alive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/ready"))
            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && (members == 0
            || new JsonObject(r.body()).getJsonObject("cluster").getInteger("members") == members)) {
          return this;
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(250);
    }
    throw new AssertionError(name + " not ready with " + members + " members within " + limit + ": " + last);
  }

  /** Waits until the database process says it is running. */
  public NodeProcess awaitLogLine(String text, Duration limit) {
    long until = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < until) {
      try {
        String content = Files.readString(log);
        if (content.substring(content.lastIndexOf("===== start")).contains(text)) {
          return this;
        }
      } catch (IOException ignored) {
        // not written yet
      }
      if (!alive()) {
        throw new AssertionError(name + " exited; see " + log);
      }
      sleep(200);
    }
    throw new AssertionError(name + ": '" + text + "' not logged within " + limit + "; see " + log);
  }

  /** What the process logged since it was last started. */
  public String logSinceStart() {
    try {
      String content = Files.readString(log);
      return content.substring(content.lastIndexOf("===== start"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL: the process dies at once, nothing runs on its way out. */
  public void kill() {
    process.destroyForcibly();
    waitExit(30);
  }

  /** SIGTERM: the node drains and leaves (its shutdown hook); waits for it to exit. */
  public int terminate(int seconds) {
    process.destroy();
    if (!waitExit(seconds)) {
      process.destroyForcibly();
      waitExit(30);
      throw new AssertionError(name + " did not stop within " + seconds + " s of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes (as in a long GC pause or a stalled VM), its sockets stay open. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String sig) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The test class path without ical4j: it registers a time-zone provider that logs while it loads,
   * which can deadlock with the JDK's logging set-up when two threads start both at once (the node
   * has no use for it; the production jar does not contain it).
   */
  private static String classPath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.contains("ical4j"))
        .collect(java.util.stream.Collectors.joining(File.pathSeparator));
  }

  private boolean waitExit(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Ends the process however it is (resumed first if frozen); for clean-up. */
  public void destroy() {
    if (alive()) {
      try {
        signal("CONT");
      } catch (RuntimeException ignored) {
        // it may have ended meanwhile
      }
      process.destroy();
      if (!waitExit(30)) {
        process.destroyForcibly();
        waitExit(30);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
