package org.yishi.platform;

import org.yishi.app.Node;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered route (from the route inventory, so routes added later are covered too) gets a
 * corpus of hostile input plus seeded random garbage, as an admin who may call everything: no answer
 * may be a 5xx or contain a stack trace.
 */
class HostileInputTest {
  private static final List<String> FIELDS = List.of("place", "phone", "challenge", "challengeId", "name", "title", "username", "displayName", "role", "scopeCode",
      "type", "divisionCode", "description", "category", "source", "stationId", "topicId", "meetingId", "committeeId",
      "startsAt", "endsAt", "format", "kind", "version", "reason", "action", "memberIds", "stationIds", "participants",
      "held", "attendance", "content", "form", "responsibleUnit", "dueOn", "answer", "reply", "password", "q1Answer",
      "q1Reason", "year", "targetQuarter", "typical", "sector", "minutes", "suggestionsCount", "currentPassword", "newPassword");
  private static final List<Object> NASTY = List.of("<script>alert(1)</script>", "'; DROP TABLE station; --", "\u0000",
      "../../../../etc/passwd", "x".repeat(70_000), -1, 1.5e308, Long.MAX_VALUE, true, new JsonArray().add(new JsonObject()),
      new JsonObject().put("$gt", ""), "２０２６-１３-４５T２５:６１", "\uD83D\uDE00".repeat(300), "%00%0d%0aSet-Cookie: x=y");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static Api api;
  private static String token;
  private static Browser browser;
  private static long spareAccount;

  @BeforeAll
  static void start() {
    AccountFixtures f = NODE.fixtures();
    spareAccount = f.ids.get("c3");
    // one of each resource, so that ":id" = 1 reaches the handlers instead of stopping at 404
    f.oneOfEachResource(node);
    token = api.token("admin", TestNodes.ADMIN_PASSWORD);
    browser = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    browser.get("/");
  }

  /**
   * {@code query} without the parameters an API route does not declare (each would be a 400 before
   * the handler, see {@code ApiQuery}), so that hostile values reach the handler; pages take it whole.
   */
  private static String declared(String route, String query) {
    String template = route.substring(route.indexOf(' ') + 1);
    org.yishi.platform.security.ApiQuery accepted = node.app().routes().queries().get(route);
    if (!template.startsWith("/api/") || accepted == null) {
      return query;
    }
    StringBuilder out = new StringBuilder();
    for (String pair : query.substring(1).split("&")) {
      if (accepted.accepted().contains(pair.substring(0, pair.indexOf('=')))) {
        out.append(out.length() == 0 ? "?" : "&").append(pair);
      }
    }
    return out.toString();
  }

  private static String path(String template) {
    // account routes target a spare account: resetting the admin's own password would end the sweep's sessions
    String t = template.startsWith("/api/v1/users/:id") || template.startsWith("/admin/users/:id")
        ? template.replace(":id", String.valueOf(spareAccount)) : template;
    return t.replace(":id", "1").replace(":tag", "en").replace(":kind", "station").replace(":file", "1.ics")
        .replace(":key", "economy").replace(":itemId", "1");
  }

  private static List<String> bodies(Random random) {
    List<String> out = new ArrayList<>(List.of("", "{", "[]", "null", "\"text\"", "{\"a\":" .repeat(2000) + "1" + "}".repeat(2000)));
    for (Object nasty : NASTY) {
      JsonObject body = new JsonObject();
      FIELDS.forEach(f -> body.put(f, nasty));
      out.add(body.encode());
    }
    for (int i = 0; i < 6; i++) {
      JsonObject body = new JsonObject();
      for (String f : FIELDS) {
        if (random.nextBoolean()) {
          body.put(f, switch (random.nextInt(5)) {
            case 0 -> random.nextLong();
            case 1 -> randomText(random);
            case 2 -> new JsonArray().add(random.nextInt()).add(randomText(random));
            case 3 -> random.nextBoolean();
            default -> NASTY.get(random.nextInt(NASTY.size()));
          });
        }
      }
      out.add(body.encode());
    }
    return out;
  }

