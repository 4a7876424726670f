package org.yishi.home;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.events.DomainEvent;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.yishi.home.TwoQueueNodes.becomes;
import static org.yishi.home.TwoQueueNodes.heardOn;
import static org.yishi.home.TwoQueueNodes.ids;
import static org.yishi.home.TwoQueueNodes.items;
import static org.yishi.home.TwoQueueNodes.token;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work queue's sections that only their own events announce (stations applying, residents'
 * requests, the caller's unread notifications, the city's last reports), kept per scope or account on
 * each node of a two-node cluster with the caches on and kept ten minutes (nothing depends on timing):
 * a change written in SQL (no event) is not seen while a copy stands, which shows that the page reads
 * no rows for them; the change made through the product on one node is on the other node's next page.
 */
class AnnouncedSectionsAcrossNodesTest {
  @RegisterExtension @Order(1) static final SharedSectionsTest.CachesOn CACHES_ON = new SharedSectionsTest.CachesOn();
  private static final Pattern SUBMIT_TOKEN = Pattern.compile("name=\"submitToken\" value=\"([^\"]+)\"");
  private static TwoQueueNodes n;

  @BeforeAll
  static void start() {
    n = TwoQueueNodes.start();
  }

  @AfterAll
  static void stop() {
    if (n != null) {
      n.close();
    }
  }

  @BeforeEach
  void noCopies() {
    n.noCopies();
  }

  /** A station applying in 洮北区, written in SQL (no event). */
  private static long pendingStationInSql(String name) {
    return ((Number) n.sql.value("""
        INSERT INTO station (name, type, level, division_code, district_code, status)
        SELECT ?, type, level, division_code, district_code, 'pending' FROM station WHERE division_code = ? LIMIT 1
        RETURNING id""", name, AccountFixtures.HAIMING)).longValue();
  }

