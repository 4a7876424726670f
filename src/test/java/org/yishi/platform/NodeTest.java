package org.yishi.platform;

import org.yishi.app.Node;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestPostgres;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One real node on a real database: migrations, probes, metrics, pages, errors, headers. */
class NodeTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  private static String base;

  @BeforeAll
  static void start() {
    base = node.baseUrl();
  }

  @Test
  void migrationsRanAtStart() throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'")) {
      rs.next();
      assertEquals(1, rs.getInt(1));
    }
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT value FROM app_setting WHERE key = 'installed_at'")) {
      assertTrue(rs.next(), "the foundation migration seeds installed_at");
    }
  }

  @Test
  void healthAndReady() {
    HttpResponse<String> health = Http.get(base + "/health");
    assertEquals(200, health.statusCode());
    assertEquals(new JsonObject().put("status", "UP"), Http.json(health));

    HttpResponse<String> ready = Http.get(base + "/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    JsonObject body = Http.json(ready);
    assertEquals("UP", body.getString("status"));
    assertEquals("UP", body.getString("database"));
    assertEquals(1, body.getJsonObject("cluster").getInteger("members"));
    assertTrue(ready.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
  }

  @Test
  void anonymousProbesCreateNoSession() {
    // a session per probe would be stored cluster-wide for hours: thousands a minute under a load balancer
    for (String path : new String[] {"/health", "/ready", "/metrics", "/no-such-page"}) {
      HttpResponse<String> r = Http.get(base + path);
      assertTrue(r.headers().allValues("set-cookie").stream().noneMatch(c -> c.startsWith("yishi_session=")),
          path + " set " + r.headers().allValues("set-cookie"));
    }
    // a page with a form gets no session either: its CSRF token is the signed one of its own cookie
    // (docs/security.md; AnonymousCsrfTest covers every public page)
    HttpResponse<String> login = Http.get(base + "/login");
    assertEquals(200, login.statusCode());
    assertTrue(login.headers().allValues("set-cookie").stream().noneMatch(c -> c.startsWith("yishi_session=")),
        "the sign-in page makes no session");
    assertTrue(login.headers().allValues("set-cookie").stream().anyMatch(c -> c.startsWith("yishi_csrf=")),
        "the sign-in page sets the anonymous CSRF cookie");
  }

  @Test
  void metricsArePrometheusTextWithHttpPoolAndEventBus() {
    Http.get(base + "/health"); // at least one request observed
    var bus = node.app().vertx().eventBus();
    bus.consumer("test.metrics", msg -> msg.reply("ok")).completion().await();
    assertEquals("ok", bus.request("test.metrics", "ping").await().body());
    HttpResponse<String> metrics = Http.get(base + "/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = metrics.body();
    assertTrue(text.contains("vertx_http_server_requests_total"), "HTTP server metrics");
    assertTrue(text.contains("vertx_eventbus_sent_total"), "event bus metrics");
    assertTrue(text.contains("vertx_pool_") || text.contains("vertx_sql_"), "pool metrics");
    assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");
  }

  @Test
  void homePageIsChineseByDefaultAndEnglishOnRequest() {
    HttpResponse<String> zh = Http.get(base + "/");
    assertEquals(200, zh.statusCode());
    assertTrue(zh.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(zh.body().contains("<html lang=\"zh-CN\">"));
    assertTrue(zh.body().contains("让每一个协商议事室都运转起来"));
    assertFalse(zh.body().contains("当前集群共"), "the cluster size is for /ready and the admin, not users' pages");

    HttpResponse<String> byHeader = Http.send(Http.request(base + "/").header("Accept-Language", "en-US,en;q=0.8").build());
    assertTrue(byHeader.body().contains("<html lang=\"en\">"));
    assertTrue(byHeader.body().contains("Keep every consultation station working"));

    HttpResponse<String> sw = Http.get(base + "/lang/en?back=/some/page");
    assertEquals(303, sw.statusCode());
    assertEquals("/some/page", sw.headers().firstValue("Location").orElseThrow());
    String cookie = sw.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.startsWith("yishi_lang=en"), cookie);
    HttpResponse<String> en = Http.send(Http.request(base + "/").header("Cookie", "yishi_lang=en").build());
    assertTrue(en.body().contains("Keep every consultation station working"));
  }

  @Test
  void languageSwitchNeverRedirectsOffSite() {
    for (String back : new String[] {"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"}) {
      HttpResponse<String> r = Http.get(base + "/lang/en?back=" + java.net.URLEncoder.encode(back, java.nio.charset.StandardCharsets.UTF_8));
      assertEquals("/", r.headers().firstValue("Location").orElseThrow(), back);
    }
  }

  @Test
  void assetsComeFromTheJar() {
    HttpResponse<String> css = Http.get(base + "/webjars/bootstrap/5.3.8/dist/css/bootstrap.min.css");
    assertEquals(200, css.statusCode());
    assertTrue(css.headers().firstValue("Content-Type").orElse("").startsWith("text/css"));
    assertEquals(200, Http.get(base + "/webjars/htmx.org/2.0.10/dist/htmx.min.js").statusCode());
    assertEquals(200, Http.get(base + "/assets/css/app.css").statusCode());
    String page = Http.get(base + "/").body();
    assertFalse(page.matches("(?s).*(src|href)=\"https?://.*"), "no asset from another origin");
  }

  @Test
  void securityHeadersOnEveryResponse() {
    for (String path : new String[] {"/", "/health", "/no-such-page"}) {
      HttpResponse<String> r = Http.get(base + path);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), path + ": " + csp);
      assertTrue(csp.contains("frame-ancestors 'none'"), path);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
    }
  }

  @Test
  void errorsFollowTheContract() {
    HttpResponse<String> api404 = Http.get(base + "/api/v1/no-such-thing");
    assertEquals(404, api404.statusCode());
    JsonObject err = Http.json(api404).getJsonObject("error");
    assertEquals("not_found", err.getString("code"));
    assertFalse(err.getString("message").isBlank());

    HttpResponse<String> page404 = Http.get(base + "/no-such-page");
    assertEquals(404, page404.statusCode());
    assertTrue(page404.body().contains("页面不存在"));

    byte[] big = new byte[2 * 1024 * 1024];
    HttpResponse<String> tooBig = Http.send(Http.request(base + "/api/v1/anything")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
    assertEquals(413, tooBig.statusCode());
    assertEquals("too_large", Http.json(tooBig).getJsonObject("error").getString("code"));
    assertFalse(tooBig.body().contains("Exception"), "never a stack trace");
  }
}
