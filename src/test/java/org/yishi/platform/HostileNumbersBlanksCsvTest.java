package org.yishi.platform;

import org.yishi.app.Node;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Input that looks valid but is not, on every write route of the API (from the route inventory, so
 * routes added later are covered): integers beyond 64 bits (2^64 + 5 used to wrap to 5 and pass the
 * range check), required text made only of an ideographic space (U+3000) or other blank characters,
 * and CSV with a quote that never closes (it used to swallow the rest of the file as one cell). Each
 * is a 422 naming the field or the line.
 */
class HostileNumbersBlanksCsvTest {
  /** Every whole-number field the API reads; "attendance.members" is nested. Lists take the number as their item. */
  private static final List<String> NUMBER_FIELDS = List.of("version", "topicId", "stationId", "meetingId", "committeeId",
      "planItemId", "sort", "suggestionsCount", "targetQuarter", "year", "attendance.members", "attendance.residents");
  private static final List<String> LIST_FIELDS = List.of("memberIds", "stationIds", "attendedMemberIds");
  private static final List<String> HUGE = List.of("18446744073709551621", "-18446744073709551611", "9223372036854775808",
      "1e30");
  private static final List<String> BLANKS = List.of("\u3000", "\u3000\u3000", "\u00A0", "\u200B", "\uFEFF", " \u3000\u200B\t");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static Api api;
  private static String token;
  private static long spareAccount;