  private static String randomText(Random random) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0, n = random.nextInt(40); i < n; i++) {
      sb.appendCodePoint(random.nextInt(3) == 0 ? 0x4e00 + random.nextInt(0x5000) : 1 + random.nextInt(0x7e));
    }
    return sb.toString();
  }

  private static final java.util.Map<Integer, Integer> STATUSES = new java.util.TreeMap<>();

  private static void check(List<String> problems, String what, HttpResponse<String> r) {
    STATUSES.merge(r.statusCode(), 1, Integer::sum);
    if (r.statusCode() >= 500 || r.body().contains("Exception") || r.body().contains("\tat org.")) {
      problems.add(what + " -> " + r.statusCode() + " " + r.body().substring(0, Math.min(200, r.body().length())));
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(longs = {20261122L, 7L, 424242L})
  void noRouteAnswers5xxOrAStackTrace(long seed) {
    Random random = new Random(seed);
    List<String> problems = new ArrayList<>();
    byte[] badUtf8 = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    List<String> queries = List.of("?page=-1&size=abc", "?q=" + enc("<script>") + "&within=" + enc("' OR 1=1 --"),
        "?from=garbage&to=" + enc("２０２６") + "&status=" + enc("\u0000") + "&station=9999999999999999999&stationId=" + enc("１２"),
        "?month=2026-13&view=week&date=yesterday&role=root&overdue=maybe&typical=2&meeting=x&meetingId=-1&division=" + enc("２２０８") + "&sig=" + "a".repeat(5000));
    for (String route : new java.util.TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = path(route.substring(route.indexOf(' ') + 1));
      if ("POST /logout".equals(route) || route.contains("/auth/token") && "DELETE".equals(method)) {
        continue; // would end the sessions and tokens this sweep relies on
      }
      boolean apiRoute = path.startsWith("/api/");
      if ("GET".equals(method)) {
        for (String q : queries) {
          check(problems, route + q, apiRoute ? api.get(path + declared(route, q), token) : browser.get(path + q));
        }
        continue;
      }
      if (apiRoute) {
        for (String body : bodies(random)) {
          check(problems, route + " " + body.substring(0, Math.min(60, body.length())), api.call(method, path, token, body));
        }
        check(problems, route + " invalid UTF-8", api.callBytes(method, path, token, badUtf8));
        check(problems, route + " 3 MB", api.callBytes(method, path, token, new byte[3 * 1024 * 1024]));
      } else {
        for (Object nasty : NASTY) {
          StringBuilder form = new StringBuilder("_csrf=" + browser.csrf());
          FIELDS.forEach(f -> form.append('&').append(f).append('=').append(enc(String.valueOf(nasty))));
          check(problems, route + " form " + String.valueOf(nasty).substring(0, Math.min(20, String.valueOf(nasty).length())),
              browser.postRaw(path, form.toString().getBytes(StandardCharsets.UTF_8)));
        }
        check(problems, route + " form invalid UTF-8",
            browser.postRaw(path, ("_csrf=" + browser.csrf() + "&name=%C3%28&title=%FF").getBytes(StandardCharsets.US_ASCII)));
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    // the sweep reached parsing, size limits, validation and real handlers, not just a front door
    System.out.println("hostile input sweep: " + STATUSES);
    for (int status : new int[] {200, 400, 404, 413, 422}) {
      assertTrue(STATUSES.getOrDefault(status, 0) > 0, "no " + status + " seen: " + STATUSES);
    }
    assertTrue(STATUSES.values().stream().mapToInt(Integer::intValue).sum() > 1500, "requests sent: " + STATUSES);
    STATUSES.clear();
  }

  /** Date, number, code and choice parameters with values far out of range or of the wrong form. */
  private static final List<String[]> BAD_PARAMS = List.of(
      new String[] {"month", "-999999999-01"}, new String[] {"month", "+999999999-12"}, new String[] {"month", "1999-12"},
      new String[] {"month", "2026-13"}, new String[] {"date", "+999999999-12-31"}, new String[] {"date", "-999999999-01-01"},
      new String[] {"date", "2026-02-30"}, new String[] {"view", "year"}, new String[] {"from", "+999999999-01-01T00:00:00Z"},
      new String[] {"to", "-999999999-12-31T23:59:59Z"}, new String[] {"from", "+999999999-12"}, new String[] {"to", "-999999999-01"},
      new String[] {"from", "1900-01-01T00:00:00+18:00"}, new String[] {"year", "99999999999"}, new String[] {"year", "-2026"},
      new String[] {"page", "99999999999999999999"}, new String[] {"size", "-99999999999"}, new String[] {"page", "1e3"},
      new String[] {"station", "99999999999999999999"}, new String[] {"station", "-1"}, new String[] {"stationId", "1e9"},
      new String[] {"district", "9".repeat(40)}, new String[] {"division", "+22080200000"}, new String[] {"meeting", "99999999999999999999"},
      new String[] {"committee", "0x10"}, new String[] {"period", "+999999999-12"}, new String[] {"period", "99999"},
      new String[] {"unit", "99999999999999999999"}, new String[] {"within", "9".repeat(40)}, new String[] {"parent", "-1"},
      new String[] {"kind", "\u0000"}, new String[] {"entityId", "9".repeat(40)}, new String[] {"members_page", "99999999999"});

  /**
   * Issue 18 item 9: every GET route gets each of {@link #BAD_PARAMS} on its own. No answer is a 5xx
   * or a stack trace, every answer comes at once (a request left running fails on the client's
   * timeout), and an API 422 names the refused parameter.
   */
  @Test
  void parameterParseErrorsAreAnsweredAtOnceNamingTheParameter() {
    List<String> problems = new ArrayList<>();
    for (String route : new java.util.TreeSet<>(node.app().routes().routes().keySet())) {
      if (!route.startsWith("GET ") || route.endsWith("/live")) {
        continue; // an event stream does not end; its parameters are those of /stats, checked there
      }
      String path = path(route.substring(4));
      boolean apiRoute = path.startsWith("/api/");
      for (String[] p : BAD_PARAMS) {
        String target = path + "?" + p[0] + "=" + enc(p[1]);
        HttpResponse<String> r = apiRoute ? api.get(target, token) : browser.get(target);
        check(problems, route + " " + p[0] + "=" + p[1], r);
        if (apiRoute && r.statusCode() == 422) {
          JsonObject fields = new JsonObject(r.body()).getJsonObject("error").getJsonObject("fields");
          if (fields == null || fields.isEmpty()) {
            problems.add(route + " " + p[0] + "=" + p[1] + " -> 422 naming no parameter: " + r.body());
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    STATUSES.clear();
  }

  /** The calendar and the meeting list: the defect of issue 18 item 9, answered as a 422 naming the parameter. */
  @Test
  void calendarAndMeetingDatesOutOfRangeAre422NamingTheParameter() {
    String[][] page = {
        {"/calendar?month=-999999999-01", "month"}, {"/calendar?month=%2B999999999-12", "month"},
        {"/calendar?month=1999-12", "month"}, {"/calendar?month=2101-01", "month"},
        {"/calendar?view=week&date=%2B999999999-12-31", "date"}, {"/calendar?view=week&date=-999999999-01-01", "date"},
        {"/calendar?view=week&date=2026-02-30", "date"}, {"/calendar?view=year", "view"},
        {"/calendar?station=abc", "station"}, {"/calendar?district=123", "district"}};
    for (String[] c : page) {
      HttpResponse<String> r = browser.get(c[0]);
      assertEquals(422, r.statusCode(), c[0]);
      assertTrue(r.body().contains("data-field=\"" + c[1] + "\""), c[0] + " names " + c[1]);
    }
    String last = browser.get("/calendar?month=2100-12").body();
    assertTrue(!last.contains("rel=\"next\"") && last.contains("rel=\"prev\""), "the pager stops at the last month allowed");
    String[][] list = {
        {"/api/v1/meetings?from=%2B999999999-01-01T00:00:00Z", "from"}, {"/api/v1/meetings?to=-999999999-12-31T00:00:00Z", "to"},
        {"/api/v1/meetings?from=1999-12-31T23:00:00Z", "from"}, {"/api/v1/meetings?stationId=x", "stationId"}, {"/api/v1/meetings?station=x", "stationId"}};
    for (String[] c : list) {
      HttpResponse<String> r = api.get(c[0], token);
      assertEquals(422, r.statusCode(), c[0] + " " + r.body());
      assertTrue(new JsonObject(r.body()).getJsonObject("error").getJsonObject("fields").containsKey(c[1]), c[0] + " names " + c[1]);
    }
    for (String field : new String[] {"startsAt", "endsAt"}) {
      JsonObject body = new JsonObject().put("topicId", 1).put("startsAt", "2030-01-01T09:00:00+08:00")
          .put("endsAt", "2030-01-01T10:00:00+08:00").put("venue", "会议室").put("format", "on_site").put("kind", "forum")
          .put(field, "+999999999-12-31T10:00:00+08:00");
      HttpResponse<String> r = api.call("POST", "/api/v1/meetings", token, body.encode());
      assertEquals(422, r.statusCode(), r.body());
      assertTrue(new JsonObject(r.body()).getJsonObject("error").getJsonObject("fields").containsKey(field), r.body());
    }
  }

  /** Dates in bodies follow the same years: an outcome's due date, a report's period, a record's times. */
  @Test
  void bodyDatesOutsideTheYearsAllowedAre422NamingTheField() {
    Object[][] cases = {
        {"/api/v1/outcomes", new JsonObject().put("meetingId", 1).put("content", "成果").put("form", "minutes")
            .put("responsibleUnit", "区住建局").put("dueOn", "0000-01-01"), "dueOn"},
        {"/api/v1/outcomes", new JsonObject().put("meetingId", 1).put("content", "成果").put("form", "minutes")
            .put("responsibleUnit", "区住建局").put("dueOn", "9999-12-31"), "dueOn"},
        {"/api/v1/reports/generate", new JsonObject().put("kind", "yearly").put("unit", AccountFixtures.TAOBEI)
            .put("period", "9999"), "period"},
        {"/api/v1/reports/generate", new JsonObject().put("kind", "monthly").put("unit", AccountFixtures.TAOBEI)
            .put("period", "0001-01"), "period"}};
    for (Object[] c : cases) {
      HttpResponse<String> r = api.call("POST", (String) c[0], token, ((JsonObject) c[1]).encode());
      assertEquals(422, r.statusCode(), c[0] + " " + r.body());
      assertTrue(new JsonObject(r.body()).getJsonObject("error").getJsonObject("fields").containsKey((String) c[2]), r.body());
    }
    HttpResponse<String> record = api.call("PUT", "/api/v1/meetings/1/record", token, new JsonObject().put("held", true)
        .put("actualStart", "+999999999-01-01T09:00:00+08:00").put("actualEnd", "+999999999-01-01T10:00:00+08:00")
        .put("version", 1).encode());
    assertTrue(record.statusCode() == 422 || record.statusCode() == 409, record.body());
    if (record.statusCode() == 422) {
      assertTrue(new JsonObject(record.body()).getJsonObject("error").getJsonObject("fields").containsKey("actualStart"), record.body());
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A raw HTTP/1.1 exchange over a socket, for what Java's HTTP client refuses to send (CR, LF, NUL in headers). */
  private record Raw(int status, String head, String body) {
  }

  private static Raw raw(byte[] request) throws java.io.IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      byte[] all;
      try {
        all = socket.getInputStream().readAllBytes();
      } catch (java.net.SocketException e) {
        all = new byte[0]; // reset after the answer: what was read is all there is
      }
      String text = new String(all, StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      int status = head.startsWith("HTTP/1.1 ") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : 0;
      return new Raw(status, head, split < 0 ? "" : text.substring(split + 4));
    }
  }

  private static byte[] request(String method, String target, String headers, byte[] body) {
    String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
        + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  private static void checkRaw(List<String> problems, String what, Raw r) {
    STATUSES.merge(r.status(), 1, Integer::sum);
    if (r.status() >= 500 || r.body().contains("Exception") || r.body().contains("\tat org.")) {
      problems.add(what + " -> " + r.status() + " " + r.body().substring(0, Math.min(200, r.body().length())));
    }
    for (String line : r.head().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("set-cookie: evil") || line.toLowerCase(java.util.Locale.ROOT).startsWith("x-injected")) {
        problems.add(what + " -> injected response header: " + line);
      }
    }
  }

  /**
   * Protocol-level hostility the corpus above cannot express: CR, LF and NUL inside header values
   * (request smuggling and response splitting attempts), NUL bytes in paths and raw JSON, JSON nested
   * hundreds of thousands deep, forms with tens of thousands of fields, and upload file names that
   * climb out of the upload directory. No 5xx, no stack trace, no injected header, no stray file,
   * nothing written.
   */
  /**
   * Member ids on every route that takes them (issue 18, item 3): invited members, a record's
   * attendees and a station's members, on the API and on the pages, as district staff of 洮北. Ids
   * of a member of another district, of none, 0 and negative ones are refused with a 422 (on the
   * API naming each element, e.g. {@code attendedMemberIds[1]}), the outside member's name is never
   * in the answer, and nothing is written.
   */
  @Test
  void memberIdsOutsideTheDistrictAreRefusedOnEveryRouteThatTakesThem() {
    var pool = node.app().pool();
    long station = pool.query("SELECT id FROM station WHERE division_code = '" + AccountFixtures.HAIMING + "'").execute().await()
        .iterator().next().getLong(0);
    long topic = AccountFixtures.approvedTopic(node, station, "成员检查议题"); // (re)activates the station the sweep may have changed
    long taonan = pool.query("SELECT id FROM committee WHERE division_code = '" + AccountFixtures.TAONAN + "'").execute().await()
        .iterator().next().getLong(0);
    long outsider = pool.preparedQuery("INSERT INTO member (name, sector, committee_id) VALUES ('外区委员甲乙', '农业界', $1) RETURNING id")
        .execute(io.vertx.sqlclient.Tuple.of(taonan)).await().iterator().next().getLong(0);
    var admin = node.accounts().store().byUsername("admin").await().principal();
    java.time.OffsetDateTime start = java.time.OffsetDateTime.now().plusDays(250).withNano(0);
    long past = node.services().meetings().schedule(admin,
        new org.yishi.meeting.MeetingService.MeetingInput(topic, start, start.plusHours(1), "会议室", "on_site", null, "forum",
            null, null, List.of(), List.of())).await().getLong("id");
    pool.query("UPDATE meeting SET starts_at = now() - interval '30 hours', ends_at = now() - interval '29 hours' WHERE id = " + past)
        .execute().await();
    List<Long> bad = List.of(outsider, 9_000_000_000L, 0L, -5L, outsider);
    JsonArray ids = new JsonArray();
    bad.forEach(ids::add);
    String formIds = String.join(",", bad.stream().filter(i -> i >= 0).map(String::valueOf).toList());
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    java.time.OffsetDateTime at = java.time.OffsetDateTime.now().plusDays(260).withNano(0);
    String local = at.atZoneSameInstant(java.time.ZoneId.of("Asia/Shanghai")).toLocalDateTime().toString();
    String localEnd = at.plusHours(1).atZoneSameInstant(java.time.ZoneId.of("Asia/Shanghai")).toLocalDateTime().toString();
    java.util.function.LongSupplier written = () -> pool.query("SELECT (SELECT count(*) FROM meeting) + (SELECT count(*) FROM meeting_record)"
        + " + (SELECT count(*) FROM meeting_attendee) + (SELECT count(*) FROM station_member)").execute().await().iterator().next().getLong(0);
    long before = written.getAsLong();
    List<String> problems = new ArrayList<>();
    record Call(String what, HttpResponse<String> answer, String field) {
    }
    List<Call> calls = List.of(
        new Call("POST /api/v1/meetings", api.call("POST", "/api/v1/meetings", d1, new JsonObject().put("topicId", topic)
            .put("startsAt", at.toString()).put("endsAt", at.plusHours(1).toString()).put("venue", "会议室").put("format", "on_site")
            .put("kind", "forum").put("memberIds", ids).encode()), "memberIds"),
        new Call("PUT /api/v1/meetings/:id/record", api.call("PUT", "/api/v1/meetings/" + past + "/record", d1, new JsonObject()
            .put("held", false).put("notHeldReason", "天气").put("attendedMemberIds", ids).encode()), "attendedMemberIds"),
        new Call("PUT /api/v1/stations/:id/members", api.call("PUT", "/api/v1/stations/" + station + "/members", d1,
            new JsonObject().put("memberIds", ids).encode()), "memberIds"),
        new Call("POST /meetings", b.post("/meetings", java.util.Map.of("topicId", String.valueOf(topic), "startsAt", local,
            "endsAt", localEnd, "format", "on_site", "venue", "会议室", "kind", "forum", "memberIds", formIds)), null),
        new Call("POST /meetings/:id/record", b.post("/meetings/" + past + "/record", java.util.Map.of("held", "false",
            "notHeldReason", "天气", "attendedMemberIds", formIds)), null),
        new Call("POST /stations/:id/members", b.post("/stations/" + station + "/members", java.util.Map.of("memberIds", formIds)), null));
    for (Call c : calls) {
      if (c.answer().statusCode() != 422) {
        problems.add(c.what() + ": expected 422, got " + c.answer().statusCode() + " " + c.answer().body());
        continue;
      }
      if (c.answer().body().contains("外区委员甲乙")) {
        problems.add(c.what() + " echoes the name of a member outside");
      }
      if (c.field() != null) {
        java.util.Set<String> fields = new JsonObject(c.answer().body()).getJsonObject("error").getJsonObject("fields").fieldNames();
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (int i = 0; i < bad.size(); i++) {
          expected.add(c.field() + "[" + i + "]");
        }
        if (!new java.util.TreeSet<>(fields).equals(expected)) {
          problems.add(c.what() + ": fields " + fields + ", expected " + expected);
        }
      }
    }
    assertTrue(node.app().routes().routes().keySet().containsAll(calls.stream().map(Call::what).toList()), "the routes exist");
    assertEquals(before, written.getAsLong(), "nothing written");
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void protocolLevelHostilityIsRefusedCleanly() throws Exception {
    List<String> problems = new ArrayList<>();
    String auth = "Authorization: Bearer " + token + "\r\n";
    String cookie = "Cookie: " + browser.cookieHeader() + "\r\n";
    long topicsBefore = count("SELECT count(*) FROM topic");

    // header injection: CR/LF/NUL inside values, obsolete line folding, a smuggled second request
    String[] badHeaders = {
        "X-Test: a\rSet-Cookie: evil=1\r\n",
        "X-Test: a\nSet-Cookie: evil=1\r\n",
        "X-Test: a\u0000b\r\n",
        "Accept-Language: en\r\n x-injected: folded\r\n",
        "Idempotency-Key: k\rX-Injected: 1\r\n",
        "Idempotency-Key: \u0000\r\n",
    };
    for (String h : badHeaders) {
      byte[] json = "{\"title\":\"x\"}".getBytes(StandardCharsets.UTF_8);
      checkRaw(problems, "POST topics with header " + h.replace("\r", "\\r").replace("\n", "\\n"),
          raw(request("POST", "/api/v1/topics", auth + "Content-Type: application/json\r\n" + h, json)));
      checkRaw(problems, "GET / with header " + h.replace("\r", "\\r").replace("\n", "\\n"),
          raw(request("GET", "/", cookie + h, null)));
    }
    // request smuggling: Content-Length and Transfer-Encoding disagree, a second request hides in the body
    String smuggled = "0\r\n\r\nGET /audit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cookie + "\r\n";
    Raw split = raw(request("POST", "/api/v1/topics", auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
        smuggled.getBytes(StandardCharsets.UTF_8)));
    checkRaw(problems, "CL+TE smuggling", split);
    if (split.body().contains("HTTP/1.1 ")) {
      problems.add("CL+TE smuggling: the hidden request was answered too: " + split.body().substring(0, Math.min(300, split.body().length())));
    }
    // response splitting through values the node echoes into headers (redirect targets, the language cookie)
    for (String target : new String[] {"/lang/en?back=%0d%0aSet-Cookie:%20evil=1", "/lang/en?back=/x%0d%0aX-Injected:%201",
        "/login?back=%0d%0aSet-Cookie:%20evil=1", "/lang/en%0d%0aSet-Cookie:%20evil=1?back=/", "/topics/1%0d%0aX-Injected:%201"}) {
      checkRaw(problems, "GET " + target, raw(request("GET", target, cookie, null)));
    }
    // NUL bytes: in paths, raw in a JSON body, in form values
    for (String target : new String[] {"/api/v1/topics/%00", "/topics/1%00", "/api/v1/divisions/22080200000%00",
        "/divisions?parent=%00", "/api/v1/stations?q=%00"}) {
      checkRaw(problems, "GET " + target, raw(request("GET", target, auth + cookie, null)));
    }
    byte[] nulJson = "{\"stationId\":1,\"title\":\"a\u0000b\"}".getBytes(StandardCharsets.UTF_8);
    checkRaw(problems, "raw NUL in JSON", raw(request("POST", "/api/v1/topics", auth + "Content-Type: application/json\r\n", nulJson)));
    // nesting far beyond any parser default
    for (String deep : new String[] {"[".repeat(300_000), "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)}) {
      byte[] body = deep.getBytes(StandardCharsets.UTF_8);
      for (String route : new String[] {"/api/v1/topics", "/api/v1/stations", "/api/v1/meetings", "/api/v1/outcomes"}) {
        checkRaw(problems, "deep JSON " + body.length + " bytes to " + route,
            raw(request("POST", route, auth + "Content-Type: application/json\r\n", body)));
      }
    }
    // forms with a huge number of fields, on every page route that takes a form
    StringBuilder many = new StringBuilder("_csrf=" + browser.csrf());
    for (int i = 0; i < 60_000; i++) {
      many.append("&f").append(i % 7).append('=').append(i);
    }
    StringBuilder distinct = new StringBuilder("_csrf=" + browser.csrf());
    for (int i = 0; i < 20_000; i++) {
      distinct.append("&field").append(i).append("=x");
    }
    for (String route : new java.util.TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = path(route.substring(route.indexOf(' ') + 1));
      if (!"POST".equals(method) || path.startsWith("/api/") || path.equals("/logout")) {
        continue;
      }
      for (StringBuilder form : List.of(many, distinct)) {
        checkRaw(problems, route + " with " + form.length() + " bytes of fields", raw(request("POST", path,
            cookie + "Content-Type: application/x-www-form-urlencoded\r\n", form.toString().getBytes(StandardCharsets.US_ASCII))));
      }
    }
    // upload file names that climb out of the upload directory, to every route that reads an upload
    String marker = "yishi-traversal-" + Long.toHexString(new Random().nextLong());
    byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1};
    for (String route : new java.util.TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      if (!node.app().routes().readsOwnBody(io.vertx.core.http.HttpMethod.valueOf(method), path)) {
        continue;
      }
      for (String name : new String[] {"../../../../../../tmp/" + marker, "..\\..\\..\\..\\tmp\\" + marker, "/tmp/" + marker,
          "....//....//tmp/" + marker, "%2e%2e%2f%2e%2e%2ftmp%2f" + marker, marker + "\u0000.jpg"}) {
        String target = path + (path.startsWith("/api/")
            ? declared(route, "?meetingId=1&name=" + enc(name) + "&filename=" + enc(name) + "&mode=atomic")
            : "?meeting=1&filename=" + enc(name) + "&mode=atomic");
        if (path.startsWith("/api/")) {
          checkRaw(problems, route + " file " + name, raw(request("POST", target,
              auth + "Content-Type: application/octet-stream\r\n", jpeg)));
        } else {
          String boundary = "----hostile" + System.nanoTime();
          java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
          body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + browser.csrf()
              + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"meeting\"\r\n\r\n1\r\n--" + boundary
              + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: image/jpeg\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
          body.writeBytes(jpeg);
          body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
          checkRaw(problems, route + " file " + name, raw(request("POST", target,
              cookie + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n", body.toByteArray())));
        }
      }
    }
    try (var files = java.nio.file.Files.walk(node.app().config().dataDir())) {
      files.filter(f -> f.getFileName().toString().contains(marker))
          .forEach(f -> problems.add("an upload was stored under its own name: " + f));
    }
    for (String dir : new String[] {"/tmp", System.getProperty("java.io.tmpdir")}) {
      if (java.nio.file.Files.exists(java.nio.file.Path.of(dir, marker))) {
        problems.add("an upload escaped to " + dir + "/" + marker);
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
    assertEquals(topicsBefore, count("SELECT count(*) FROM topic"), "nothing was written by any of it");
    STATUSES.clear();
  }

  private static long count(String sql) {
    return node.app().pool().query(sql).execute().await().iterator().next().getLong(0);
  }

  /**
   * Request targets that the router normalises (dot segments, escaped dots, repeated slashes, escaped
   * letters), sent raw to every route that needs a caller (issue 18, item 4): the API never accepts
   * the session cookie through any of them, and a page never accepts a bearer token. Each answer is
   * the anonymous one (401 on the API, a redirect to the sign-in page or 401 on pages), never the
   * route's signed-in answer.
   */
  @Test
  void noDetourMakesACookieWorkOnTheApiOrATokenOnAPage() throws Exception {
    List<String> problems = new ArrayList<>();
    String cookie = "Cookie: " + browser.cookieHeader() + "\r\n";
    String auth = "Authorization: Bearer " + token + "\r\n";
    for (var route : node.app().routes().routes().entrySet()) {
      if (route.getValue().isOpen()) {
        continue;
      }
      String method = route.getKey().substring(0, route.getKey().indexOf(' '));
      String target = path(route.getKey().substring(method.length() + 1));
      boolean isApi = target.startsWith("/api/");
      String rest = target.substring(1);
      List<String> detours = new ArrayList<>(List.of("/" + target, "/./" + rest, "/x/../" + rest, "/%2e/" + rest,
          "/x/%2E%2E/" + rest, "/x/.%2e/" + rest, target.replaceFirst("/", "//")));
      if (isApi) {
        detours.add("/%61pi/" + target.substring("/api/".length()));
        detours.add("/api//" + target.substring("/api/".length()));
        detours.add("/API/" + target.substring("/api/".length()));
        detours.add("/Api/" + target.substring("/api/".length()));
      }
      for (String detour : detours) {
        Raw r = raw(request(method, detour, isApi ? cookie : auth, "GET".equals(method) ? null : new byte[0]));
        boolean anonymous = r.status() == 401 || r.status() == 404 || r.status() == 405
            || (!isApi && r.status() == 303 && r.head().contains("Location: /login"))
            || (!isApi && r.status() == 403 && !"GET".equals(method)); // a state-changing page request without a CSRF token
        if (!anonymous) {
          problems.add(route.getKey() + " via " + detour + " with " + (isApi ? "a session cookie" : "a bearer token")
              + " -> " + r.status());
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
  }
}
