package org.yishi.meeting;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.security.Role;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calendar feed links are personal (issue 18, item 1): made only for a unit inside the caller's
 * jurisdiction, read with the owner's jurisdiction at fetch time, one per user and unit, revocable by
 * the owner and by admins, dead once the account is disabled, re-scoped or its password changed; every
 * link that does not work gets the same 404.
 */
class CalendarFeedTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final Pattern LINK = Pattern.compile("id=\"feed-link\"[^>]*>(/calendar/feed/[A-Za-z0-9_-]{43}\\.ics)<");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long s1;
  private static long s3;
  private static long tuanjie;
  private static long meetingS1;
  private static long meetingS3;
  private static long meetingTuanjie;

  @BeforeAll
  static void start() {
    s1 = f.stations.get(AccountFixtures.HAIMING);
    s3 = f.stations.get(AccountFixtures.CHANGQING);
    tuanjie = f.stations.get(AccountFixtures.TUANJIE);
    meetingS1 = schedule(s1, "海明议题", 20);
    meetingS3 = schedule(s3, "长庆议题", 21);
    meetingTuanjie = schedule(tuanjie, "团结议题", 22);
  }

  private static long schedule(long station, String title, int days) {
    long topic = AccountFixtures.approvedTopic(node, station, title);
    OffsetDateTime at = ZonedDateTime.now(SHANGHAI).plusDays(days).withHour(9).withMinute(0).withSecond(0).withNano(0)
        .toOffsetDateTime();
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> r = api.call("POST", "/api/v1/meetings", admin, new JsonObject().put("topicId", topic)
        .put("startsAt", at.toString()).put("endsAt", at.plusHours(1).toString()).put("venue", "会议室")
        .put("format", "online").put("onlineLink", "https://meet.example/" + title).put("kind", "forum").encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  private static Browser signedIn(String user, String password) {
    Browser b = new Browser(node.baseUrl()).login(user, password);
    b.get("/account/feeds");
    return b;
  }

  private static HttpResponse<String> ask(Browser b, String name, String value) {
    return b.post("/calendar/feeds", Map.of(name, value));
  }

  /** Makes a link and returns its path (fails the test unless it was made). */
  private static String link(Browser b, String name, String value) {
    HttpResponse<String> r = ask(b, name, value);
    assertEquals(201, r.statusCode(), r.body());
    Matcher m = LINK.matcher(r.body());
    assertTrue(m.find(), "the new link is shown: " + r.body());
    return m.group(1);
  }

  private static long rows() {
    return node.app().pool().query("SELECT count(*) FROM calendar_feed_token").execute().await().iterator().next().getLong(0);
  }

  private static long feedId(String path) {
    String token = path.substring("/calendar/feed/".length(), path.length() - 4);
    return node.app().pool().preparedQuery("SELECT id FROM calendar_feed_token WHERE token_hash = $1")
        .execute(io.vertx.sqlclient.Tuple.of(io.vertx.core.buffer.Buffer.buffer(CalendarFeeds.sha256(token))))
        .await().iterator().next().getLong(0);
  }

  private static HttpResponse<String> fetch(String path) {
    return Http.get(node.baseUrl() + path); // no session: calendar apps have none
  }

  private static Set<Long> events(String path) {
    HttpResponse<String> r = fetch(path);
    assertEquals(200, r.statusCode(), r.body());
    Set<Long> ids = new java.util.TreeSet<>();
    Matcher m = Pattern.compile("UID:meeting-(\\d+)@yishi").matcher(r.body());
    while (m.find()) {
      ids.add(Long.valueOf(m.group(1)));
    }
    return ids;
  }

  private static long newAccount(String username, Role role, String scope, Set<Long> stations) {
    return node.accounts().createSystemAccount(username, username, AccountFixtures.PASSWORD, role, scope, stations).await();
  }

  @Test
  void aLinkIsMadeOnlyForAUnitInsideTheCallersJurisdiction() {
    long before = rows();
    Browser d1 = signedIn("d1", AccountFixtures.PASSWORD);
    Browser c1 = signedIn("c1", AccountFixtures.PASSWORD);
    Browser cityOther = signedIn("city-other", AccountFixtures.PASSWORD);
    assertEquals(403, ask(d1, "station", String.valueOf(tuanjie)).statusCode(), "another district's station");
    assertEquals(403, ask(d1, "district", AccountFixtures.TAONAN).statusCode(), "another district");
    assertEquals(403, ask(d1, "district", AccountFixtures.BAICHENG).statusCode(), "the city around the district");
    assertEquals(403, ask(c1, "station", String.valueOf(s3)).statusCode(), "a station of the same district, not the coordinator's");
    assertEquals(403, ask(c1, "district", AccountFixtures.TAOBEI).statusCode(), "a coordinator has no district feed");
    assertEquals(403, ask(cityOther, "district", AccountFixtures.BAICHENG).statusCode(), "another city");
    assertEquals(404, ask(d1, "station", "999999999").statusCode(), "no such station");
    assertEquals(422, ask(d1, "district", "22080").statusCode(), "not a division code");
    assertEquals(422, d1.post("/calendar/feeds", Map.of()).statusCode(), "no unit named");
    assertEquals(before, rows(), "nothing was created by a refused request");

    // the calendar page and the meeting list answer the same question the same way for the units they name
    assertEquals(403, d1.get("/calendar?station=" + tuanjie).statusCode());
    assertEquals(403, d1.get("/calendar?district=" + AccountFixtures.TAONAN).statusCode());
    assertEquals(403, c1.get("/calendar?district=" + AccountFixtures.TAOBEI).statusCode());
    assertEquals(404, d1.get("/calendar?station=999999999").statusCode());
    assertEquals(200, d1.get("/calendar?station=" + s1).statusCode());
    String d1Token = api.token("d1", AccountFixtures.PASSWORD);
    assertEquals(403, api.get("/api/v1/meetings?stationId=" + tuanjie, d1Token).statusCode());
    assertEquals(200, api.get("/api/v1/meetings?stationId=" + s1, d1Token).statusCode());
    // viewing the calendar creates nothing: links are made only on request
    assertEquals(before, rows());
  }

  @Test
  void theFeedShowsOnlyWhatItsOwnerMaySee() {
    String city = link(signedIn("city", AccountFixtures.PASSWORD), "district", AccountFixtures.BAICHENG);
    assertEquals(Set.of(meetingS1, meetingS3, meetingTuanjie), events(city), "the whole city");
    String d1 = link(signedIn("d1", AccountFixtures.PASSWORD), "district", AccountFixtures.TAOBEI);
    assertEquals(Set.of(meetingS1, meetingS3), events(d1), "the district only");
    String c1 = link(signedIn("c1", AccountFixtures.PASSWORD), "station", String.valueOf(s1));
    assertEquals(Set.of(meetingS1), events(c1), "the coordinator's station only");
    HttpResponse<String> r = fetch(c1);
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/calendar"));
    assertTrue(r.body().contains("https://meet.example/") && !r.body().contains("团结议题"));
  }

  @Test
  void askingAgainReusesTheRowAndEndsTheEarlierToken() {
    Browser d2 = signedIn("d2", AccountFixtures.PASSWORD);
    String first = link(d2, "station", String.valueOf(tuanjie));
    long id = feedId(first);
    long before = rows();
    for (int i = 0; i < 3; i++) {
      assertTrue(d2.get("/calendar?station=" + tuanjie).body().contains("class=\"feed-existing\""),
          "the page says a link exists instead of making another");
    }
    assertEquals(before, rows(), "viewing the page makes no link");
    String second = link(d2, "station", String.valueOf(tuanjie));
    assertNotEquals(first, second);
    assertEquals(before, rows(), "the same row, not a new one");
    assertEquals(id, feedId(second));
    assertEquals(404, fetch(first).statusCode(), "the earlier token no longer works");
    assertEquals(Set.of(meetingTuanjie), events(second));
    String page = d2.get("/account/feeds").body();
    assertTrue(page.contains("data-feed=\"" + id + "\""), "listed on the owner's page");
    assertFalse(page.contains(second.substring(15, 58)), "the token itself is never shown again");
  }

  @Test
  void theOwnerRevokesTheirLinkAndNobodyElseCan() {
    Browser c1 = signedIn("c1", AccountFixtures.PASSWORD);
    assertTrue(c1.get("/account/password").body().contains("href=\"/account/feeds\""), "reached from the user's own page");
    String path = link(c1, "station", String.valueOf(s1));
    long id = feedId(path);
    Browser c3 = signedIn("c3", AccountFixtures.PASSWORD);
    assertEquals(404, c3.post("/account/feeds/" + id + "/revoke", Map.of()).statusCode(), "not c3's link");
    Browser d1 = signedIn("d1", AccountFixtures.PASSWORD);
    assertEquals(404, d1.post("/account/feeds/" + id + "/revoke", Map.of()).statusCode(), "not d1's link either");
    assertEquals(200, fetch(path).statusCode(), "still working");
    c1.get("/account/feeds");
    HttpResponse<String> revoked = c1.post("/account/feeds/" + id + "/revoke", Map.of());
    assertEquals(303, revoked.statusCode(), revoked.body());
    assertEquals(404, fetch(path).statusCode());
    assertFalse(c1.get("/account/feeds").body().contains("data-feed=\"" + id + "\""));
    assertEquals(1L, node.app().pool().query("SELECT count(*) FROM audit_log WHERE action = 'calendar_feed.revoke' AND entity_id = '"
        + id + "'").execute().await().iterator().next().getLong(0), "audited");
  }

  @Test
  void anAdminRevokesALinkOnTheAccountsPage() {
    String path = link(signedIn("d1", AccountFixtures.PASSWORD), "station", String.valueOf(s3));
    long id = feedId(path);
    long d1 = f.ids.get("d1");
    Browser city = signedIn("city", AccountFixtures.PASSWORD);
    city.get("/admin/users/" + d1);
    assertEquals(403, city.post("/admin/users/" + d1 + "/feeds/" + id + "/revoke", Map.of()).statusCode(), "staff are not admins");
    Browser admin = signedIn("admin", TestNodes.ADMIN_PASSWORD);
    String page = admin.get("/admin/users/" + d1).body();
    assertTrue(page.contains("action=\"/admin/users/" + d1 + "/feeds/" + id + "/revoke\""), "listed on the admin's page of the account");
    assertEquals(404, admin.post("/admin/users/" + f.ids.get("d2") + "/feeds/" + id + "/revoke", Map.of()).statusCode(),
        "the link of another account");
    assertEquals(303, admin.post("/admin/users/" + d1 + "/feeds/" + id + "/revoke", Map.of()).statusCode());
    assertEquals(404, fetch(path).statusCode());
  }

  @Test
  void disablingReScopingOrAPasswordChangeEndsTheLinkForGood() {
    String adminToken = api.token("admin", TestNodes.ADMIN_PASSWORD);
    // disabled (and enabled again: the link stays dead)
    long dis = newAccount("feed-disabled", Role.DISTRICT_STAFF, AccountFixtures.TAOBEI, Set.of());
    String disabledLink = link(signedIn("feed-disabled", AccountFixtures.PASSWORD), "district", AccountFixtures.TAOBEI);
    assertEquals(200, fetch(disabledLink).statusCode());
    assertEquals(200, update(adminToken, dis, "district_staff", AccountFixtures.TAOBEI, List.of(), true).statusCode());
    assertEquals(404, fetch(disabledLink).statusCode(), "disabled");
    assertEquals(200, update(adminToken, dis, "district_staff", AccountFixtures.TAOBEI, List.of(), false).statusCode());
    assertEquals(404, fetch(disabledLink).statusCode(), "enabling the account again does not bring the link back");

    // re-scoped: another district, or other stations
    long moved = newAccount("feed-moved", Role.DISTRICT_STAFF, AccountFixtures.TAOBEI, Set.of());
    String movedLink = link(signedIn("feed-moved", AccountFixtures.PASSWORD), "station", String.valueOf(s1));
    assertEquals(Set.of(meetingS1), events(movedLink));
    assertEquals(200, update(adminToken, moved, "district_staff", AccountFixtures.TAONAN, List.of(), false).statusCode());
    assertEquals(404, fetch(movedLink).statusCode(), "the owner no longer covers the station");
    long coord = newAccount("feed-coord", Role.STATION_COORDINATOR, AccountFixtures.TAOBEI, Set.of(s1, s3));
    String coordLink = link(signedIn("feed-coord", AccountFixtures.PASSWORD), "station", String.valueOf(s3));
    assertEquals(Set.of(meetingS3), events(coordLink));
    assertEquals(200, update(adminToken, coord, "station_coordinator", AccountFixtures.TAOBEI, List.of(s1), false).statusCode());
    assertEquals(404, fetch(coordLink).statusCode(), "the station was taken from the coordinator");
    assertEquals(200, update(adminToken, coord, "station_coordinator", AccountFixtures.TAOBEI, List.of(s1, s3), false).statusCode());
    String coordLink2 = link(signedIn("feed-coord", AccountFixtures.PASSWORD), "station", String.valueOf(s1));
    assertEquals(200, update(adminToken, coord, "station_coordinator", AccountFixtures.TAOBEI, List.of(s1, s3), false)
        .statusCode(), "saving the same stations again");
    assertEquals(200, fetch(coordLink2).statusCode(), "an edit that changes nothing the link depends on keeps it");

    // password changed by the owner, or reset by an admin
    newAccount("feed-pw", Role.DISTRICT_STAFF, AccountFixtures.TAOBEI, Set.of());
    String pwLink = link(signedIn("feed-pw", AccountFixtures.PASSWORD), "district", AccountFixtures.TAOBEI);
    String own = api.token("feed-pw", AccountFixtures.PASSWORD);
    HttpResponse<String> changed = api.call("PUT", "/api/v1/me/password", own, new JsonObject()
        .put("currentPassword", AccountFixtures.PASSWORD).put("newPassword", "a-new-feed-password-42").encode());
    assertEquals(200, changed.statusCode(), changed.body());
    assertEquals(404, fetch(pwLink).statusCode(), "the password changed");
    long reset = newAccount("feed-reset", Role.DISTRICT_STAFF, AccountFixtures.TAOBEI, Set.of());
    String resetLink = link(signedIn("feed-reset", AccountFixtures.PASSWORD), "district", AccountFixtures.TAOBEI);
    assertEquals(200, api.call("POST", "/api/v1/users/" + reset + "/password-reset", adminToken, null).statusCode());
    assertEquals(404, fetch(resetLink).statusCode(), "the password was reset");
  }

  private static HttpResponse<String> update(String adminToken, long id, String role, String scope, List<Long> stations,
                                             boolean disabled) {
    int version = node.accounts().get(id).await().version();
    String username = node.accounts().get(id).await().username();
    return api.call("PUT", "/api/v1/users/" + id, adminToken, new JsonObject().put("displayName", username).put("role", role)
        .put("scopeCode", scope).put("stationIds", new JsonArray(new ArrayList<>(stations))).put("disabled", disabled)
        .put("version", version).encode());
  }

  @Test
  void everyLinkThatDoesNotWorkGetsTheSame404() throws Exception {
    Browser d2 = signedIn("d2", AccountFixtures.PASSWORD);
    String revoked = link(d2, "district", AccountFixtures.TAONAN);
    d2.post("/account/feeds/" + feedId(revoked) + "/revoke", Map.of());
    long dead = newAccount("feed-dead", Role.DISTRICT_STAFF, AccountFixtures.TAONAN, Set.of());
    String deadLink = link(signedIn("feed-dead", AccountFixtures.PASSWORD), "district", AccountFixtures.TAONAN);
    update(api.token("admin", TestNodes.ADMIN_PASSWORD), dead, "district_staff", AccountFixtures.TAONAN, List.of(), true);
    String unknown = "/calendar/feed/" + "A".repeat(43) + ".ics";
    List<String> tokens = List.of(unknown, revoked, deadLink, "/calendar/feed/" + "A".repeat(42) + "!.ics",
        "/calendar/feed/short.ics", "/calendar/feed/" + "A".repeat(43) + ".txt", "/calendar/feed/" + "A".repeat(43));
    String reference = null;
    for (String path : tokens) {
      HttpResponse<String> r = fetch(path);
      assertEquals(404, r.statusCode(), path);
      String body = neutral(r.body(), path);
      if (reference == null) {
        reference = body;
      }
      assertEquals(reference, body, "the same answer for " + path);
      assertFalse(r.body().contains("disabled") || r.body().contains("revoked") || r.body().contains("Exception"));
    }
    // the HMAC-signed links of earlier releases no longer open anything
    assertEquals(404, fetch("/calendar/feed/station/" + s1 + ".ics?sig=0123456789abcdef0123456789abcdef").statusCode());
    assertEquals(404, fetch("/calendar/feed/district/" + AccountFixtures.TAOBEI + ".ics").statusCode());
  }

  /** An error page with what depends on the request itself (its path, fresh CSRF and form tokens) taken out. */
  private static String neutral(String body, String path) {
    return body.replace(java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8), "")
        .replace(path, "").replaceAll("name=\"_(csrf|idempotency)\" value=\"[^\"]*\"", "");
  }
}
