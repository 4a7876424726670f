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
    long meeting = new org.yishi.meeting.MeetingService(node.app().pool()).schedule(admin,
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
}
