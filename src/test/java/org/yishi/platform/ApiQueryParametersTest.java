package org.yishi.platform;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.platform.security.ApiQuery;
import org.yishi.support.Api;
import org.yishi.support.Http;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One name per idea in the API's query strings (issue 19): the current names work, the names of
 * the previous release work as aliases (same answer, plus {@code Deprecation: true}), a parameter
 * an operation does not declare is a 400 naming it on every API route, and so is a parameter given
 * under both its names.
 */
class ApiQueryParametersTest {
  private static Node node;
  private static Api api;
  private static String token;
  private static AccountFixtures f;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestPostgres.freshDatabaseUrl());
    f = AccountFixtures.create(node);
    AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "海明的议题");
    AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.TUANJIE), "团结的议题");
    AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.CHANGQING), "完成50%_进度\\备注");
    api = new Api(node.baseUrl());
    token = api.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> get(String pathAndQuery) {
    return api.get(pathAndQuery, token);
  }

  private static JsonObject fields(HttpResponse<String> r) {
    return Http.json(r).getJsonObject("error").getJsonObject("fields");
  }

  /** The JSON body of a 200. */
  private static JsonObject ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void anUnknownQueryParameterIsA400NamingItOnEveryApiRoute() {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (String route : new TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      if (!path.startsWith("/api/")) {
        continue;
      }
      String concrete = path.replace(":fileId", "1").replace(":itemId", "1").replace(":key", "economy")
          .replace(":code", AccountFixtures.TAOBEI).replace(":id", "1");
      HttpResponse<String> r = api.call(method, concrete + "?limit=5", token, "GET".equals(method) ? null : "{}");
      checked++;
      if (r.statusCode() != 400 || !"malformed".equals(Api.errorCode(r)) || !fields(r).containsKey("limit")
          || !Http.json(r).getJsonObject("error").getString("message").contains("limit")) {
        problems.add(route + " -> " + r.statusCode() + " " + r.body());
      }
    }
    assertTrue(checked > 60, "routes checked: " + checked);
    assertEquals(List.of(), problems);
  }

  @Test
  void theAnswerListsWhatTheOperationAccepts() {
    HttpResponse<String> r = get("/api/v1/stations?limit=5&offset=2");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("unknown query parameter; this operation accepts: division, q, status, type, page, size",
        fields(r).getString("limit"));
    assertTrue(fields(r).containsKey("offset"), r.body());
    // an operation with no query parameters at all
    r = get("/api/v1/me?verbose=1");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("verbose"), r.body());
    // hostile names are named back verbatim in JSON, not executed or echoed as markup
    r = get("/api/v1/topics?" + enc("<script>x</script>") + "=1&" + enc("'; DROP TABLE topic; --") + "=1");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("<script>x</script>") && fields(r).containsKey("'; DROP TABLE topic; --"), r.body());
    assertEquals(200, get("/api/v1/topics").statusCode());
  }

  @Test
  void stationsDivisionAndItsAliasWithin() {
    JsonObject current = ok(get("/api/v1/stations?division=" + AccountFixtures.TAOBEI));
    HttpResponse<String> old = get("/api/v1/stations?within=" + AccountFixtures.TAOBEI);
    assertEquals(current, ok(old));
    assertEquals("true", old.headers().firstValue("Deprecation").orElse(""));
    assertFalse(get("/api/v1/stations?division=" + AccountFixtures.TAOBEI).headers().firstValue("Deprecation").isPresent());
    assertEquals(2, current.getLong("total"));
    assertEquals(1, ok(get("/api/v1/stations?division=" + AccountFixtures.TAONAN)).getLong("total"));
    // the CSV export takes the same filters
    HttpResponse<String> csv = get("/api/v1/stations.csv?within=" + AccountFixtures.TAONAN);
    assertEquals(200, csv.statusCode(), csv.body());
    assertEquals(2, csv.body().strip().split("\r\n").length, csv.body()); // the header and 团结's station
  }

  @Test
  void bothNamesOfOneParameterAreA400() {
    HttpResponse<String> r = get("/api/v1/stations?division=" + AccountFixtures.TAOBEI + "&within=" + AccountFixtures.TAONAN);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("old name of division; give only division", fields(r).getString("within"));
  }

  @Test
  void aBadValueUnderTheOldNameIsA422NamingTheCurrentName() {
    HttpResponse<String> r = get("/api/v1/stations?within=12");
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("division"), r.body());
    r = get("/api/v1/topics?station=abc");
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("stationId"), r.body());
  }

  @Test
  void topicsAndMeetingsStationIdAndItsAliasStation() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    JsonObject current = ok(get("/api/v1/topics?stationId=" + haiming));
    assertEquals(1, current.getLong("total"));
    assertEquals(current, ok(get("/api/v1/topics?station=" + haiming)));
    assertEquals(3, ok(get("/api/v1/topics")).getLong("total"));
    assertEquals(ok(get("/api/v1/meetings?stationId=" + haiming)), ok(get("/api/v1/meetings?station=" + haiming)));
    // the alias reaches the jurisdiction check as the current name does
    String c2 = api.token("c2", AccountFixtures.PASSWORD);
    assertEquals(403, api.get("/api/v1/meetings?stationId=" + haiming, c2).statusCode());
    assertEquals(403, api.get("/api/v1/meetings?station=" + haiming, c2).statusCode());
  }

  @Test
  void outcomesMeetingIdAndItsAliasMeeting() {
    assertEquals(ok(get("/api/v1/outcomes?meetingId=1")), ok(get("/api/v1/outcomes?meeting=1")));
    HttpResponse<String> r = get("/api/v1/outcomes?meetingId=1&meeting=1");
    assertEquals(400, r.statusCode(), r.body());
    // booleans: one reading everywhere; anything else is a 422 naming the parameter
    assertEquals(200, get("/api/v1/outcomes?overdue=off&typical=1").statusCode());
    r = get("/api/v1/outcomes?overdue=maybe");
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("overdue"), r.body());
  }

  @Test
  void attachmentsMeetingIdAndItsAliasMeeting() {
    HttpResponse<String> current = api.callBytes("POST", "/api/v1/attachments?meetingId=999999&name=a.pdf", token, "%PDF-1.4".getBytes());
    HttpResponse<String> old = api.callBytes("POST", "/api/v1/attachments?meeting=999999&name=a.pdf", token, "%PDF-1.4".getBytes());
    assertEquals(404, current.statusCode(), current.body());
    assertEquals(404, old.statusCode(), old.body());
    HttpResponse<String> missing = api.callBytes("POST", "/api/v1/attachments?name=a.pdf", token, "%PDF-1.4".getBytes());
    assertEquals(422, missing.statusCode(), missing.body());
    assertTrue(fields(missing).containsKey("meetingId"), missing.body());
  }

  @Test
  void reportsDivisionAndItsAliasUnit() {
    assertEquals(ok(get("/api/v1/reports?division=" + AccountFixtures.TAOBEI)),
        ok(get("/api/v1/reports?unit=" + AccountFixtures.TAOBEI)));
    HttpResponse<String> r = get("/api/v1/reports?unit=x");
    assertEquals(422, r.statusCode(), r.body());
  }

  @Test
  void divisionsSearchDivisionAndItsAliasWithin() {
    JsonObject current = ok(get("/api/v1/divisions?q=" + enc("洮") + "&division=" + AccountFixtures.BAICHENG));
    assertTrue(current.getLong("total") >= 2, current.encode());
    assertEquals(current, ok(get("/api/v1/divisions?q=" + enc("洮") + "&within=" + AccountFixtures.BAICHENG)));
    // parent is a different idea (a unit's direct children), so it keeps its name
    assertTrue(ok(get("/api/v1/divisions?parent=" + AccountFixtures.BAICHENG)).getLong("total") >= 2);
    HttpResponse<String> r = get("/api/v1/divisions?division=" + AccountFixtures.BAICHENG);
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("division"), r.body());
  }

  @Test
  void pagingIsPageAndSizeOnly() {
    assertEquals(1, ok(get("/api/v1/topics?page=2&size=1")).getJsonArray("items").size());
    HttpResponse<String> r = get("/api/v1/topics?limit=1");
    assertEquals(400, r.statusCode(), r.body());
    r = get("/api/v1/topics?size=0");
    assertEquals(422, r.statusCode(), r.body());
  }

  @Test
  void searchTextMatchesLiterallyNotAsAPattern() {
    for (String q : new String[] {"%", "_", "50%_", "\\", "%_进度\\"}) {
      JsonObject r = ok(get("/api/v1/topics?q=" + enc(q)));
      assertEquals(1, r.getLong("total"), q + " " + r.encode());
      assertEquals("完成50%_进度\\备注", r.getJsonArray("items").getJsonObject(0).getString("title"));
    }
    for (String q : new String[] {"5_%", "50__", "完成%进度", "' OR 1=1 --"}) {
      assertEquals(0, ok(get("/api/v1/topics?q=" + enc(q))).getLong("total"), q);
    }
    assertEquals(0, ok(get("/api/v1/stations?q=" + enc("%"))).getLong("total"));
  }

  @Test
  void eachRoleSeesItsOwnJurisdiction() {
    assertEquals(1, ok(api.get("/api/v1/topics", api.token("c1", AccountFixtures.PASSWORD))).getLong("total"));
    assertEquals(1, ok(api.get("/api/v1/topics", api.token("d2", AccountFixtures.PASSWORD))).getLong("total"));
    assertEquals(2, ok(api.get("/api/v1/topics", api.token("d1", AccountFixtures.PASSWORD))).getLong("total"));
    assertEquals(0, ok(api.get("/api/v1/topics", api.token("d-other", AccountFixtures.PASSWORD))).getLong("total"));
    // a filter never widens the jurisdiction
    assertEquals(0, ok(api.get("/api/v1/topics?stationId=" + f.stations.get(AccountFixtures.TUANJIE),
        api.token("c1", AccountFixtures.PASSWORD))).getLong("total"));
    assertEquals(0, ok(api.get("/api/v1/stations?division=" + AccountFixtures.TAONAN,
        api.token("d1", AccountFixtures.PASSWORD))).getLong("total"));
  }

  @Test
  void searchTextAndBooleansAreReadOneWay() {
    HttpResponse<String> r = get("/api/v1/topics?q=" + "x".repeat(65));
    assertEquals(422, r.statusCode(), r.body());
    assertEquals("at most 64 characters", fields(r).getString("q"));
    r = get("/api/v1/stations?q=" + enc("a\u0001b"));
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("q"), r.body());
    assertEquals(200, get("/api/v1/topics?q=" + enc("\u3000")).statusCode(), "blank is no search");
    r = get("/api/v1/topic-categories?includeInactive=yes");
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("includeInactive"), r.body());
    assertTrue(ok(get("/api/v1/topic-categories?includeInactive=true")).getJsonArray("items").size()
        >= ok(get("/api/v1/topic-categories?includeInactive=0")).getJsonArray("items").size());
  }

  @Test
  void aDeclarationCannotAliasAnUndeclaredName() {
    assertThrows(IllegalArgumentException.class, () -> ApiQuery.of("division").alias("within", "unit"));
    assertThrows(IllegalArgumentException.class, () -> ApiQuery.of("division").alias("division", "division"));
    assertThrows(IllegalArgumentException.class, () -> ApiQuery.of("division").alias("within", "division").and("within"));
    assertEquals(List.of("division", "page", "size", "within"),
        new ArrayList<>(ApiQuery.of("division").paged().alias("within", "division").accepted()));
  }
}
