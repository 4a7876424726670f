package org.yishi.home;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.support.Browser;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The larger-text setting (适老化): {@code POST /text-size} remembers the choice in the browser's
 * cookie, and every page, signed in or out, carries it ({@code <html class="text-large">}) until it
 * is switched back; bad input changes nothing.
 */
class TextSizeTest {
  private static Node node;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestPostgres.freshDatabaseUrl());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static boolean large(String page) {
    return page.contains("<html lang=\"zh-CN\" class=\"text-large\">") || page.contains("class=\"text-large\"");
  }

  @Test
  void theChoiceIsRememberedOnEveryPageAndSwitchedBack() {
    Browser b = new Browser(node.baseUrl());
    assertFalse(large(b.get("/login").body()), "normal text by default");
    assertTrue(b.get("/login").body().contains("大字"), "the header offers the larger text");
    HttpResponse<String> r = b.post("/text-size", Map.of("size", "large", "back", "/login"));
    assertEquals(303, r.statusCode(), r.body());
    assertEquals("/login", r.headers().firstValue("Location").orElse(""));
    assertTrue(r.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("yishi_text=large") && c.contains("Max-Age")),
        r.headers().allValues("Set-Cookie").toString());
    String login = b.get("/login").body();
    assertTrue(large(login), "the sign-in page is larger");
    assertTrue(login.contains("标准字号"), "and offers the way back");
    b.login("admin", TestNodes.ADMIN_PASSWORD);
    for (String page : new String[] {"/", "/stations", "/admin/users", "/account/password", "/no-such-page"}) {
      assertTrue(large(b.get(page).body()), page + " carries the larger text");
    }
    b.get("/stations");
    assertEquals(303, b.post("/text-size", Map.of("size", "normal", "back", "/stations")).statusCode());
    assertFalse(large(b.get("/stations").body()), "switched back");
    assertFalse(large(b.get("/").body()));
  }

  @Test
  void badInputChangesNothing() {
    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    for (String bad : new String[] {"huge", "LARGE", "<script>alert(1)</script>", "large' OR '1'='1", "x".repeat(5000)}) {
      HttpResponse<String> r = b.post("/text-size", Map.of("size", bad, "back", "/"));
      assertEquals(422, r.statusCode(), bad);
      assertFalse(r.body().contains("<script>alert(1)</script>"), "rendered escaped");
      assertTrue(r.headers().allValues("Set-Cookie").stream().noneMatch(c -> c.startsWith("yishi_text=")), "nothing remembered");
    }
    Map<String, String> missing = new HashMap<>();
    missing.put("back", "/");
    assertEquals(422, b.post("/text-size", missing).statusCode(), "the size is required");
    assertFalse(large(b.get("/login").body()));
    // without the CSRF token the form is refused
    HttpResponse<String> forged = b.post("/text-size", Map.of("_csrf", "forged", "size", "large", "back", "/"));
    assertEquals(403, forged.statusCode());
    assertFalse(large(b.get("/login").body()));
    // only local paths to go back to
    b.get("/login");
    HttpResponse<String> away = b.post("/text-size", Map.of("size", "large", "back", "https://evil.example/"));
    assertEquals("/", away.headers().firstValue("Location").orElse(""));
  }
}