  @Test
  void aStationApplyingOnOneNodeIsOnTheOtherNodesNextPageAndLeavesItWhenDecided() throws Exception {
    String d1 = token(n.apiOne, "d1");
    String d1OnTwo = token(n.apiTwo, "d1");
    Set<Long> before = items(n.apiTwo, d1OnTwo, "stationApprovals");
    long inSql = pendingStationInSql("议事室SQL");
    assertFalse(items(n.apiTwo, d1OnTwo, "stationApprovals").contains(inSql), "node 2's copy stands: no row is read per page");

    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.STATION_STATUS, e -> "pending".equals(e.getString("status")));
    var admin = n.one.accounts().store().byUsername("admin").await().principal();
    long applied = n.one.services().stations().register(admin, new org.yishi.station.StationService.StationInput("议事室新申请",
        org.yishi.station.StationType.CONSULTATION_ROOM, AccountFixtures.HAIMING, null, null, null, null, null, null, null, null))
        .await().getLong("id");
    assertTrue(items(n.apiOne, d1, "stationApprovals").contains(applied), "on node 1 at once");
    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiTwo, d1OnTwo, "stationApprovals", applied, true), "on node 2's next page");
    Set<Long> now = items(n.apiTwo, d1OnTwo, "stationApprovals");
    assertTrue(now.contains(inSql) && now.containsAll(before), "the copy was read afresh: " + now);
    assertFalse(items(n.apiTwo, token(n.apiTwo, "d2"), "stationApprovals").contains(applied), "not in another district's");

    // approved on node 2: gone from node 1's next page
    CompletableFuture<Void> atOne = heardOn(n.one, DomainEvent.STATION_STATUS, e -> e.getLong("stationId") == applied);
    var approved = n.apiTwo.call("POST", "/api/v1/stations/" + applied + "/transitions", d1OnTwo,
        new JsonObject().put("action", "approve").encode());
    assertEquals(200, approved.statusCode(), approved.body());
    assertFalse(items(n.apiTwo, d1OnTwo, "stationApprovals").contains(applied), "gone from the approver's own page at once");
    atOne.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiOne, d1, "stationApprovals", applied, false), "gone from node 1's next page");
  }

  /** A resident's request sent through the public form of {@code station} on {@code node}; its id. */
  private static long residentRequest(Node node, long station, String text) {
    Browser b = new Browser(node.baseUrl());
    Matcher m = SUBMIT_TOKEN.matcher(b.get("/r/" + station).body());
    assertTrue(m.find(), "the station's form");
    HttpResponse<String> sent = b.postMultipart("/r/submit", Map.of("station", String.valueOf(station), "category", "livelihood",
        "description", text, "submitToken", m.group(1)), null, null, null);
    assertEquals(303, sent.statusCode(), sent.body());
    return ((Number) n.sql.value("SELECT id FROM resident_request WHERE description = ?", text)).longValue();
  }

  @Test
  void aResidentsRequestIsInTheCoordinatorsQueueOnEveryNodeAndLeavesItWhenTriaged() throws Exception {
    long haiming = n.f.stations.get(AccountFixtures.HAIMING);
    n.one.app().pool().query("UPDATE station SET status = 'active' WHERE id = " + haiming).execute().await();
    String c1OnTwo = token(n.apiTwo, "c1");
    assertTrue(items(n.apiTwo, c1OnTwo, "residentRequests").isEmpty());

    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.REQUEST_CHANGED, e -> e.getLong("stationId") == haiming);
    long request = residentRequest(n.one, haiming, "<script>alert('路灯')</script>小区路灯坏了");
    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiTwo, c1OnTwo, "residentRequests", request, true), "on the coordinator's next page on node 2");
    assertTrue(items(n.apiTwo, token(n.apiTwo, "c3"), "residentRequests").isEmpty(), "not at another station's coordinator");
    Browser c1Pages = new Browser(n.two.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String page = c1Pages.getGzipped("/");
    assertTrue(page.contains("/requests/" + request) && page.contains("&lt;script&gt;alert("), "listed, escaped");
    assertFalse(page.contains("<script>alert("));

    // triaged on node 2 by the coordinator: gone from node 1's next page
    String c1 = token(n.apiOne, "c1");
    assertTrue(items(n.apiOne, c1, "residentRequests").contains(request));
    CompletableFuture<Void> atOne = heardOn(n.one, DomainEvent.REQUEST_CHANGED, e -> e.getLong("stationId") == haiming);
    assertEquals(303, c1Pages.post("/requests/" + request + "/triage", Map.of("action", "decline", "reply", "不属于本室")).statusCode());
    assertEquals("declined", n.sql.value("SELECT status FROM resident_request WHERE id = ?", request));
    assertFalse(items(n.apiTwo, c1OnTwo, "residentRequests").contains(request), "gone from the coordinator's own page at once");
    atOne.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiOne, c1, "residentRequests", request, false), "and from node 1's next page");
  }

  /** An unread notification for {@code account}, written in SQL (no event). */
  private static long notificationInSql(long account, String title) {
    return ((Number) n.sql.value("""
        INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
        VALUES (?, 'meeting_reminder', ?, '正文', '/notifications', 'test:' || ?)
        RETURNING id""", account, title, title)).longValue();
  }

  @Test
  void aNotificationReadOnOneNodeLeavesTheQueueOnTheOtherAndOnlyTheCallerSeesTheirOwn() throws Exception {
    long c1Account = n.f.ids.get("c1");
    long first = notificationInSql(c1Account, "第一条提醒");
    String c1OnTwo = token(n.apiTwo, "c1");
    assertTrue(items(n.apiTwo, c1OnTwo, "notifications").contains(first));
    assertFalse(items(n.apiTwo, token(n.apiTwo, "c3"), "notifications").contains(first), "never another account's");
    long second = notificationInSql(c1Account, "第二条提醒");
    assertFalse(items(n.apiTwo, c1OnTwo, "notifications").contains(second), "node 2's copy of c1's stands: no row read per page");

    String c1 = token(n.apiOne, "c1");
    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.NOTIFICATIONS_CHANGED, e -> Long.valueOf(c1Account).equals(e.getLong("accountId")));
    var read = n.apiOne.call("POST", "/api/v1/notifications/" + first + "/read", c1, "");
    assertEquals(204, read.statusCode(), read.body());
    assertFalse(items(n.apiOne, c1, "notifications").contains(first), "gone from the reader's own page at once");
    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiTwo, c1OnTwo, "notifications", first, false), "gone from node 2's next page");
    assertTrue(items(n.apiTwo, c1OnTwo, "notifications").contains(second), "read afresh");
    // another's notification cannot be marked read, and changes nothing
    var others = n.apiOne.call("POST", "/api/v1/notifications/" + second + "/read", token(n.apiOne, "c3"), "");
    assertEquals(404, others.statusCode(), others.body());
    assertTrue(items(n.apiTwo, c1OnTwo, "notifications").contains(second));
  }

  @Test
  void aReportIssuedOnOneNodeIsInTheCitysQueueOnTheOther() throws Exception {
    String cityOnTwo = token(n.apiTwo, "city");
    Set<Long> reportsBefore = items(n.apiTwo, cityOnTwo, "reports");

    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.REPORT_ISSUED, e -> AccountFixtures.BAICHENG.equals(e.getString("divisionCode")));
    var made = n.apiOne.call("POST", "/api/v1/reports/generate", token(n.apiOne, "city"),
        new JsonObject().put("kind", "monthly").put("unit", AccountFixtures.BAICHENG)
            .put("period", java.time.YearMonth.now(java.time.ZoneId.of("Asia/Shanghai")).minusMonths(1).toString()).encode());
    assertEquals(201, made.statusCode(), made.body());
    long report = Http.json(made).getLong("id");
    atTwo.get(60, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiTwo, cityOnTwo, "reports", report, true), "on the city's next page on node 2: " + reportsBefore);
    assertFalse(items(n.apiTwo, token(n.apiTwo, "city-other"), "reports").contains(report), "not in another city's");
  }

  @Test
  void theAdministratorsSectionsAreDroppedByTheirEventsOnEveryNode() throws Exception {
    String admin = n.apiOne.token("admin", TestNodes.ADMIN_PASSWORD);
    String adminOnTwo = n.apiTwo.token("admin", TestNodes.ADMIN_PASSWORD);
    var created = n.apiOne.call("POST", "/api/v1/users", admin, new JsonObject().put("username", "to-disable")
        .put("displayName", "<b>停用</b>").put("role", "district_staff").put("scopeCode", AccountFixtures.TAONAN)
        .put("password", AccountFixtures.PASSWORD).encode());
    assertEquals(201, created.statusCode(), created.body());
    JsonObject account = Http.json(created);
    long id = account.getLong("id");
    assertFalse(items(n.apiTwo, adminOnTwo, "disabledAccounts").contains(id));

    // disabled through the API on node 1: on node 2's next page (the account feature's announcement)
    var disabled = n.apiOne.call("PUT", "/api/v1/users/" + id, admin, new JsonObject().put("displayName", "<b>停用</b>")
        .put("role", "district_staff").put("scopeCode", AccountFixtures.TAONAN).put("disabled", true)
        .put("version", account.getInteger("version")).encode());
    assertEquals(200, disabled.statusCode(), disabled.body());
    assertTrue(items(n.apiOne, admin, "disabledAccounts").contains(id), "on node 1 at once");
    assertTrue(becomes(n.apiTwo, adminOnTwo, "disabledAccounts", id, true), "on node 2's next page");
    String page = new Browser(n.two.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD).getGzipped("/");
    assertTrue(page.contains("/admin/users/" + id) && page.contains("&lt;b&gt;停用"), "listed, escaped");

    // a message given up, written in SQL: not seen while node 2's copy stands, seen once the delivery's event is heard
    long failed = ((Number) n.sql.value("""
        INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, attempts, failed_at, last_error, kind)
        VALUES ('email', 'x@example.org', '活动提醒', '正文', 'test:failed', 5, now(), 'gateway said no', 'meeting_reminder')
        RETURNING id""")).longValue();
    assertFalse(items(n.apiTwo, adminOnTwo, "failedNotifications").contains(failed), "node 2's copy stands: no row read per page");
    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.DELIVERY_FAILED, e -> true);
    n.one.app().events().publish(DomainEvent.DELIVERY_FAILED, new JsonObject());
    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(becomes(n.apiTwo, adminOnTwo, "failedNotifications", failed, true), "read afresh on node 2");
  }

  @Test
  void aScheduleSwitchedOffOnOneNodeLeavesTheCitysNextReportsOnTheOther() throws Exception {
    String cityOnTwo = token(n.apiTwo, "city");
    assertTrue(ids(n.apiTwo, cityOnTwo, "reportsNext").contains("city_quarterly"));
    CompletableFuture<Void> atTwo = heardOn(n.two, DomainEvent.REPORT_SCHEDULES_CHANGED, e -> "city_quarterly".equals(e.getString("id")));
    var off = n.apiOne.call("PUT", "/api/v1/reports/schedules/city_quarterly", n.apiOne.token("admin", TestNodes.ADMIN_PASSWORD),
        "{\"cron\": \"0 3 1 1,4,7,10 *\", \"enabled\": false, \"version\": 0}");
    assertEquals(200, off.statusCode(), off.body());
    atTwo.get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 50 && ids(n.apiTwo, cityOnTwo, "reportsNext").contains("city_quarterly"); i++) {
      Thread.sleep(20);
    }
    assertFalse(ids(n.apiTwo, cityOnTwo, "reportsNext").contains("city_quarterly"), "gone from node 2's next page");
    assertTrue(ids(n.apiTwo, cityOnTwo, "reportsNext").contains("city_monthly"));
  }
}
