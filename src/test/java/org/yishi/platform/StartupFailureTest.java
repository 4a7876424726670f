package org.yishi.platform;

import org.junit.jupiter.api.Test;
import org.yishi.support.TestNodes;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configuration stops the real launcher with one clear line and a non-zero exit status. */
class StartupFailureTest {

  @Test
  void unknownPortValue() throws Exception {
    Result r = launch(Map.of("YISHI_HTTP_PORT", "eighty"));
    assertEquals(2, r.exit);
    assertTrue(r.stderr.contains("yishi: invalid configuration: YISHI_HTTP_PORT (http.port): 'eighty' is not a port number"), r.stderr);
    assertFalse(r.stderr.contains("\tat "), "no stack trace: " + r.stderr);
  }

  @Test
  void unreachableDatabaseUrl() throws Exception {
    int closed = TestNodes.freePort();
    Result r = launch(Map.of("YISHI_PG_URL", "postgresql://yishi:secret@127.0.0.1:" + closed + "/yishi",
        "YISHI_PG_CONNECT_TIMEOUT", "2"));
    assertEquals(2, r.exit, r.stderr);
    assertTrue(r.stderr.contains("yishi: cannot start: YISHI_PG_URL (database.url): cannot connect to PostgreSQL at 127.0.0.1:" + closed), r.stderr);
  }

  @Test
  void httpPortInUseFailsAfterJoiningTheClusterInsteadOfHanging() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
      // everything else starts (embedded database, cluster, migrations, features) before the port is found taken
      Result r = launch(Map.of("YISHI_HTTP_PORT", String.valueOf(taken.getLocalPort()), "YISHI_HTTP_HOST", "127.0.0.1"));
      assertEquals(2, r.exit, r.stderr);
      assertTrue(r.stderr.contains("yishi: cannot start: YISHI_HTTP_PORT (http.port): 127.0.0.1:" + taken.getLocalPort()
          + " cannot be used"), r.stderr);
    }
  }

  private record Result(int exit, String stderr) {
  }

  private static Result launch(Map<String, String> overrides) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "org.yishi.Main"));
    pb.environment().keySet().removeIf(k -> k.startsWith("YISHI_"));
    pb.environment().putAll(TestNodes.env(null, overrides));
    File err = Files.createTempFile("yishi-launch", ".err").toFile();
    err.deleteOnExit();
    pb.redirectError(err).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the node did not exit on bad configuration");
    }
    return new Result(p.exitValue(), Files.readString(err.toPath(), StandardCharsets.UTF_8));
  }
}
