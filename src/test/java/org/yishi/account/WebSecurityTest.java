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
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSRF, cookies, escaping, password change, must-change flow, token revocation, disabling. */
class WebSecurityTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Sql db;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static Map<String, String> newUserForm(String username) {
    return Map.of("username", username, "displayName", "表单用户", "role", "district_staff", "scopeCode", AccountFixtures.TAOBEI);
  }

  @Test
  void formPostWithoutOrWithWrongCsrfTokenIsRefusedAndWritesNothing() throws Exception {
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    b.get("/admin/users/new");
    long before = db.count("SELECT count(*) FROM account");

    Map<String, String> missing = new java.util.HashMap<>(newUserForm("csrf-a"));
    missing.put("_csrf", null);
    HttpResponse<String> noToken = b.post("/admin/users", missing);
    assertEquals(403, noToken.statusCode());
    assertTrue(noToken.body().contains("表单已过期") && noToken.body().contains("请刷新页面"), "a page that says what to do, not a stack trace");

    Map<String, String> wrong = new java.util.HashMap<>(newUserForm("csrf-b"));
    wrong.put("_csrf", "forged-token");
    assertEquals(403, b.post("/admin/users", wrong).statusCode());
    assertEquals(before, db.count("SELECT count(*) FROM account"), "nothing written");

    HttpResponse<String> ok = b.post("/admin/users", newUserForm("csrf-c"));
    assertEquals(201, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("id=\"temporary-password\""), "the temporary password is shown once");
    assertEquals(before + 1, db.count("SELECT count(*) FROM account"));
  }

  @Test
  void logoutNeedsTheTokenToo() {
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    b.get("/");
    assertEquals(403, b.post("/logout", Map.of("_csrf", "nope")).statusCode());
    assertEquals(200, b.get("/admin/users").statusCode(), "still signed in");
    assertEquals(303, b.post("/logout", Map.of()).statusCode());
    assertEquals(303, b.get("/admin/users").statusCode(), "signed out");
  }

  @Test
  void sessionCookieIsHttpOnlyAndSameSite() {
    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    HttpResponse<String> r = b.post("/login", Map.of("username", "d1", "password", AccountFixtures.PASSWORD));
    String cookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("yishi_session=")).findFirst().orElseThrow();
    assertTrue(cookie.toLowerCase().contains("httponly") && cookie.contains("SameSite=Lax"), cookie);
  }

  @Test
  void scriptPayloadsAreStoredVerbatimAndRenderedEscaped() throws Exception {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    String payload = "<script>alert('x')</script>'; DROP TABLE account; --";
    HttpResponse<String> created = api.call("POST", "/api/v1/users", admin, new JsonObject()
        .put("username", "xss-user").put("displayName", payload).put("role", "district_staff")
        .put("scopeCode", AccountFixtures.TAOBEI).encode());
    assertEquals(201, created.statusCode(), created.body());
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT display_name FROM account WHERE username = 'xss-user'")) {
      assertTrue(rs.next());
      assertEquals(payload, rs.getString(1), "stored verbatim");
    }
    String page = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD).get("/admin/users?q=xss").body();
    assertFalse(page.contains("<script>alert"), "never rendered as markup");
    assertTrue(page.contains("&lt;script&gt;alert("), "rendered escaped");
  }

  @Test
  void passwordResetForcesAChangeAtNextSignIn() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> created = api.call("POST", "/api/v1/users", admin, new JsonObject()
        .put("username", "reset-me").put("displayName", "重置").put("role", "district_staff")
        .put("scopeCode", AccountFixtures.TAONAN).put("password", "first-password-1").encode());
    long id = Http.json(created).getLong("id");
    String oldToken = api.token("reset-me", "first-password-1");
    String temp = Http.json(api.call("POST", "/api/v1/users/" + id + "/password-reset", admin, null)).getString("temporaryPassword");
    assertEquals(401, api.get("/api/v1/me", oldToken).statusCode(), "reset revokes tokens");

    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    HttpResponse<String> login = b.post("/login", Map.of("username", "reset-me", "password", temp, "back", "/admin/users"));
    assertEquals("/account/password", login.headers().firstValue("Location").orElse(""));
    assertEquals("/account/password", b.get("/admin/users").headers().firstValue("Location").orElse(""), "every page leads to the change");
    b.get("/account/password"); // the form, with the CSRF token issued at sign-in
    HttpResponse<String> weak = b.post("/account/password", Map.of("currentPassword", temp, "newPassword", "short", "confirmPassword", "short"));
    assertEquals(422, weak.statusCode());
    assertTrue(weak.body().contains("密码至少 10 位"), "field message shown in Chinese");
    HttpResponse<String> mismatch = b.post("/account/password", Map.of("currentPassword", temp, "newPassword", "brand-new-pass-7", "confirmPassword", "brand-new-pass-8"));
    assertTrue(mismatch.body().contains("两次输入的新密码不一致"));
    HttpResponse<String> changed = b.post("/account/password", Map.of("currentPassword", temp, "newPassword", "brand-new-pass-7", "confirmPassword", "brand-new-pass-7"));
    assertEquals(200, changed.statusCode());
    assertTrue(changed.body().contains("密码已修改"));
    assertEquals(200, b.get("/admin/users").statusCode());
    api.token("reset-me", "brand-new-pass-7");
  }

  @Test
  void revokedTokenAndDisabledAccountStopWorkingAtOnce() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    String token = api.token("d2", AccountFixtures.PASSWORD);
    assertEquals(200, api.get("/api/v1/me", token).statusCode());
    assertEquals(204, api.call("DELETE", "/api/v1/auth/token", token, null).statusCode());
    assertEquals(401, api.get("/api/v1/me", token).statusCode(), "revoked");

    HttpResponse<String> created = api.call("POST", "/api/v1/users", admin, new JsonObject()
        .put("username", "to-disable").put("displayName", "停用").put("role", "district_staff")
        .put("scopeCode", AccountFixtures.TAONAN).put("password", "disable-me-pass-1").encode());
    JsonObject account = Http.json(created);
    String victim = api.token("to-disable", "disable-me-pass-1");
    Browser b = new Browser(node.baseUrl()).login("to-disable", "disable-me-pass-1");
    assertEquals(200, api.get("/api/v1/me", victim).statusCode());
    HttpResponse<String> disabled = api.call("PUT", "/api/v1/users/" + account.getLong("id"), admin, new JsonObject()
        .put("displayName", "停用").put("role", "district_staff").put("scopeCode", AccountFixtures.TAONAN)
        .put("disabled", true).put("version", account.getInteger("version")).encode());
    assertEquals(200, disabled.statusCode(), disabled.body());
    assertEquals(401, api.get("/api/v1/me", victim).statusCode(), "token of a disabled account");
    assertEquals(303, b.get("/admin/users").statusCode(), "session of a disabled account");
    HttpResponse<String> again = api.call("POST", "/api/v1/auth/token", null,
        new JsonObject().put("username", "to-disable").put("password", "disable-me-pass-1").encode());
    assertEquals(401, again.statusCode());
    assertTrue(again.body().contains("disabled"));
  }

  @Test
  void adminsCannotDisableOrDemoteThemselves() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    long id = f.ids.get("admin");
    int version = Http.json(api.get("/api/v1/users/" + id, admin)).getInteger("version");
    HttpResponse<String> r = api.call("PUT", "/api/v1/users/" + id, admin, new JsonObject()
        .put("displayName", "Administrator").put("role", "admin").put("disabled", true).put("version", version).encode());
    assertEquals(422, r.statusCode());
    assertEquals("you cannot disable or demote your own account",
        Http.json(r).getJsonObject("error").getJsonObject("fields").getString("disabled"));
  }
}
