package org.yishi.reliability;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestPostgres;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stopping a node (what SIGTERM does) drains it: it stops accepting connections, lets the request in
 * flight finish and commit, and only then leaves the cluster.
 */
class GracefulShutdownTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env("YISHI_HTTP_SHUTDOWN_GRACE", "20")
      .memberEnv(1, "YISHI_HTTP_DRAIN_NOTICE_MILLIS", "2000");
  @FromNode private static String pgUrl;
  @FromNode private static Node staying;
  @FromNode(member = 1) private static Node leaving;
  @FromNode private static AccountFixtures f;

  private static int members(Node node) {
    return Http.json(Http.get(node.baseUrl() + "/ready")).getJsonObject("cluster").getInteger("members");
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aStoppingNodeFinishesTheRequestInFlightThenLeavesTheCluster() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    String token = new Api(leaving.baseUrl()).token("c1", AccountFixtures.PASSWORD);
    for (int i = 0; i < 100 && members(staying) < 2; i++) {
      Thread.sleep(100);
    }
    assertEquals(2, members(staying));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> inFlight;
    Thread closing;
    try (Connection lock = TestPostgres.jdbc(pgUrl)) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("SELECT 1 FROM station WHERE id = " + station + " FOR UPDATE");
      }
      inFlight = client.sendAsync(HttpRequest.newBuilder(URI.create(leaving.baseUrl() + "/api/v1/topics"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("stationId", station).put("title", "停机时的议题")
              .put("category", "livelihood").put("source", "residents").encode())).build(), HttpResponse.BodyHandlers.ofString());
      Sql sql = new Sql(pgUrl);
      for (int i = 0; i < 100 && sql.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 0; i++) {
        Thread.sleep(50);
      }
      closing = new Thread(leaving::close, "sigterm");
      closing.start();
      // the notice first: the node still answers, and closes each connection after its answer
      Thread.sleep(300);
      HttpResponse<String> during = client.send(HttpRequest.newBuilder(URI.create(leaving.baseUrl() + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, during.statusCode(), "answered during the notice");
      assertEquals("close", during.headers().firstValue("Connection").orElse(""), "with Connection: close");
      boolean refused = false;
      for (int i = 0; i < 100 && !refused; i++) {
        refused = !accepts(leaving.httpPort());
        Thread.sleep(50);
      }
      assertTrue(refused, "the stopping node no longer accepts connections");
      assertFalse(inFlight.isDone(), "while the request in flight is still running");
      assertEquals(2, members(staying), "and it is still a cluster member while it drains");
      lock.commit();
    }
    HttpResponse<String> answer = inFlight.get(30, TimeUnit.SECONDS);
    assertEquals(201, answer.statusCode(), "the request in flight finished: " + answer.body());
    closing.join(60_000);
    assertFalse(closing.isAlive());
    assertEquals(1, new Sql(pgUrl).count("SELECT count(*) FROM topic WHERE title = '停机时的议题'"), "and its write committed");
    for (int i = 0; i < 100 && members(staying) > 1; i++) {
      Thread.sleep(100);
    }
    assertEquals(1, members(staying), "the node left the cluster after draining");
  }
}
