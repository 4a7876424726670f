package org.yishi.account;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.ext.web.sstore.SessionStore;
import org.junit.jupiter.api.BeforeAll;
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

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How browser sessions end: a password change ends the account's other sessions and tokens (not the
 * one that made it), an admin's reset and disabling end them for good, every session ends after its
 * absolute lifetime however active it is, and sign-in issues a new CSRF token (issue 18, items 5 and 7).
 */
class SessionLifetimeTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of("YISHI_SESSION_MAX_HOURS", "2"));
  @FromNode private static Node node;
  @FromNode private static Api api;
  private static String admin;

  @BeforeAll
  static void start() {
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  /** A district staff account with a known password; answers its id. */
  private static JsonObject account(String username, String password) {
    HttpResponse<String> r = api.call("POST", "/api/v1/users", admin, new JsonObject().put("username", username)
        .put("displayName", "会话").put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI)
        .put("password", password).encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r);
  }

  private static boolean signedIn(Browser b) {
    return b.get("/stations").statusCode() == 200;
  }

  @Test
  void changingThePasswordEndsEveryOtherSessionAndTokenButNotThisOne() {
    account("sess-change", "first-password-1");
    Browser here = new Browser(node.baseUrl()).login("sess-change", "first-password-1");
    Browser elsewhere = new Browser(node.baseUrl()).login("sess-change", "first-password-1");
    String token = api.token("sess-change", "first-password-1");
    assertTrue(signedIn(here) && signedIn(elsewhere));

    here.get("/account/password");
    HttpResponse<String> changed = here.post("/account/password", Map.of("currentPassword", "first-password-1",
        "newPassword", "second-password-2", "confirmPassword", "second-password-2"));
    assertEquals(200, changed.statusCode(), changed.body());

    assertTrue(signedIn(here), "the session that changed the password stays signed in");
    HttpResponse<String> other = elsewhere.get("/stations");
    assertEquals(303, other.statusCode(), "the other browser is signed out");
    assertTrue(other.headers().firstValue("Location").orElse("").startsWith("/login"));
    assertEquals(401, api.get("/api/v1/me", token).statusCode(), "the account's tokens are revoked");
    assertTrue(signedIn(new Browser(node.baseUrl()).login("sess-change", "second-password-2")));
  }

  @Test
  void anAdminsResetAndDisablingEndSessionsForGood() {
    JsonObject reset = account("sess-reset", "first-password-1");
    Browser b = new Browser(node.baseUrl()).login("sess-reset", "first-password-1");
    assertTrue(signedIn(b));
    assertEquals(200, api.call("POST", "/api/v1/users/" + reset.getLong("id") + "/password-reset", admin, null).statusCode());
    HttpResponse<String> afterReset = b.get("/stations");
    assertEquals(303, afterReset.statusCode());
    assertTrue(afterReset.headers().firstValue("Location").orElse("").startsWith("/login"),
        "a reset password ends the sessions signed in with the old one");

    JsonObject disabled = account("sess-disable", "first-password-1");
    Browser d = new Browser(node.baseUrl()).login("sess-disable", "first-password-1");
    assertTrue(signedIn(d));
    JsonObject body = new JsonObject().put("displayName", "会话").put("role", "district_staff")
        .put("scopeCode", AccountFixtures.TAOBEI);
    HttpResponse<String> off = api.call("PUT", "/api/v1/users/" + disabled.getLong("id"), admin,
        body.copy().put("disabled", true).put("version", disabled.getInteger("version")).encode());
    assertEquals(200, off.statusCode(), off.body());
    HttpResponse<String> on = api.call("PUT", "/api/v1/users/" + disabled.getLong("id"), admin,
        body.copy().put("disabled", false).put("version", Http.json(off).getInteger("version")).encode());
    assertEquals(200, on.statusCode(), on.body());
    assertEquals(303, d.get("/stations").statusCode(), "re-enabling the account does not bring its old sessions back");
    assertTrue(signedIn(new Browser(node.baseUrl()).login("sess-disable", "first-password-1")), "signing in again works");
  }

  @Test
  void aSessionEndsAfterItsAbsoluteLifetimeHoweverActive() {
    account("sess-old", "first-password-1");
    Browser b = new Browser(node.baseUrl()).login("sess-old", "first-password-1");
    assertTrue(signedIn(b));
    // the session signed in two hours and a minute ago (set-up goes around the UI, as moving a meeting into the past does)
    String id = Arrays.stream(b.cookieHeader().split(";\\s*")).filter(c -> c.startsWith("yishi_session="))
        .findFirst().orElseThrow().substring("yishi_session=".length());
    SessionStore store = ClusteredSessionStore.create(node.app().vertx(), "yishi.sessions");
    Session session = store.get(id).await();
    Object since = session.get("since");
    assertTrue(since instanceof Number, "the session records when it signed in");
    session.put("since", System.currentTimeMillis() - 121 * 60_000L);
    store.put(session).await();
    assertTrue(signedIn(b) == false, "signed out after YISHI_SESSION_MAX_HOURS, though used a moment ago");
    assertTrue(signedIn(new Browser(node.baseUrl()).login("sess-old", "first-password-1")));
  }

  @Test
  void signingInAndOutIssuesANewCsrfToken() {
    account("sess-csrf", "first-password-1");
    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    String before = b.csrf();
    assertEquals(303, b.post("/login", Map.of("username", "sess-csrf", "password", "first-password-1")).statusCode());
    b.get("/stations");
    String after = b.csrf();
    assertNotEquals(before, after, "sign-in issues a new CSRF token");
    assertEquals(403, b.post("/logout", Map.of("_csrf", before)).statusCode(), "the token seen before sign-in is refused");
    assertTrue(signedIn(b));
    assertEquals(303, b.post("/logout", Map.of()).statusCode());
    b.get("/login");
    assertNotEquals(after, b.csrf(), "signing out drops the token too");
  }
}
