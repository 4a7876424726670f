package org.yishi.platform;

import org.yishi.app.Node;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.yishi.platform.db.Database;
import org.yishi.support.Http;
import org.yishi.support.TempDirs;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The external-database mode, a database outage seen by /ready, and the embedded mode's persistence. */
class DatabaseModesTest {

  @Test
  void externalDatabaseOutageTurnsReadyDownAndBackUp() throws Exception {
    Path dir = TempDirs.create("yishi-external-pg").resolve("pg");
    int pgPort = TestNodes.freePort();
    // a separately started PostgreSQL, as an operator's external server would be
    EmbeddedPostgres external = Database.startEmbedded(dir, pgPort);
    Node node = null;
    try {
      Map<String, String> env = TestNodes.env("postgresql://postgres@127.0.0.1:" + pgPort + "/postgres",
          Map.of("YISHI_PG_CONNECT_TIMEOUT", "2"));
      node = TestNodes.start(env);
      String ready = node.baseUrl() + "/ready";
      assertEquals(200, Http.get(ready).statusCode());
      assertFalse(Files.exists(Path.of(env.get("YISHI_DATA_DIR"), "pg")), "external mode starts no embedded database");

      external.close();
      HttpResponse<String> down = awaitStatus(ready, 503);
      JsonObject body = Http.json(down);
      assertEquals("DOWN", body.getString("status"));
      assertTrue(body.getString("reason").startsWith("database"), body.encode());
      assertEquals(200, Http.get(node.baseUrl() + "/health").statusCode(), "liveness is unaffected");

      external = Database.startEmbedded(dir, pgPort);
      HttpResponse<String> up = awaitStatus(ready, 200);
      assertEquals("UP", Http.json(up).getString("database"));
    } finally {
      if (node != null) {
        node.close();
      }
      external.close();
    }
  }

  @Test
  void embeddedDatabaseKeepsDataAcrossRestartsAndStopsWithTheNode() throws Exception {
    Map<String, String> env = TestNodes.env(null, Map.of());
    Node first = TestNodes.start(env);
    int pgPort = first.database().connectOptions().getPort();
    String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres";
    try (Connection c = DriverManager.getConnection(jdbc)) {
      c.createStatement().execute("INSERT INTO app_setting(key, value) VALUES ('restart-probe', '保留')");
    }
    first.close();
    assertFalse(canConnect(jdbc), "the embedded database stops with the node");

    Node second = TestNodes.start(env);
    try {
      String jdbc2 = "jdbc:postgresql://127.0.0.1:" + second.database().connectOptions().getPort() + "/postgres?user=postgres";
      try (Connection c = DriverManager.getConnection(jdbc2);
           ResultSet rs = c.createStatement().executeQuery("SELECT value FROM app_setting WHERE key = 'restart-probe'")) {
        assertTrue(rs.next());
        assertEquals("保留", rs.getString(1));
      }
      assertEquals(200, Http.get(second.baseUrl() + "/ready").statusCode());
    } finally {
      second.close();
    }
  }

  private static boolean canConnect(String jdbc) {
    try (Connection ignored = DriverManager.getConnection(jdbc)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static HttpResponse<String> awaitStatus(String url, int status) throws InterruptedException {
    HttpResponse<String> last = null;
    for (int i = 0; i < 60; i++) {
      last = Http.get(url);
      if (last.statusCode() == status) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("expected " + status + " from " + url + ", last: " + (last == null ? "none" : last.statusCode() + " " + last.body()));
  }
}
