package org.yishi.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.account.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

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
  private static final List<String> FIELDS = List.of("name", "title", "username", "displayName", "role", "scopeCode",
      "type", "divisionCode", "description", "category", "source", "stationId", "topicId", "meetingId", "committeeId",
      "startsAt", "endsAt", "format", "kind", "version", "reason", "action", "memberIds", "stationIds", "participants",
      "held", "attendance", "content", "form", "responsibleUnit", "dueOn", "answer", "reply", "password", "q1Answer",
      "q1Reason", "year", "targetQuarter", "typical", "sector", "minutes", "suggestionsCount", "currentPassword", "newPassword");
  private static final List<Object> NASTY = List.of("<script>alert(1)</script>", "'; DROP TABLE station; --", "\u0000",
      "../../../../etc/passwd", "x".repeat(70_000), -1, 1.5e308, Long.MAX_VALUE, true, new JsonArray().add(new JsonObject()),
      new JsonObject().put("$gt", ""), "２０２６-１３-４５T２５:６１", "\uD83D\uDE00".repeat(300), "%00%0d%0aSet-Cookie: x=y");
  private static Node node;
  private static Api api;
  private static String token;
  private static Browser browser;
  private static long spareAccount;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestPostgres.freshDatabaseUrl());
    AccountFixtures f = AccountFixtures.create(node);
    spareAccount = f.ids.get("c3");
    // one of each resource, so that ":id" = 1 reaches the handlers instead of stopping at 404
    var admin = node.app().accounts().store().byUsername("admin").await().principal();
    long topic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "议题");
    java.time.OffsetDateTime start = java.time.OffsetDateTime.now().plusDays(3).withNano(0);
    long meeting = new org.yishi.meeting.MeetingService(node.app().pool(), node.app().events()).schedule(admin,
        new org.yishi.meeting.MeetingService.MeetingInput(topic, start, start.plusHours(1), "会议室", "on_site", null, "forum",
            null, null, List.of(), List.of())).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE id = "
        + meeting).execute().await();
    new org.yishi.outcome.OutcomeService(node.app().pool(), node.app().events()).create(admin,
        new org.yishi.outcome.OutcomeService.OutcomeInput(meeting, new org.yishi.outcome.OutcomeStore.OutcomeValues("成果",
            "minutes", "区住建局", null, java.time.LocalDate.now().plusDays(10)), null)).await();
    node.app().pool().query("INSERT INTO plan (committee_id, year, title) VALUES (1, 2026, '年度计划')").execute()
        .compose(v -> node.app().pool().query("INSERT INTO plan_item (plan_id, title, kind, target_quarter) VALUES (1, '计划议题', 'other', 2)")
            .execute()).await();
    api = new Api(node.baseUrl());
    token = api.token("admin", TestNodes.ADMIN_PASSWORD);
    browser = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    browser.get("/");
  }

  @AfterAll
  static void stop() {
    node.close();
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
        "?from=garbage&to=" + enc("２０２６") + "&status=" + enc("\u0000") + "&station=9999999999999999999",
        "?month=2026-13&view=week&date=yesterday&role=root&overdue=maybe&typical=2&meeting=x&sig=" + "a".repeat(5000));
    for (String route : new java.util.TreeSet<>(node.app().routes().routes().keySet())) {
      String method = route.substring(0, route.indexOf(' '));
      String path = path(route.substring(route.indexOf(' ') + 1));
      if ("POST /logout".equals(route) || route.contains("/auth/token") && "DELETE".equals(method)) {
        continue; // would end the sessions and tokens this sweep relies on
      }
      boolean apiRoute = path.startsWith("/api/");
      if ("GET".equals(method)) {
        for (String q : queries) {
          check(problems, route + q, apiRoute ? api.get(path + q, token) : browser.get(path + q));
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
        String target = path + "?meeting=1&filename=" + enc(name) + "&mode=atomic";
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
