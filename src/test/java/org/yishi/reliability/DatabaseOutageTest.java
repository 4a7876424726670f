package org.yishi.reliability;

import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.platform.db.Database;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.Sql;
import org.yishi.support.TempDirs;
import org.yishi.support.TestNodes;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database goes away under a running node and comes back: writes answer 503 with a clear
 * message (a form shows what was typed and offers to send it again), cached reference data and
 * the sessions keep working, /ready says why it is not ready, and the node recovers by itself.
 */
class DatabaseOutageTest {
  private static Path pgDir;
  private static int pgPort;
  private static EmbeddedPostgres pg;
  private static Node node;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    pgDir = TempDirs.create("yishi-outage-pg").resolve("pg");
    pgPort = TestNodes.freePort();
    pg = Database.startEmbedded(pgDir, pgPort);
    url = "postgresql://postgres@127.0.0.1:" + pgPort + "/postgres";
    node = TestNodes.start(TestNodes.env(url, Map.of("YISHI_PG_CONNECT_TIMEOUT", "2")));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void writesAnswer503ReferenceReadsContinueAndTheNodeRecovers() throws Exception {
    AccountFixtures f = AccountFixtures.create(node);
    long station = f.stations.get(AccountFixtures.HAIMING);
    Api api = new Api(node.baseUrl());
    String token = api.token("c1", AccountFixtures.PASSWORD);
    Browser browser = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    // read once while the database is up (this fills the node's reference cache)
    String children = api.get("/api/v1/divisions?parent=220800000000", token).body();
    String unit = api.get("/api/v1/divisions/220802000000", token).body();
    String categories = api.get("/api/v1/topic-categories", token).body();
    assertTrue(children.contains("洮北区") && categories.contains("livelihood"), children + categories);
    assertEquals(200, browser.get("/divisions?parent=220800000000").statusCode());
    browser.get("/topics/new?station=" + station);
    String formToken = browser.formToken("/topics");

    pg.close();
    pg = null;

    HttpResponse<String> ready = Http.get(node.baseUrl() + "/ready");
    assertEquals(503, ready.statusCode());
    JsonObject why = Http.json(ready);
    assertTrue(why.getString("reason").startsWith("database DOWN"), why.encode());

    HttpResponse<String> write = api.call("POST", "/api/v1/topics", token, new JsonObject().put("stationId", station)
        .put("title", "停库时的议题").put("category", "livelihood").put("source", "residents").encode());
    assertEquals(503, write.statusCode(), write.body());
    assertEquals("unavailable", Api.errorCode(write));
    assertTrue(Http.json(write).getJsonObject("error").getString("message").contains("nothing was saved"), write.body());
    assertTrue(write.headers().firstValue("Retry-After").isPresent());
    assertEquals(503, api.get("/api/v1/topics", token).statusCode(), "topics are not reference data");

    assertEquals(children, api.get("/api/v1/divisions?parent=220800000000", token).body(), "divisions from the cache");
    assertEquals(unit, api.get("/api/v1/divisions/220802000000", token).body());
    assertEquals(categories, api.get("/api/v1/topic-categories", token).body(), "categories from the cache");
    HttpResponse<String> page = browser.get("/divisions?parent=220800000000");
    assertEquals(200, page.statusCode(), "the division page, for a signed-in user whose session lives in the cluster");
    assertTrue(page.body().contains("洮北区"));

    Map<String, String> typed = new LinkedHashMap<>();
    typed.put("stationId", String.valueOf(station));
    typed.put("title", "停库时填写的议题 <b>原样</b>");
    typed.put("description", "第一行\n第二行");
    typed.put("category", "livelihood");
    typed.put("source", "residents");
    typed.put("intent", "save");
    typed.put("_idempotency", formToken);
    HttpResponse<String> refused = browser.post("/topics", typed);
    assertEquals(503, refused.statusCode(), refused.body());
    String body = refused.body();
    assertTrue(body.contains("停库时填写的议题 &lt;b&gt;原样&lt;/b&gt;") && body.contains("第一行\n第二行"),
        "what was typed is shown, escaped: " + body);
    assertTrue(body.contains("未保存") || body.contains("nothing was saved"), body);
    Map<String, String> retry = hiddenFields(body, "/topics");
    assertEquals(formToken, retry.get("_idempotency"), "the retry sends the same submission");
    assertEquals("停库时填写的议题 <b>原样</b>", retry.get("title"));

    pg = Database.startEmbedded(pgDir, pgPort);
    int status = 0;
    for (int i = 0; i < 120 && status != 200; i++) {
      Thread.sleep(250);
      status = Http.get(node.baseUrl() + "/ready").statusCode();
    }
    assertEquals(200, status, "ready again without a restart");

    HttpResponse<String> again = browser.postRaw("/topics", encode(retry));
    assertEquals(303, again.statusCode(), again.body());
    HttpResponse<String> twice = browser.postRaw("/topics", encode(retry));
    assertEquals(303, twice.statusCode(), twice.body());
    assertEquals(again.headers().firstValue("Location"), twice.headers().firstValue("Location"));
    Sql sql = new Sql(url);
    assertEquals(1, sql.count("SELECT count(*) FROM topic WHERE title = ?", "停库时填写的议题 <b>原样</b>"), "saved once");
    assertEquals(0, sql.count("SELECT count(*) FROM topic WHERE title = ?", "停库时的议题"), "the refused API write left nothing");
    assertEquals(201, api.call("POST", "/api/v1/topics", token, new JsonObject().put("stationId", station)
        .put("title", "恢复后的议题").put("category", "livelihood").put("source", "residents").encode()).statusCode());
  }

  /** The hidden fields of the page's form posting to {@code action}. */
  private static Map<String, String> hiddenFields(String html, String action) {
    Matcher form = Pattern.compile("(?s)<form method=\"post\" action=\"" + Pattern.quote(action) + "\">(.*?)</form>").matcher(html);
    assertTrue(form.find(), "a retry form: " + html);
    Map<String, String> out = new LinkedHashMap<>();
    Matcher input = Pattern.compile("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">").matcher(form.group(1));
    while (input.find()) {
      out.put(unescape(input.group(1)), unescape(input.group(2)));
    }
    assertFalse(out.isEmpty());
    return out;
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
  }

  private static byte[] encode(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&")).getBytes(StandardCharsets.UTF_8);
  }
}
