package org.yishi.account;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.support.Http;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Behind a load balancer every request comes from the balancer: the per-address sign-in throttle
 * must count the client named by X-Forwarded-For when (and only when) the peer is a trusted proxy.
 */
class TrustedProxyTest {
  private static Node behindBalancer;
  private static Node direct;

  @BeforeAll
  static void start() {
    String db = TestPostgres.freshDatabaseUrl();
    Map<String, String> limits = Map.of("YISHI_LOGIN_MAX_ATTEMPTS", "100", "YISHI_LOGIN_MAX_PER_ADDRESS", "3",
        "YISHI_LOGIN_WINDOW_SECONDS", "600");
    java.util.HashMap<String, String> trusted = new java.util.HashMap<>(limits);
    trusted.put("YISHI_HTTP_TRUSTED_PROXIES", "127.0.0.1");
    // two separate clusters on one database: the throttle lives in each cluster
    behindBalancer = TestNodes.start(TestNodes.env(db, trusted));
    direct = TestNodes.start(TestNodes.env(db, limits));
  }

  @AfterAll
  static void stop() {
    behindBalancer.close();
    direct.close();
  }

  private static int signIn(Node node, String forwardedFor, String user, String password) {
    HttpRequest.Builder b = Http.request(node.baseUrl() + "/api/v1/auth/token")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"));
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", forwardedFor);
    }
    HttpResponse<String> r = Http.send(b.build());
    return r.statusCode();
  }

  @Test
  void aTrustedBalancerNamesTheClientSoOneUserCannotLockEveryoneOut() {
    for (int i = 0; i < 3; i++) {
      assertEquals(401, signIn(behindBalancer, "198.51.100.9, 203.0.113.7", "nobody-" + i, "wrong-password-" + i));
    }
    assertEquals(429, signIn(behindBalancer, "198.51.100.9, 203.0.113.7", "admin", TestNodes.ADMIN_PASSWORD),
        "the client 203.0.113.7 (rightmost untrusted hop) is throttled");
    assertEquals(200, signIn(behindBalancer, "203.0.113.8", "admin", TestNodes.ADMIN_PASSWORD),
        "another client behind the same balancer is not");
  }

  @Test
  void fromAnUntrustedPeerTheHeaderIsIgnored() {
    for (int i = 0; i < 3; i++) {
      assertEquals(401, signIn(direct, "203.0.113." + (20 + i), "nobody-" + i, "wrong-password-" + i));
    }
    assertEquals(429, signIn(direct, "203.0.113.99", "admin", TestNodes.ADMIN_PASSWORD),
        "a forged X-Forwarded-For does not escape the throttle of the real peer address");
  }
}
