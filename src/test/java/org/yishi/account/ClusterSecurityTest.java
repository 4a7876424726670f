package org.yishi.account;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yishi.platform.Node;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Security state shared by the cluster: throttle counters and browser sessions, on two real members. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSecurityTest {
  private static Node a;
  private static Node b;

  @BeforeAll
  static void start() {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    int portA = TestNodes.freePort();
    int portB = TestNodes.freePort();
    Map<String, String> shared = new HashMap<>();
    shared.put("YISHI_CLUSTER_NAME", TestNodes.clusterName());
    shared.put("YISHI_CLUSTER_MEMBERS", "127.0.0.1:" + portA + ",127.0.0.1:" + portB);
    shared.put("YISHI_LOGIN_MAX_ATTEMPTS", "4");
    Map<String, String> envA = new HashMap<>(shared);
    envA.put("YISHI_CLUSTER_PORT", String.valueOf(portA));
    Map<String, String> envB = new HashMap<>(shared);
    envB.put("YISHI_CLUSTER_PORT", String.valueOf(portB));
    a = TestNodes.start(TestNodes.env(pgUrl, envA));
    b = TestNodes.start(TestNodes.env(pgUrl, envB));
    AccountFixtures.create(a);
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close(); // already closed by the failover test: close() is idempotent
  }

  private static int attempt(Node n, String password) {
    return new Api(n.baseUrl()).call("POST", "/api/v1/auth/token", null,
        new JsonObject().put("username", "d2").put("password", password).encode()).statusCode();
  }

  @Test
  @Order(1)
  void failuresOnOneNodeCountOnTheOther() {
    assertEquals(401, attempt(a, "wrong-1"));
    assertEquals(401, attempt(b, "wrong-2"));
    assertEquals(401, attempt(a, "wrong-3"));
    assertEquals(401, attempt(b, "wrong-4"));
    assertEquals(429, attempt(a, AccountFixtures.PASSWORD), "four failures spread over two nodes");
    assertEquals(429, attempt(b, AccountFixtures.PASSWORD));
  }

  @Test
  @Order(2)
  void sessionSurvivesTheNodeThatCreatedIt() {
    Browser browser = new Browser(a.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    assertEquals(200, browser.get("/admin/users").statusCode());
    a.close();

    HttpResponse<String> onB = browser.at(b.baseUrl()).get("/admin/users");
    assertEquals(200, onB.statusCode(), "still signed in through node B");
    assertTrue(onB.body().contains("洮北联络员"));
    // the CSRF token travelled with the session too: a form post on B is accepted
    assertEquals(303, browser.post("/logout", Map.of()).statusCode());
    assertEquals(303, browser.get("/admin/users").statusCode(), "signed out");
  }
}
