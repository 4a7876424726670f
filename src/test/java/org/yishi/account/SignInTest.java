package org.yishi.account;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Throttling per account and per address (kicks in, then releases), and no user enumeration. */
class SignInTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of(
        "YISHI_LOGIN_MAX_ATTEMPTS", "3", "YISHI_LOGIN_MAX_PER_ADDRESS", "8", "YISHI_LOGIN_WINDOW_SECONDS", "2"));
  @FromNode private static Node node;
  @FromNode private static Api api;

  private static HttpResponse<String> attempt(String user, String password) {
    return api.call("POST", "/api/v1/auth/token", null, new JsonObject().put("username", user).put("password", password).encode());
  }

  @Test
  void throttlingKicksInAndReleases() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(401, attempt("d1", "wrong-password").statusCode());
    }
    HttpResponse<String> blocked = attempt("d1", AccountFixtures.PASSWORD);
    assertEquals(429, blocked.statusCode(), "even the right password waits");
    assertTrue(Http.json(blocked).getJsonObject("error").getString("message").contains("try again in 1 minutes"));

    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    HttpResponse<String> page = b.post("/login", Map.of("username", "d1", "password", AccountFixtures.PASSWORD));
    assertEquals(429, page.statusCode());
    assertTrue(page.body().contains("登录失败次数过多"), "a clear message on the form");

    Thread.sleep(2_500);
    assertEquals(200, attempt("d1", AccountFixtures.PASSWORD).statusCode(), "released after the window");
  }

  @Test
  void throttlingPerAddressCoversManyAccountNames() throws Exception {
    Thread.sleep(2_500); // let other tests' failures from this address expire
    for (int i = 0; i < 8; i++) {
      assertEquals(401, attempt("nobody-" + i, "x-password").statusCode());
    }
    assertEquals(429, attempt("d2", AccountFixtures.PASSWORD).statusCode(), "the address is throttled");
    Thread.sleep(2_500);
    assertEquals(200, attempt("d2", AccountFixtures.PASSWORD).statusCode());
  }

  @Test
  void wrongPasswordAndUnknownUserLookTheSame() throws Exception {
    Thread.sleep(2_500);
    HttpResponse<String> unknown = attempt("no-such-user", "some-password");
    HttpResponse<String> wrong = attempt("c1", "some-password");
    assertEquals(unknown.statusCode(), wrong.statusCode());
    assertEquals(unknown.body(), wrong.body());

    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    String a = b.post("/login", Map.of("username", "no-such-user", "password", "pw-123456789")).body();
    b.get("/login");
    String c = b.post("/login", Map.of("username", "c1", "password", "pw-123456789")).body();
    assertEquals(a.replaceAll("value=\"[^\"]*\"", ""), c.replaceAll("value=\"[^\"]*\"", ""), "same page apart from the echoed name and token");
    assertTrue(a.contains("用户名或密码错误"));
  }

  @Test
  void bootstrapAdminExistsWithTheConfiguredPasswordAndARestartKeepsIt() throws Exception {
    assertEquals(200, attempt("admin", TestNodes.ADMIN_PASSWORD).statusCode());
  }

  @Test
  void randomBootstrapPasswordMustBeChanged() throws Exception {
    String url = TestPostgres.freshDatabaseUrl();
    Map<String, String> env = new java.util.HashMap<>(TestNodes.env(url, Map.of()));
    env.remove("YISHI_ADMIN_PASSWORD");
    Node fresh = TestNodes.start(env);
    fresh.close();
    env.put("YISHI_ADMIN_PASSWORD", "a-later-password-1");
    Node again = TestNodes.start(env); // an existing admin is never overwritten
    try (Connection c = TestPostgres.jdbc(url);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*), bool_and(must_change_password) FROM account WHERE username = 'admin'")) {
      rs.next();
      assertEquals(1, rs.getInt(1));
      assertTrue(rs.getBoolean(2), "a random first password must be changed");
      assertEquals(401, new Api(again.baseUrl()).call("POST", "/api/v1/auth/token", null,
          new JsonObject().put("username", "admin").put("password", "a-later-password-1").encode()).statusCode());
    } finally {
      again.close();
    }
  }
}
