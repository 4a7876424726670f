package org.yishi.request;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anonymous visitors' pages make no server-side session (no entry in the cluster's session map, no
 * session cookie): their forms carry a signed double-submit token instead, and every anonymous
 * state-changing request (sign-in, the resident's form, the language and text-size switches,
 * check-in) is refused without the token of its own cookie, writing nothing. Signed-in forms keep the
 * session's token.
 */
class AnonymousCsrfTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql db;
  private static long station;

  @BeforeAll
  static void activate() {
    station = f.stations.get(AccountFixtures.HAIMING);
    node.app().pool().query("UPDATE station SET status = 'active' WHERE id = " + station).execute().await();
  }

  private static int sessions() {
    return node.app().cluster().getHazelcastInstance().getMap("yishi.sessions").size();
  }

  private static List<String> cookies(HttpResponse<?> r, String name) {
    return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).toList();
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static void assertRefused(HttpResponse<String> r, String what) {
    assertEquals(403, r.statusCode(), what);
    assertTrue(r.body().contains("表单已过期"), what + ": the clear error, " + r.body());
  }

  @Test
  void anonymousPagesMakeNoSessionAndSetNoSessionCookie() {
    int before = sessions();
    String code = RequestTest.submit(withPage("/r/" + station), station, Map.of(), null).code();
    assertNotNull(code, "a resident's request went in");
    String[] pages = {"/", "/login", "/login?back=%2Fstations", "/r/" + station, "/r/track", "/r/track?code=" + code,
        "/checkin/NOSUCHCODE", "/join/" + "x".repeat(43), "/no-such-page", "/health", "/ready"};
    for (String page : pages) {
      Browser b = new Browser(node.baseUrl());
      HttpResponse<String> first = b.get(page);
      assertTrue(first.statusCode() < 500, page + ": " + first.statusCode());
      assertEquals(List.of(), cookies(first, "yishi_session"), page + " sets no session cookie");
      if (first.body().contains("name=\"_csrf\"")) {
        assertFalse(b.csrf().isEmpty(), page + " has a token in its forms");
        String cookie = cookies(first, "yishi_csrf").stream().findFirst().orElseThrow(() -> new AssertionError(page + " sets the token's cookie"));
        assertTrue(cookie.toLowerCase().contains("httponly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), cookie);
        String token = b.csrf();
        HttpResponse<String> again = b.get(page);
        assertEquals(List.of(), cookies(again, "yishi_csrf"), page + ": the browser's cookie is kept, not replaced");
        assertEquals(token, b.csrf(), page + ": the same browser gets the same token");
      }
    }
    Browser link = new Browser(node.baseUrl());
    HttpResponse<String> lang = link.get("/lang/en?back=/r/track");
    assertEquals(303, lang.statusCode());
    assertEquals(List.of(), cookies(lang, "yishi_session"));
    assertEquals(before, sessions(), "the cluster's session map did not grow");
  }

  @Test
  void theSwitchesWorkForAnonymousVisitorsWithoutJavaScript() {
    int before = sessions();
    Browser b = withPage("/r/track");
    assertTrue(b.get("/r/track").body().contains("<html lang=\"zh-CN\""), "Chinese by default");
    HttpResponse<String> lang = b.post("/lang/en", Map.of("back", "/r/track"));
    assertEquals(303, lang.statusCode(), lang.body());
    assertEquals("/r/track", lang.headers().firstValue("Location").orElse(""));
    assertEquals(List.of(), cookies(lang, "yishi_session"));
    HttpResponse<String> english = b.get("/r/track");
    assertTrue(english.body().contains("<html lang=\"en\""), "the page follows the switch");
    HttpResponse<String> size = b.post("/text-size", Map.of("size", "large", "back", "/r/track"));
    assertEquals(303, size.statusCode(), size.body());
    assertTrue(b.get(size.headers().firstValue("Location").orElse("")).body().contains("text-large"), "larger text");
    assertEquals(before, sessions(), "no session was made for it");
  }

  @Test
  void anonymousPostsWithoutTheirOwnTokenAreRefusedAndWriteNothing() {
    Browser visitor = withPage("/login");
    Browser other = withPage("/login");
    assertNotEquals(visitor.csrf(), other.csrf(), "each browser has its own token");
    Map<String, String> signIn = form("username", "d1", "password", AccountFixtures.PASSWORD, "back", "/");
    // sign-in (login CSRF): missing, forged, another visitor's token, a token without its cookie
    Map<String, String> missing = new HashMap<>(signIn);
    missing.put("_csrf", null);
    assertRefused(visitor.post("/login", missing), "no token");
    assertRefused(visitor.post("/login", with(signIn, "_csrf", "forged-token")), "a forged token");
    assertRefused(visitor.post("/login", with(signIn, "_csrf", other.csrf())), "another visitor's token");
    assertRefused(new Browser(node.baseUrl()).post("/login", with(signIn, "_csrf", visitor.csrf())), "a token without its cookie");
    assertRefused(visitor.post("/login", with(signIn, "_csrf", visitor.csrf() + "x")), "a changed token");
    assertEquals(303, visitor.get("/admin/users").statusCode(), "not signed in");
    assertEquals(List.of(), cookies(visitor.get("/login"), "yishi_session"));

    // the switches: nothing remembered
    HttpResponse<String> lang = visitor.post("/lang/en", Map.of("back", "/login", "_csrf", other.csrf()));
    assertRefused(lang, "a switch with another visitor's token");
    assertEquals(List.of(), cookies(lang, "yishi_lang"));
    HttpResponse<String> size = visitor.post("/text-size", Map.of("size", "large", "_csrf", "forged"));
    assertRefused(size, "the text size with a forged token");
    assertEquals(List.of(), cookies(size, "yishi_text"));

    // the resident's form and check-in: nothing stored
    long requests = db.count("SELECT count(*) FROM resident_request");
    Browser resident = withPage("/r/" + station);
    assertRefused(RequestTest.submit(resident, station, Map.of("_csrf", other.csrf()), null).response(), "the resident's form");
    assertRefused(RequestTest.submit(resident, station, Map.of("_csrf", "<script>alert(1)</script>"), null).response(), "a script as token");
    assertEquals(requests, db.count("SELECT count(*) FROM resident_request"), "nothing half-written");
    assertRefused(resident.post("/checkin/NOSUCHCODE", Map.of("_csrf", "forged", "name", "访客")), "check-in");

    // with its own token the same sign-in passes, and only now is a session made
    int before = sessions();
    HttpResponse<String> ok = visitor.post("/login", signIn);
    assertEquals(303, ok.statusCode(), ok.body());
    assertEquals(1, cookies(ok, "yishi_session").size(), "the session cookie comes with signing in");
    assertEquals(200, visitor.get("/admin/users").statusCode(), "signed in");
    assertEquals(before + 1, sessions(), "one session, the signed-in one");
  }

  @Test
  void signedInFormsKeepTheSessionsToken() {
    Browser b = withPage("/login");
    String anonymous = b.csrf();
    b.login("d1", AccountFixtures.PASSWORD);
    assertNotEquals(anonymous, b.csrf(), "signing in gives the session's token");
    Map<String, String> missing = new HashMap<>();
    missing.put("_csrf", null);
    assertRefused(b.post("/logout", missing), "no token");
    assertRefused(b.post("/logout", Map.of("_csrf", anonymous)), "the token seen before signing in");
    assertEquals(200, b.get("/admin/users").statusCode(), "still signed in");
    assertEquals(303, b.post("/logout", Map.of()).statusCode());
    assertEquals(303, b.get("/admin/users").statusCode(), "signed out");
    assertEquals(200, b.get("/login").statusCode(), "the sign-in page after signing out");
    assertEquals(303, b.post("/lang/en", Map.of("back", "/login")).statusCode(), "an anonymous form after signing out");
  }

  private static Browser withPage(String page) {
    Browser b = new Browser(node.baseUrl());
    assertEquals(200, b.get(page).statusCode(), page);
    return b;
  }

  private static Map<String, String> with(Map<String, String> base, String name, String value) {
    Map<String, String> m = new HashMap<>(base);
    m.put(name, value);
    return m;
  }
}
