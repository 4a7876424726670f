package org.yishi.account;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Security state shared by the cluster: throttle counters and browser sessions, on two real members. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSecurityTest {
  // a is closed by the failover test; the extension's close afterwards is idempotent
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env("YISHI_LOGIN_MAX_ATTEMPTS", "4");
  @FromNode private static Node a;
  @FromNode(member = 1) private static Node b;

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