  @BeforeAll
  static void start() {
    AccountFixtures f = NODE.fixtures();
    spareAccount = f.ids.get("c3");
    // one of each resource, so that ":id" = 1 reaches the handlers instead of stopping at 404
    f.oneOfEachResource(node);
    token = api.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  private static String path(String template) {
    String t = template.startsWith("/api/v1/users/:id") ? template.replace(":id", String.valueOf(spareAccount)) : template;
    return t.replace(":id", "1").replace(":kind", "station").replace(":key", "economy").replace(":itemId", "1");
  }

  /** The API's write routes that take a JSON body (methods and concrete paths). */
  private static List<String[]> writeRoutes() {
    List<String[]> out = new ArrayList<>();
    for (String route : new TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      if (!path.startsWith("/api/") || !Set.of("POST", "PUT", "PATCH").contains(method) || path.startsWith("/api/v1/auth/")
          || node.app().routes().readsOwnBody(io.vertx.core.http.HttpMethod.valueOf(method), path)) {
        continue; // sign-in is not a resource; uploads read raw bytes, not JSON
      }
      out.add(new String[] {method, path(path)});
    }
    return out;
  }

  /** {@code {"field": <raw JSON value>}}, nested for "a.b". */
  private static String body(String field, String rawValue) {
    if (field.contains(".")) {
      String[] p = field.split("\\.");
      return "{\"" + p[0] + "\":{\"" + p[1] + "\":" + rawValue + "}}";
    }
    return "{\"" + field + "\":" + rawValue + "}";
  }

  /** The field errors of a 422 (empty for any other answer). */
  private static JsonObject fields(HttpResponse<String> r) {
    if (r.statusCode() != 422 || !r.body().startsWith("{")) {
      return new JsonObject();
    }
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    return error == null || error.getJsonObject("fields") == null ? new JsonObject() : error.getJsonObject("fields");
  }

  private static long count(String sql) {
    return node.app().pool().query(sql).execute().await().iterator().next().getLong(0);
  }

  @Test
  void integersBeyondTheirRangeAreRefusedNamingTheFieldOnEveryRoute() {
    List<String> problems = new ArrayList<>();
    int covered = 0;
    for (String[] route : writeRoutes()) {
      for (String field : NUMBER_FIELDS) {
        // does the route read this field as a number? Text in its place says so
        if (!fields(api.call(route[0], route[1], token, body(field, "\"x\""))).containsKey(field)) {
          continue;
        }
        covered++;
        for (String huge : HUGE) {
          HttpResponse<String> r = api.call(route[0], route[1], token, body(field, huge));
          String msg = fields(r).getString(field);
          if (msg == null || !msg.startsWith("must be between")) {
            problems.add(route[0] + " " + route[1] + " " + field + "=" + huge + " -> " + r.statusCode() + " " + r.body());
          }
        }
      }
      for (String field : LIST_FIELDS) {
        if (!fields(api.call(route[0], route[1], token, body(field, "\"x\""))).containsKey(field)) {
          continue;
        }
        covered++;
        HttpResponse<String> r = api.call(route[0], route[1], token, body(field, "[1, 18446744073709551617]"));
        String msg = fields(r).getString(field + "[1]"); // the element is named
        if (msg == null || !msg.startsWith("must be between")) {
          problems.add(route[0] + " " + route[1] + " " + field + "=[1, 2^64+1] -> " + r.statusCode() + " " + r.body());
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    assertTrue(covered >= 20, "the sweep reached the number fields of the write routes: " + covered);
  }

  @Test
  void aVersionOfTwoToTheSixtyFourPlusOneDoesNotMatchVersionOne() {
    // the wrapping that let a stale or forged version through: 2^64 + 1 became 1
    JsonObject approved = Http.json(api.get("/api/v1/topics/1", token));
    JsonObject draft = new JsonObject().put("stationId", approved.getLong("stationId")).put("title", "草稿议题")
        .put("category", approved.getString("category")).put("source", approved.getString("source"));
    HttpResponse<String> made = api.call("POST", "/api/v1/topics", token, draft.encode());
    assertEquals(201, made.statusCode(), made.body());
    JsonObject topic = Http.json(made);
    assertEquals(1, topic.getInteger("version"));
    String path = "/api/v1/topics/" + topic.getLong("id");
    HttpResponse<String> r = api.call("PUT", path, token, draft.copy().put("title", "改过的标题").encode()
        .replace("}", ",\"version\":18446744073709551617}"));
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).getString("version", "").startsWith("must be between"), r.body());
    assertEquals("草稿议题", Http.json(api.get(path, token)).getString("title"));
  }

  @Test
  void requiredTextOfOnlyBlankCharactersIsMissingOnEveryRoute() {
    List<String> problems = new ArrayList<>();
    int covered = 0;
    for (String[] route : writeRoutes()) {
      // the fields an empty body is refused for: the route's required fields
      JsonObject required = fields(api.call(route[0], route[1], token, "{}"));
      for (String field : required.fieldNames()) {
        if (field.contains(".") || field.contains("[") || field.toLowerCase(java.util.Locale.ROOT).contains("password")) {
          continue; // passwords are taken verbatim: a space is a character of a password
        }
        covered++;
        for (String blank : BLANKS) {
          HttpResponse<String> r = api.call(route[0], route[1], token, new JsonObject().put(field, blank).encode());
          if (!fields(r).containsKey(field)) {
            problems.add(route[0] + " " + route[1] + " " + field + "=" + blank.codePoints()
                .mapToObj(c -> String.format("U+%04X", c)).toList() + " -> " + r.statusCode() + " " + r.body());
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    assertTrue(covered >= 20, "the sweep reached the required fields of the write routes: " + covered);
  }

  @Test
  void aTopicTitleOfIdeographicSpacesIsRefusedOnTheApiAndTheForm() {
    long before = count("SELECT count(*) FROM topic");
    JsonObject topic = Http.json(api.get("/api/v1/topics/1", token));
    JsonObject body = new JsonObject().put("stationId", topic.getLong("stationId")).put("title", "\u3000\u3000")
        .put("category", topic.getString("category")).put("source", topic.getString("source"))
        .put("description", "\u3000").put("proposer", "\u200B");
    HttpResponse<String> r = api.call("POST", "/api/v1/topics", token, body.encode());
    assertEquals(422, r.statusCode(), r.body());
    assertTrue(fields(r).containsKey("title"), r.body());
    Browser browser = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    browser.get("/topics/new?station=" + topic.getLong("stationId"));
    String form = "_csrf=" + enc(browser.csrf()) + "&stationId=" + topic.getLong("stationId") + "&title=" + enc("\u3000\u3000")
        + "&category=" + enc(topic.getString("category")) + "&source=" + enc(String.valueOf(topic.getString("source")));
    HttpResponse<String> page = browser.postRaw("/topics", form.getBytes(StandardCharsets.UTF_8));
    assertEquals(422, page.statusCode(), page.body());
    assertEquals(before, count("SELECT count(*) FROM topic"));
  }

  @Test
  void searchTextWithControlCharactersIsA422NamingQOnEveryListThatSearches() {
    List<String> problems = new ArrayList<>();
    int searched = 0;
    for (String route : new TreeSet<>(node.app().routes().routes().keySet())) {
      if (!route.startsWith("GET /api/") || route.contains(":")) {
        continue;
      }
      String path = route.substring(4);
      // a route that searches answers a long q with 422 naming it
      if (!fields(api.get(path + "?q=" + "x".repeat(65), token)).containsKey("q")) {
        continue;
      }
      searched++;
      for (String q : List.of("%00", "a%00b", "a%0d%0ab", "a%1Bb", "%EF%BF%BD")) {
        HttpResponse<String> r = api.get(path + "?q=" + q, token);
        if (!fields(r).containsKey("q")) {
          problems.add("GET " + path + "?q=" + q + " -> " + r.statusCode() + " " + r.body());
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    assertTrue(searched >= 3, "searching lists found: " + searched);
  }

  /** Every text field name the forms read (passwords aside: they are taken verbatim). */
  private static final List<String> FORM_TEXT_FIELDS = List.of("action", "actualEnd", "actualStart", "address", "answer",
      "application", "capacityAssessment", "category", "committee", "contactName", "contactPhone", "content", "cron",
      "csv", "description", "displayName", "division", "divisionCode", "dueOn", "effectiveness", "email", "endsAt",
      "evidence", "form", "format", "foundedOn", "key", "kind", "label", "name", "nameEn", "nameZh", "notHeldReason",
      "onlineLink", "openingHours", "period", "phone", "proposer", "reason", "reply", "researchPlan", "responsibleUnit",
      "role", "satisfaction", "satisfactionComment", "scopeCode", "sector", "source", "startsAt", "title", "type", "unit",
      "username", "venue", "minutes", "q1Reason", "q2Reason");

  @Test
  void aFormOfBlankCharactersIsRefusedWhereAnEmptyFormIsOnEveryPage() {
    Browser browser = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    browser.get("/");
    List<String> problems = new ArrayList<>();
    int covered = 0;
    for (String route : new TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String template = route.substring(route.indexOf(' ') + 1);
      if (!"POST".equals(method) || template.startsWith("/api/") || template.equals("/logout") || template.equals("/login")
          || template.contains("password") || node.app().routes().readsOwnBody(io.vertx.core.http.HttpMethod.POST, template)) {
        continue;
      }
      String path = template.startsWith("/admin/users/:id") ? template.replace(":id", String.valueOf(spareAccount)) : path(template);
      if (browser.postRaw(path, form(browser, "").getBytes(StandardCharsets.UTF_8)).statusCode() != 422) {
        continue;
      }
      covered++;
      for (String blank : List.of("\u3000", "\u200B", "\u00A0\u3000")) {
        HttpResponse<String> r = browser.postRaw(path, form(browser, blank).getBytes(StandardCharsets.UTF_8));
        if (r.statusCode() != 422) {
          problems.add("POST " + path + " every field = " + blank.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList()
              + " -> " + r.statusCode() + " (an empty form is a 422)");
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    assertTrue(covered >= 10, "forms reached: " + covered);
  }

  private static String form(Browser browser, String value) {
    StringBuilder sb = new StringBuilder("_csrf=" + enc(browser.csrf()));
    FORM_TEXT_FIELDS.forEach(f -> sb.append('&').append(f).append('=').append(enc(value)));
    return sb.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static final String STATIONS_CSV = "name,type,division_code\n"
      + "青山镇协商议事室,协商议事室,220802101000\n"
      + "\"林海镇委员之家,members_home,220802102000\n" // the quote never closes
      + "坏了的站,协商议事室,220802103000\n"
      + "第四个站,协商议事室,220802103000\n";

  @Test
  void aCsvQuoteThatNeverClosesIsRefusedNamingItsLineOnEveryImport() {
    long before = count("SELECT count(*) FROM station");
    for (String mode : List.of("atomic", "skip-invalid")) {
      HttpResponse<String> r = Http.send(Http.request(node.baseUrl() + "/api/v1/stations/import?mode=" + mode)
          .header("Authorization", "Bearer " + token).header("Content-Type", "text/csv")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(STATIONS_CSV)).build());
      assertEquals(422, r.statusCode(), r.body());
      assertTrue(fields(r).getString("file", "").startsWith("line 3:"), r.body());
    }
    // the import page (a pasted text)
    Browser browser = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    browser.get("/stations/import");
    HttpResponse<String> page = browser.postRaw("/stations/import", ("_csrf=" + enc(browser.csrf()) + "&mode=skip-invalid&csv="
        + enc(STATIONS_CSV)).getBytes(StandardCharsets.UTF_8));
    assertEquals(422, page.statusCode());
    assertTrue(page.body().contains("第 3 行"), "the page names the line");
    assertEquals(before, count("SELECT count(*) FROM station"), "nothing was imported");

  }
}
