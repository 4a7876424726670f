package org.yishi.home;

import com.hazelcast.core.EntryView;
import com.hazelcast.map.IMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work queue's sections shared per scope on each node of a two-node cluster, with the caches on
 * and kept ten minutes (so that nothing depends on timing): what one user does from the queue on one
 * node leaves the queue of another user of the same scope on the other node on their next page (the
 * domain event drops the other node's copy), nothing of one scope shows in another's, and a signed-in
 * page does not write its unchanged session back to the cluster while a sign-out on one node ends the
 * session on the other at once.
 */
class SharedQueueAcrossNodesTest {
  @RegisterExtension @Order(1) static final SharedSectionsTest.CachesOn CACHES_ON = new SharedSectionsTest.CachesOn();
  private static TwoQueueNodes nodes;
  private static Node one;
  private static Node two;
  private static AccountFixtures f;
  private static Sql sql;
  private static Api apiOne;
  private static Api apiTwo;

  @BeforeAll
  static void start() {
    nodes = TwoQueueNodes.start();
    one = nodes.one;
    two = nodes.two;
    f = nodes.f;
    sql = nodes.sql;
    apiOne = nodes.apiOne;
    apiTwo = nodes.apiTwo;
    String admin = apiOne.token("admin", TestNodes.ADMIN_PASSWORD);
    var created = apiOne.call("POST", "/api/v1/users", admin, new JsonObject().put("username", "d1b").put("displayName", "洮北区政协二")
        .put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI).put("password", AccountFixtures.PASSWORD).encode());
    assertEquals(201, created.statusCode(), created.body());
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  @org.junit.jupiter.api.BeforeEach
  void noCopies() {
    nodes.noCopies();
  }

  private static String token(Api api, String username) {
    return TwoQueueNodes.token(api, username);
  }

  private static Set<Long> items(Api api, String token, String key) {
    return TwoQueueNodes.items(api, token, key);
  }

  private static CompletableFuture<Void> heardOn(Node at, DomainEvent event, long id) {
    return TwoQueueNodes.heardOn(at, event, e -> e.getLong("id") == id);
  }

  /** A topic submitted for approval at {@code station}, written in SQL (no event). */
  private static long submittedTopic(long station, String title) {
    return ((Number) sql.value("""
        INSERT INTO topic (station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, status)
        SELECT id, division_code, ?, 'livelihood', 'residents', true, '群众关切', true, '适合协商', 'submitted' FROM station WHERE id = ?
        RETURNING id""", title, station)).longValue();
  }

  /**
   * {@code section} of the caller's queue on node {@code api} no longer lists {@code id}: asked again a few
   * times, as a page would be, since the other node's own listener may run just after the test's.
   */
  private static boolean leaves(Api api, String token, String section, long id) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      if (!items(api, token, section).contains(id)) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Test
  void anItemDoneOnOneNodeLeavesTheQueueOfAnotherUserOfTheScopeOnTheOtherNode() throws Exception {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    one.app().pool().query("UPDATE station SET status = 'active' WHERE id = " + haiming).execute().await();
    long first = submittedTopic(haiming, "小区加装电梯");
    String d1 = token(apiOne, "d1");
    String d1b = token(apiTwo, "d1b");
    String c1 = token(apiTwo, "c1");
    assertTrue(items(apiOne, d1, "topicApprovals").contains(first));
    assertTrue(items(apiTwo, d1b, "topicApprovals").contains(first), "the other node reads its own copy");
    assertTrue(items(apiTwo, c1, "topics").contains(first), "the coordinator's station set: submitted, awaiting approval");
    Browser d1bPages = new Browser(two.baseUrl()).login("d1b", AccountFixtures.PASSWORD);
    assertTrue(d1bPages.getGzipped("/").contains("action=\"/topics/" + first + "/transition\""), "on d1b's page on node 2");

    // written in SQL: no event, so each node's copy stands (ten minutes here) for every user of 洮北区
    long second = submittedTopic(haiming, "老旧小区停车难");
    assertFalse(items(apiTwo, d1b, "topicApprovals").contains(second), "served from node 2's shared copy");
    assertFalse(items(apiOne, d1, "topicApprovals").contains(second), "served from node 1's shared copy");

    // d1 approves the first from the queue on node 1: its event drops node 1's copy before the answer,
    // and node 2's when it arrives there
    CompletableFuture<Void> atTwo = heardOn(two, DomainEvent.TOPIC_APPROVE, first);
    var approved = apiOne.call("POST", "/api/v1/topics/" + first + "/transitions", d1, new JsonObject().put("action", "approve").encode());
    assertEquals(200, approved.statusCode(), approved.body());
    assertEquals("approved", sql.value("SELECT status FROM topic WHERE id = ?", first));
    Set<Long> mine = items(apiOne, d1, "topicApprovals");
    assertFalse(mine.contains(first), "gone from the approver's own next page at once: " + mine);
    assertTrue(mine.contains(second), "and the copy was read afresh: " + mine);

    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(leaves(apiTwo, d1b, "topicApprovals", first), "gone from the other user's page on node 2");
    assertTrue(items(apiTwo, d1b, "topicApprovals").contains(second));
    assertTrue(leaves(apiTwo, c1, "topics", first), "and from the coordinator's on node 2 (dropped by the station)");
    // the section's rendering went with node 2's copy: the next page, compressed or not, no longer shows the item
    String page = d1bPages.getGzipped("/");
    assertFalse(page.contains("action=\"/topics/" + first + "/transition\""), "gone from d1b's page on node 2");
    assertTrue(page.contains("action=\"/topics/" + second + "/transition\""), page);
    assertFalse(d1bPages.get("/").body().contains("action=\"/topics/" + first + "/transition\""));
  }

  /**
   * A record returned for correction by district staff on node 1 is on the station's coordinator's next
   * queue and home page on node 2, at once: {@code record.returned} names the station and drops node 2's
   * copy of the coordinator's station set (the message the return queues goes by e-mail, SMS or robot,
   * docs/notifications.md; it is not an in-app notification). The caches are kept ten minutes here, so
   * the age limit plays no part.
   */
  @Test
  void aRecordReturnedOnOneNodeIsOnTheCoordinatorsNextQueueOnTheOtherNode() throws Exception {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long[] ended = AccountFixtures.endedMeetings(one, haiming, "楼道照明改造", 2, List.of());
    for (long m : ended) {
      sql.update("INSERT INTO meeting_record (meeting_id, held, not_held_reason) VALUES (?, false, '天气原因')", m);
    }
    String c1 = token(apiTwo, "c1");
    String c3 = token(apiTwo, "c3");
    assertFalse(items(apiTwo, c1, "recordsReturned").contains(ended[0]));
    Browser c1Pages = new Browser(two.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String before = c1Pages.get("/").body();
    assertFalse(before.contains("/meetings/" + ended[0] + "/record"), "not yet on c1's home page on node 2");
    // returned in SQL (no event): node 2's copy of c1's station set stands, so what follows shows the event's work
    sql.update("UPDATE meeting_record SET status = 'returned', return_reason = '改于SQL' WHERE meeting_id = ?", ended[1]);
    assertFalse(items(apiTwo, c1, "recordsReturned").contains(ended[1]), "served from node 2's copy");

    // out of jurisdiction: refused, nothing written, nothing dropped
    String reason = "<script>alert(1)</script>请补充参会人数'; DROP TABLE meeting_record; --";
    var refused = apiOne.call("POST", "/api/v1/meetings/" + ended[0] + "/record/return", token(apiOne, "d2"),
        new JsonObject().put("reason", reason).put("version", 1).encode());
    assertTrue(refused.statusCode() == 403 || refused.statusCode() == 404, refused.statusCode() + " " + refused.body());
    assertEquals("filed", sql.value("SELECT status FROM meeting_record WHERE meeting_id = ?", ended[0]));
    assertFalse(items(apiTwo, c1, "recordsReturned").contains(ended[1]), "node 2's copy still stands");

    CompletableFuture<Void> atTwo = TwoQueueNodes.heardOn(two, DomainEvent.RECORD_RETURNED, e -> e.getLong("stationId") == haiming);
    var returned = apiOne.call("POST", "/api/v1/meetings/" + ended[0] + "/record/return", token(apiOne, "d1"),
        new JsonObject().put("reason", reason).put("version", 1).encode());
    assertEquals(200, returned.statusCode(), returned.body());
    assertEquals(reason, sql.value("SELECT return_reason FROM meeting_record WHERE meeting_id = ?", ended[0]), "stored verbatim");
    atTwo.get(30, TimeUnit.SECONDS);
    assertTrue(TwoQueueNodes.becomes(apiTwo, c1, "recordsReturned", ended[0], true), "on c1's next queue on node 2");
    assertTrue(items(apiTwo, c1, "recordsReturned").contains(ended[1]), "the copy was read afresh");
    assertFalse(items(apiTwo, c3, "recordsReturned").contains(ended[0]), "not in another station's coordinator's queue");
    String page = c1Pages.get("/").body();
    assertTrue(page.contains("/meetings/" + ended[0] + "/record"), "on c1's next home page on node 2");
    assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the reason rendered escaped");
    assertFalse(page.contains("<script>alert(1)"), "never as markup");
    assertEquals(headerCount(before) + 2, headerCount(page), "the header's count on the home page counts both returned records");
  }

  /** The header's work count on {@code page} (0 when it shows none). */
  private static long headerCount(String page) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=\"nav-queue\"[^>]*>[^<]*<span class=\"badge nav-badge\"[^>]*>(\\d+)</span>")
        .matcher(page);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** A page with each form's idempotency token (new for every rendering) blanked. */
  private static String tokensBlanked(String page) {
    return page.replaceAll("name=\"_idempotency\" value=\"[^\"]+\"", "name=\"_idempotency\" value=\"\"");
  }

  /** The values of the CSRF fields of a page. */
  private static Set<String> csrfFields(String page) {
    Set<String> values = new TreeSet<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]*)\"").matcher(page);
    while (m.find()) {
      values.add(m.group(1));
    }
    return values;
  }

  @Test
  void aCompressedHomePageIsTheSamePageAndSharedSectionsCarryOnlyTheCallersOwnToken() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    one.app().pool().query("UPDATE station SET status = 'active' WHERE id = " + haiming).execute().await();
    long topic = submittedTopic(haiming, "<script>alert('议题')</script>");
    Browser d1 = new Browser(one.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    Browser d1b = new Browser(one.baseUrl()).login("d1b", AccountFixtures.PASSWORD);
    String approve = "action=\"/topics/" + topic + "/transition\"";
    for (int i = 0; i < 2; i++) { // rendered, then from the kept rendering
      String gzipped = d1.getGzipped("/");
      String plain = d1.get("/").body();
      assertEquals(tokensBlanked(plain), tokensBlanked(gzipped), "the compressed page inflates to the uncompressed one");
      assertTrue(gzipped.contains(approve) && gzipped.contains("&lt;script&gt;alert("), "the shared section, escaped");
      assertFalse(gzipped.contains("<script>alert("));
      assertEquals(Set.of(d1.csrf()), csrfFields(gzipped), "every form carries d1's own token");
      assertFalse(gzipped.contains("洮北区政协二"), "nor d1b's name");

      String other = d1b.getGzipped("/");
      assertTrue(other.contains(approve), "the same shared section for d1b");
      assertEquals(Set.of(d1b.csrf()), csrfFields(other), "every form carries d1b's own token");
      assertFalse(other.contains(d1.csrf()), "never d1's");
      assertTrue(other.contains("洮北区政协二"), "d1b's own name");
      assertEquals(tokensBlanked(d1b.get("/").body()), tokensBlanked(other));
    }
    assertTrue(one.services().queue().shared().renderings() > 0, "the shared sections were spliced in from their kept rendering");
    // each form has its own idempotency token on each page, also inside the shared section
    String page = d1.getGzipped("/");
    java.util.regex.Matcher tokens = java.util.regex.Pattern.compile("name=\"_idempotency\" value=\"([^\"]+)\"").matcher(page);
    Set<String> seen = new java.util.HashSet<>();
    int forms = 0;
    while (tokens.find()) {
      forms++;
      seen.add(tokens.group(1));
    }
    assertEquals(csrfCount(page), forms, "a token beside every CSRF field");
    assertEquals(forms, seen.size(), "each different");
  }

  private static int csrfCount(String page) {
    return page.split("name=\"_csrf\"", -1).length - 1;
  }

  @Test
  void nothingOfOneScopeShowsInAnothers() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long changqing = f.stations.get(AccountFixtures.CHANGQING);
    long tuanjie = f.stations.get(AccountFixtures.TUANJIE);
    one.app().pool().query("UPDATE station SET status = 'active' WHERE id IN (" + haiming + ", " + changqing + ", " + tuanjie + ")")
        .execute().await();
    long atHaiming = submittedTopic(haiming, "社区食堂选址");
    long atTuanjie = submittedTopic(tuanjie, "农村道路养护");
    long atChangqing = submittedTopic(changqing, "背街小巷照明");
    // each scope reads its own copy on the same node, one after the other
    Set<Long> taobei = items(apiTwo, token(apiTwo, "d1"), "topicApprovals");
    Set<Long> taonan = items(apiTwo, token(apiTwo, "d2"), "topicApprovals");
    Set<Long> nanguan = items(apiTwo, token(apiTwo, "d-other"), "topicApprovals");
    assertTrue(taobei.containsAll(Set.of(atHaiming, atChangqing)) && !taobei.contains(atTuanjie), taobei.toString());
    assertTrue(taonan.contains(atTuanjie) && !taonan.contains(atHaiming) && !taonan.contains(atChangqing), taonan.toString());
    assertTrue(nanguan.isEmpty(), nanguan.toString());
    Set<Long> c1 = items(apiTwo, token(apiTwo, "c1"), "topics");
    Set<Long> c3 = items(apiTwo, token(apiTwo, "c3"), "topics");
    Set<Long> c2 = items(apiTwo, token(apiTwo, "c2"), "topics");
    assertTrue(c1.contains(atHaiming) && !c1.contains(atChangqing) && !c1.contains(atTuanjie), c1.toString());
    assertTrue(c3.contains(atChangqing) && !c3.contains(atHaiming) && !c3.contains(atTuanjie), c3.toString());
    assertTrue(c2.contains(atTuanjie) && !c2.contains(atHaiming) && !c2.contains(atChangqing), c2.toString());
  }

  /** The session's entry in the cluster-wide session map, as Hazelcast keeps it. */
  private static EntryView<Object, Object> sessionEntry(Browser b) {
    String id = b.cookieHeader().replaceAll(".*yishi_session=([^;]+).*", "$1");
    IMap<Object, Object> map = one.app().cluster().getHazelcastInstance().getMap("yishi.sessions");
    return map.getEntryView(id);
  }

  @Test
  void aSignedInPageLeavesItsUnchangedSessionAloneAndASignOutEndsItOnEveryNode() {
    Browser b = new Browser(one.baseUrl()).login("city", AccountFixtures.PASSWORD);
    EntryView<Object, Object> before = sessionEntry(b);
    assertNotNull(before, "the session is in the cluster map");
    for (Node at : List.of(one, two, one, two)) {
      HttpResponse<String> page = b.at(at.baseUrl()).get("/");
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("lateDistricts"), "the city's queue, signed in");
    }
    EntryView<Object, Object> after = sessionEntry(b);
    assertEquals(before.getVersion(), after.getVersion(), "pages on both nodes did not write the unchanged session back");

    // a sign-out on node 2 deletes the session: node 1's next page is the sign-in page, at once
    assertEquals(303, b.at(two.baseUrl()).post("/logout", Map.of()).statusCode());
    assertEquals(null, sessionEntry(b), "the session left the cluster map");
    HttpResponse<String> next = b.at(one.baseUrl()).get("/stations");
    assertEquals(303, next.statusCode(), "signed out on node 1 as well");
    assertTrue(next.headers().firstValue("Location").orElse("").startsWith("/login"));
  }
}
