package org.yishi.stats;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.meeting.MeetingService;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.EventStream;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard served from its cached parts ({@link DashboardParts}) on two nodes with the roll-up
 * cache on (as in production; the other tests run with it off): its figures equal the roll-up API's
 * for the same unit and period, before and after a record filed on either node; the per-user bits
 * stay each user's own; a part of a unit never reaches a user outside it; the lists' next pages work
 * as plain links and alone (htmx); the page is compressed for a client that accepts gzip.
 * Each test reads its own period, so that the parts one test warms do not serve another.
 */
class DashboardCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Long enough that nothing is recomputed within a test unless a change was heard of. */
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2)
      .env("YISHI_STATS_CACHE_MILLIS", "600000").env("YISHI_STATS_CACHE_MAX_AGE_MILLIS", "3600000");
  private static final List<Node> NODES = NODE.nodes();
  private static final Pattern HELD = Pattern.compile("data-key=\"meetings_held\">([^<]*)<");
  private static AccountFixtures f;
  private static StatsFixtures fx;
  private static String admin;

  @BeforeAll
  static void start() {
    f = NODE.fixtures();
    fx = new StatsFixtures(NODES.get(0).app().pool());
    admin = new Api(NODES.get(0).baseUrl()).token("admin", TestNodes.ADMIN_PASSWORD);
  }

  private static long heldOnPage(String page) {
    Matcher m = HELD.matcher(page);
    assertTrue(m.find(), "the page shows meetings held");
    return Long.parseLong(m.group(1).replace(",", ""));
  }

  private static long heldByApi(Node node, String division, String month) {
    return Http.json(new Api(node.baseUrl()).get("/api/v1/stats/rollup?division=" + division + "&from=" + month + "&to=" + month,
        admin)).getJsonObject("totals").getLong("meetings_held");
  }

  @Test
  void thePageEqualsTheApiBeforeAndAfterARecordFiledOnEitherNode() throws Exception {
    String month = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString().substring(0, 7);
    String path = "/stats?division=" + AccountFixtures.TAOBEI + "&from=" + month + "&to=" + month;
    Browser onA = new Browser(NODES.get(0).baseUrl()).login("d1", AccountFixtures.PASSWORD);
    Browser onB = new Browser(NODES.get(1).baseUrl()).login("d1", AccountFixtures.PASSWORD);
    long before = heldOnPage(onB.get(path).body());
    assertEquals(heldByApi(NODES.get(1), AccountFixtures.TAOBEI, month), before, "node B's page and API agree");
    assertEquals(before, heldOnPage(onB.get(path).body()), "and the page served again from its parts");
    assertEquals(before, heldOnPage(onA.get(path).body()));

    for (int round = 1; round <= 2; round++) {
      Node writer = NODES.get(round - 1); // first a record filed on node A, then one on node B
      long meeting = startedMeeting(writer, "路灯" + round, 3 * round);
      try (EventStream onBEvents = open(onB, AccountFixtures.TAOBEI); EventStream onAEvents = open(onA, AccountFixtures.TAOBEI)) {
        OffsetDateTime at = OffsetDateTime.now().minusHours(3L * round).withNano(0);
        HttpResponse<String> filed = new Api(writer.baseUrl()).call("PUT", "/api/v1/meetings/" + meeting + "/record", admin,
            new JsonObject().put("held", true).put("actualStart", at.toString()).put("actualEnd", at.plusHours(1).toString())
                .put("attendance", new JsonObject().put("residents", 5)).put("suggestionsCount", 1).encode());
        assertEquals(200, filed.statusCode(), filed.body());
        assertNotNull(onBEvents.next("refresh", WAIT), "node B heard of the record");
        assertNotNull(onAEvents.next("refresh", WAIT), "node A heard of the record");
      }
      long expected = before + round;
      for (Browser b : List.of(onB, onA)) {
        // the live refresh waits for figures computed after the change; the page then serves the new part
        String fragment = b.getWithHeaders(path, "HX-Request", "true").body();
        assertEquals(expected, heldOnPage(fragment), "round " + round + ": the live refresh counts the record");
        assertEquals(expected, heldOnPage(b.get(path).body()), "round " + round + ": the page no longer shows the old part");
      }
      assertEquals(expected, heldByApi(NODES.get(1), AccountFixtures.TAOBEI, month));
      assertEquals(expected, heldByApi(NODES.get(0), AccountFixtures.TAOBEI, month));
    }
  }

  @Test
  void aUnitsPartsNeverReachAUserOutsideItAndEachUserKeepsTheirOwnBits() {
    String path = "/stats?division=" + AccountFixtures.TAOBEI + "&from=2023-01&to=2023-03";
    Browser d1 = new Browser(NODES.get(0).baseUrl()).login("d1", AccountFixtures.PASSWORD);
    Browser city = new Browser(NODES.get(0).baseUrl()).login("city", AccountFixtures.PASSWORD);
    Browser d2 = new Browser(NODES.get(0).baseUrl()).login("d2", AccountFixtures.PASSWORD);
    String own = d1.get(path).body();
    assertTrue(own.contains("id=\"stats-unit\">洮北区<"));
    String cityPage = city.get(path).body();
    assertEquals(heldOnPage(own), heldOnPage(cityPage), "one unit, one set of figures");
    assertNotEquals(d1.csrf(), city.csrf(), "each page carries its own user's CSRF token");
    assertTrue(own.contains("value=\"" + d1.csrf() + "\"") && !own.contains(city.csrf()));
    assertTrue(cityPage.contains("value=\"" + city.csrf() + "\"") && !cityPage.contains(d1.csrf()));
    assertTrue(own.contains(">洮北区政协<") && cityPage.contains(">白城市政协<"), "each page names its own user");

    for (String p : List.of(path, path + "&part=members", path + "&part=dormant", path + "&part=overdue")) {
      HttpResponse<String> r = d2.get(p);
      assertEquals(403, r.statusCode(), p);
      assertFalse(r.body().contains("data-key=\"meetings_held\"") || r.body().contains("dormant-table")
          || r.body().contains("<section"), "nothing of 洮北区's parts: " + p);
    }
    HttpResponse<String> coordinator = new Browser(NODES.get(0).baseUrl()).login("c1", AccountFixtures.PASSWORD).get(path);
    assertEquals(403, coordinator.statusCode(), "a coordinator has no dashboard");
    String theirs = d2.get("/stats?division=" + AccountFixtures.TAONAN + "&from=2023-01&to=2023-03").body();
    assertTrue(theirs.contains("id=\"stats-unit\">洮南市<") && !theirs.contains("洮北区<"), "their own unit only");
  }

  @Test
  void theListsNextPagesWorkAsLinksAndAlone() {
    for (int i = 0; i < 22; i++) {
      fx.sql("INSERT INTO station (name, type, level, division_code, district_code, status) VALUES ($1, 'consultation_room', "
          + "'township', $2, $3, 'active')", "海明分站" + (100 + i), AccountFixtures.HAIMING, AccountFixtures.TAOBEI);
    }
    try {
      Browser d1 = new Browser(NODES.get(1).baseUrl()).login("d1", AccountFixtures.PASSWORD);
      String query = "division=" + AccountFixtures.TAOBEI + "&from=2022-06&to=2022-06";
      String first = d1.get("/stats?" + query).body();
      Matcher next = Pattern.compile("href=\"([^\"]*dormant_page=2)#dormant\" rel=\"next\"").matcher(first);
      assertTrue(next.find(), "a plain link to the second page");
      String link = next.group(1).replace("&amp;", "&");
      assertTrue(first.contains("hx-get=\"" + next.group(1) + "&amp;part=dormant\""), "and its htmx form, for that list alone");
      HttpResponse<String> second = d1.get(link);
      assertEquals(200, second.statusCode());
      String table = section(second.body(), "dormant");
      assertTrue(table.contains("2 / 2"), "the second page");
      assertTrue(second.body().contains("<html") && second.body().contains("id=\"headline\""), "without JavaScript: the whole page");
      assertTrue(section(first, "dormant").contains("1 / 2"));

      HttpResponse<String> alone = d1.getWithHeaders(link + "&part=dormant", "HX-Request", "true");
      assertEquals(200, alone.statusCode());
      assertTrue(alone.body().trim().startsWith("<section id=\"dormant\""), "the list's section alone");
      assertFalse(alone.body().contains("<html") || alone.body().contains("id=\"headline\""));
      assertEquals(table, section(alone.body(), "dormant"), "the same rows as on the whole page");
      assertFalse(alone.body().contains("part=dormant\"" + " rel"), "its plain links do not ask for a part");

      assertEquals(422, d1.get("/stats?" + query + "&part=headline").statusCode(), "only a list is a part");
      assertEquals(422, d1.get("/stats?" + query + "&part=dormant&dormant_page=x").statusCode());
    } finally {
      fx.sql("DELETE FROM station WHERE name LIKE '海明分站%'");
    }
  }

  @Test
  void badPeriodsAreRefusedWithTheReason() {
    Browser d1 = new Browser(NODES.get(0).baseUrl()).login("d1", AccountFixtures.PASSWORD);
    for (String bad : List.of("from=2026-13&to=2026-12", "from=2026-05&to=2026-01", "from=x%00y", "from=1999-01&to=2026-01",
        "from=%3Cscript%3E", "to=2026-1")) {
      HttpResponse<String> r = d1.get("/stats?division=" + AccountFixtures.TAOBEI + "&" + bad);
      assertEquals(422, r.statusCode(), bad);
      assertTrue(r.body().contains("class=\"invalid-feedback\""), "the reason beside the field: " + bad);
      assertFalse(r.body().contains("id=\"stats-body\"") || r.body().contains("<script>"), "no figures, nothing unescaped: " + bad);
      assertEquals(422, d1.get("/stats?division=" + AccountFixtures.TAOBEI + "&" + bad + "&part=members").statusCode(), bad);
    }
    for (String part : List.of("%3Cscript%3Ealert(1)%3C%2Fscript%3E", "members%00", "x".repeat(5_000), "%FF%FE", "members'--", "")) {
      HttpResponse<String> r = d1.get("/stats?division=" + AccountFixtures.TAOBEI + "&part=" + part);
      assertTrue(r.statusCode() == 422 || r.statusCode() == 400 && part.startsWith("%FF"), part + ": " + r.statusCode());
      assertFalse(r.body().contains("<script>alert(1)") || r.body().contains("id=\"stats-body\""), "refused, escaped: " + part);
    }
  }

  @Test
  void thePageIsCompressedForAClientThatAcceptsGzip() throws Exception {
    Browser d1 = new Browser(NODES.get(0).baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String path = "/stats?division=" + AccountFixtures.TAOBEI + "&from=2021-01&to=2021-02";
    String plain = d1.get(path).body();
    for (int i = 0; i < 2; i++) { // rendered, then from the kept parts
      String text = gunzip(d1, path);
      assertTrue(text.length() > 20_000, "a whole page (compressed to less than a third: checked in gunzip)");
      assertTrue(text.contains("id=\"stats-unit\">洮北区<") && text.contains("id=\"stats-body\""), "the page itself");
      assertTrue(text.contains("value=\"" + d1.csrf() + "\""), "with the user's own token");
      assertEquals(heldOnPage(plain), heldOnPage(text));
      assertEquals(section(plain, "units"), section(text, "units"), "the same parts as uncompressed");
      assertEquals(section(plain, "members"), section(text, "members"));
    }
    String alone = gunzip(d1, path + "&part=members");
    assertTrue(alone.startsWith("<section id=\"members\""), "a list's section alone, compressed");
    assertEquals(section(plain, "members"), section(alone, "members"));
  }

  /** The answer as a browser that accepts gzip gets it, inflated here (a page must shrink to less than a third). */
  private static String gunzip(Browser b, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(NODES.get(0).baseUrl() + path))
        .header("Cookie", b.cookieHeader()).header("Accept-Encoding", "deflate, gzip;q=0.8").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
    String text;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(text.length() < 20_000 || r.body().length * 3 < text.getBytes(StandardCharsets.UTF_8).length,
        "compressed to less than a third");
    return text;
  }

  /** A section of a page, from its opening tag to its end. */
  private static String section(String page, String id) {
    int start = page.indexOf("<section id=\"" + id + "\"");
    assertTrue(start >= 0, "section " + id);
    return page.substring(start, page.indexOf("</section>", start));
  }

  /** Opens the dashboard's live stream and waits until it listens. */
  private static EventStream open(Browser b, String division) throws InterruptedException {
    HttpResponse<InputStream> r = b.stream("/stats/live?division=" + division);
    assertEquals(200, r.statusCode());
    EventStream events = new EventStream(r.body());
    assertNotNull(events.next("ready", WAIT));
    return events;
  }

  /** A meeting at 海明街道's station, scheduled through the service, then moved to an hour starting {@code hoursAgo}. */
  private static long startedMeeting(Node node, String title, int hoursAgo) {
    var principal = node.accounts().store().byUsername("admin").await().principal();
    long topic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), title);
    OffsetDateTime at = OffsetDateTime.now().plusDays(3).withNano(0);
    long id = node.services().meetings().schedule(principal, new MeetingService.MeetingInput(topic, at, at.plusHours(1), "议事厅",
        "on_site", null, "forum", null, null, List.of(), List.of())).await().getLong("id");
    fx.sql("UPDATE meeting SET starts_at = now() - make_interval(hours => $2), ends_at = now() - make_interval(hours => $2 - 1)"
        + " WHERE id = $1", id, hoursAgo);
    return id;
  }
}
