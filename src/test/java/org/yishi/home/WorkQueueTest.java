package org.yishi.home;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work queue ({@code GET /api/v1/me/queue} and the home page) of each role, on rows written in
 * SQL around 海明 (洮北区) and 团结 (洮南市): each caller sees the work of their own jurisdiction only.
 */
class WorkQueueTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  @FromNode private static Sql sql;
  private static long haimingTopic;
  private static long tuanjieSubmitted;
  private static long dueMeeting;
  private static long overdueOutcome;

  @BeforeAll
  static void start() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long tuanjie = f.stations.get(AccountFixtures.TUANJIE);
    haimingTopic = AccountFixtures.approvedTopic(node, haiming, "背街小巷路灯修缮");
    long tuanjieTopic = AccountFixtures.approvedTopic(node, tuanjie, "农村饮水安全提升");
    // approvedTopic made both active: 长庆 stays the one pending station of 洮北区
    tuanjieSubmitted = ((Number) sql.value("""
        INSERT INTO topic (station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, status)
        SELECT id, division_code, '口袋公园建设', 'ecology', 'residents', true, '群众关切', true, '适合协商', 'submitted'
          FROM station WHERE id = ? RETURNING id""", tuanjie)).longValue();
    // a meeting at 海明 that ended three days ago without a record: due in four days
    dueMeeting = ((Number) sql.value("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT ?, id, division_code, now() - interval '3 days 2 hours', now() - interval '3 days', '议事室', 'on_site', 'grassroots', 'scheduled'
          FROM station WHERE id = ? RETURNING id""", haimingTopic, haiming)).longValue();
    // a held meeting at 海明 twenty days ago with an outcome overdue by five days
    long held = ((Number) sql.value("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT ?, id, division_code, now() - interval '20 days 2 hours', now() - interval '20 days', '议事室', 'on_site', 'forum', 'held'
          FROM station WHERE id = ? RETURNING id""", haimingTopic, haiming)).longValue();
    overdueOutcome = ((Number) sql.value("""
        INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
        SELECT id, station_id, division_code, '关于路灯修缮的建议', 'suggestion_letter', '区城管局',
               (now() AT TIME ZONE 'Asia/Shanghai')::date - 5 FROM meeting WHERE id = ? RETURNING id""", held)).longValue();
    // a meeting at 团结 in three days
    sql.value("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT ?, id, division_code, now() + interval '3 days', now() + interval '3 days 2 hours', '议事室', 'on_site', 'forum', 'scheduled'
          FROM station WHERE id = ? RETURNING id""", tuanjieTopic, tuanjie);
  }

  private static JsonObject queue(String username) {
    return Http.json(api.get("/api/v1/me/queue", api.token(username, AccountFixtures.passwordOf(username))));
  }

  private static JsonObject section(JsonObject queue, String key) {
    for (Object o : queue.getJsonArray("sections")) {
      if (key.equals(((JsonObject) o).getString("key"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no section " + key + " in " + queue.encode());
  }

  private static Set<String> ids(JsonObject queue, String key) {
    Set<String> out = new TreeSet<>();
    section(queue, key).getJsonArray("items").forEach(o -> out.add(String.valueOf(((JsonObject) o).getValue("id"))));
    return out;
  }

  private static Set<String> ids(long... ids) {
    Set<String> out = new TreeSet<>();
    for (long id : ids) {
      out.add(String.valueOf(id));
    }
    return out;
  }

  private static long badge(JsonObject queue) {
    long sum = 0;
    for (Object o : queue.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      sum += s.getBoolean("action") ? s.getLong("total") : 0;
    }
    return sum;
  }

  @Test
  void eachRoleHasItsSections() {
    assertEquals(List.of("meetings", "recordsDue", "recordsReturned", "topics", "outcomesToRate", "notifications", "residentRequests"),
        queue("c1").getJsonArray("sections").stream().map(o -> ((JsonObject) o).getString("key")).toList());
    assertEquals(List.of("stationApprovals", "topicApprovals", "recordsToReview", "referrals", "dormantStations", "meetingsThisWeek", "planBehind"),
        queue("d1").getJsonArray("sections").stream().map(o -> ((JsonObject) o).getString("key")).toList());
    assertEquals(List.of("lateDistricts", "planProgress", "planBehind", "reports", "reportsNext"),
        queue("city").getJsonArray("sections").stream().map(o -> ((JsonObject) o).getString("key")).toList());
    assertEquals(List.of("imports", "lockedAccounts", "disabledAccounts", "failedNotifications"),
        queue("admin").getJsonArray("sections").stream().map(o -> ((JsonObject) o).getString("key")).toList());
  }

  @Test
  void coordinatorsSeeTheirStationsOnly() {
    JsonObject c1 = queue("c1");
    assertEquals(ids(dueMeeting), ids(c1, "recordsDue"));
    JsonObject due = section(c1, "recordsDue").getJsonArray("items").getJsonObject(0);
    assertEquals(4, due.getInteger("days"), "a record is due within 7 days of the meeting's end");
    assertEquals("/meetings/" + dueMeeting + "/record", due.getString("link"));
    assertTrue(ids(c1, "meetings").isEmpty(), "海明 has no meeting ahead");
    assertTrue(ids(c1, "topics").isEmpty());
    assertEquals(badge(c1), c1.getLong("total"));

    JsonObject c2 = queue("c2");
    assertEquals(ids(tuanjieSubmitted), ids(c2, "topics"));
    assertEquals(1, section(c2, "meetings").getLong("total"), "团结's meeting in three days");
    assertTrue(ids(c2, "recordsDue").isEmpty());
    assertTrue(ids(queue("c3"), "recordsDue").isEmpty(), "长庆's coordinator sees nothing of 海明");
  }

  @Test
  void districtStaffSeeTheirDistrictOnly() {
    JsonObject d1 = queue("d1");
    assertEquals(ids(f.stations.get(AccountFixtures.CHANGQING)), ids(d1, "stationApprovals"));
    assertTrue(ids(d1, "topicApprovals").isEmpty(), "团结's topic is 洮南's");
    assertEquals(ids(overdueOutcome), ids(d1, "referrals"));
    assertEquals(-5, section(d1, "referrals").getJsonArray("items").getJsonObject(0).getInteger("days"));
    assertEquals(badge(d1), d1.getLong("total"));

    JsonObject d2 = queue("d2");
    assertTrue(ids(d2, "stationApprovals").isEmpty());
    assertEquals(ids(tuanjieSubmitted), ids(d2, "topicApprovals"));
    assertTrue(ids(d2, "referrals").isEmpty());
    JsonObject other = queue("d-other");
    for (Object o : other.getJsonArray("sections")) {
      assertEquals(0, ((JsonObject) o).getLong("total"), "南关区 sees nothing of 白城市: " + o);
    }
  }

  /** An item of a plan named by a topic of 海明 with a meeting of {@code status} (null: no topic names it). */
  private static long planItem(long plan, String title, int quarter, String status) {
    long item = ((Number) sql.value("INSERT INTO plan_item (plan_id, title, kind, target_quarter) VALUES (?, ?, 'other', ?) RETURNING id",
        plan, title, quarter)).longValue();
    if (status != null) {
      long topic = ((Number) sql.value("""
          INSERT INTO topic (station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, status,
                             plan_item_id)
          SELECT id, division_code, ?, 'livelihood', 'yearly_plan', true, '群众关切', true, '适合协商', 'approved', ?
            FROM station WHERE id = ? RETURNING id""", title, item, f.stations.get(AccountFixtures.HAIMING))).longValue();
      String when = "held".equals(status) ? "now() - interval '40 days'" : "now() + interval '40 days'";
      sql.value("INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)"
          + " SELECT id, station_id, division_code, " + when + ", " + when + " + interval '2 hours', '议事室', 'on_site', 'forum', ?"
          + " FROM topic WHERE id = ? RETURNING id", status, topic);
    }
    return item;
  }

  @Test
  void cityStaffSeeTheirCommitteesPlanProgressAndTheReportsScheduledNext() {
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai"));
    int quarter = (today.getMonthValue() + 2) / 3;
    long committee = f.committees.get(AccountFixtures.BAICHENG);
    assertEquals(0, section(queue("city"), "planProgress").getLong("total"), "no plan yet: the empty state");
    long plan = ((Number) sql.value("INSERT INTO plan (committee_id, year, title) VALUES (?, ?, '白城市政协年度协商计划') RETURNING id",
        committee, today.getYear())).longValue();
    sql.value("INSERT INTO plan (committee_id, year, title) VALUES (?, ?, '去年的计划') RETURNING id", committee, today.getYear() - 1);
    sql.value("INSERT INTO plan (committee_id, year, title) VALUES (?, ?, '洮北区计划') RETURNING id",
        f.committees.get(AccountFixtures.TAOBEI), today.getYear());
    planItem(plan, "黑土地保护", 1, "held");
    planItem(plan, "城区供热保障", 4, "scheduled");
    long planned = planItem(plan, "优化营商环境", 1, null);

    JsonObject progress = section(queue("city"), "planProgress");
    assertEquals(1, progress.getLong("total"), "this year's plan of the city committee only: " + progress.encode());
    JsonObject item = progress.getJsonArray("items").getJsonObject(0);
    assertEquals(plan, item.getLong("id"));
    assertEquals("/plans/" + plan, item.getString("link"));
    assertEquals(List.of(1L, 1L, 1L), List.of(item.getLong("n1"), item.getLong("n2"), item.getLong("n3")), "held, scheduled, planned");
    assertEquals(quarter > 1 ? 1L : 0L, item.getLong("behind"), "the planned item of the first quarter, once it has ended");
    if (quarter > 1) {
      assertTrue(ids(queue("city"), "planBehind").contains(String.valueOf(planned)), "and it is listed as behind");
    }
    assertEquals(0, section(queue("city-other"), "planProgress").getLong("total"), "长春市 sees nothing of 白城市");
    String page = new Browser(node.baseUrl()).login("city", AccountFixtures.passwordOf("city")).get("/").body();
    assertTrue(page.contains("已召开 1 · 已安排 1 · 计划中 1"), "the counts on the page");

    JsonObject next = section(queue("city"), "reportsNext");
    assertEquals(Set.of("city_monthly", "city_quarterly", "city_yearly", "district_monthly"), ids(queue("city"), "reportsNext"));
    List<String> times = next.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("at")).toList();
    assertEquals(times.stream().sorted().toList(), times, "soonest first");
    assertTrue(next.getJsonArray("items").stream().allMatch(o -> "/reports".equals(((JsonObject) o).getString("link"))));
    // a schedule switched off by an administrator is not scheduled next
    assertEquals(200, api.call("PUT", "/api/v1/reports/schedules/city_yearly", api.token("admin", TestNodes.ADMIN_PASSWORD),
        "{\"cron\": \"0 4 1 1 *\", \"enabled\": false, \"version\": 0}").statusCode());
    assertEquals(Set.of("city_monthly", "city_quarterly", "district_monthly"), ids(queue("city"), "reportsNext"));
    assertEquals(List.of(), queue("d1").getJsonArray("sections").stream()
        .filter(o -> "reportsNext".equals(((JsonObject) o).getString("key"))).toList(), "only the city's queue has it");
  }

  @Test
  void cityStaffSeeLateDistrictsOfTheirCity() {
    JsonArray late = section(queue("city"), "lateDistricts").getJsonArray("items");
    assertEquals(AccountFixtures.TAOBEI, late.getJsonObject(0).getString("id"), "洮北区 is the latest: " + late.encode());
    assertEquals(1, late.getJsonObject(0).getLong("n2"), "its overdue referral");
    assertEquals("/stats?division=" + AccountFixtures.TAOBEI, late.getJsonObject(0).getString("link"));
    JsonObject taonan = late.getJsonObject(1);
    assertEquals(AccountFixtures.TAONAN, taonan.getString("id"), "洮南市 next: 团结 is running without a meeting held");
    assertEquals(List.of(0L, 0L, 1L), List.of(taonan.getLong("n1"), taonan.getLong("n2"), taonan.getLong("n3")));
    assertEquals(0, section(queue("city-other"), "lateDistricts").getLong("total"), "长春市 sees nothing of 白城市");
  }

  @Test
  void adminsSeeAccountsLockedBySignInThrottlingAndDisabledOnes() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD); // before the failures below count against this address
    long locked = node.accounts().createSystemAccount("locked-one", "被锁定的联络员", AccountFixtures.PASSWORD,
        org.yishi.platform.security.Role.STATION_COORDINATOR, AccountFixtures.TAOBEI, Set.of()).await();
    long disabled = node.accounts().createSystemAccount("gone-one", "已离职的联络员", AccountFixtures.PASSWORD,
        org.yishi.platform.security.Role.STATION_COORDINATOR, AccountFixtures.TAOBEI, Set.of()).await();
    sql.update("UPDATE account SET disabled = true WHERE id = ?", disabled);
    int status = 0;
    for (int i = 0; i < 10 && status != 429; i++) {
      status = api.call("POST", "/api/v1/auth/token", null,
          new JsonObject().put("username", "locked-one").put("password", "wrong-password").encode()).statusCode();
    }
    assertEquals(429, status, "locked after its failed attempts");
    JsonObject q = Http.json(api.get("/api/v1/me/queue", admin));
    assertEquals(ids(locked), ids(q, "lockedAccounts"));
    assertEquals("/admin/users/" + locked, section(q, "lockedAccounts").getJsonArray("items").getJsonObject(0).getString("link"));
    assertEquals(ids(disabled), ids(q, "disabledAccounts"));
  }

  /** Messages given up by the delivery (outbox.failed_at) in the last 30 days ask the administrator for action; older ones and sent ones do not. */
  @Test
  void adminsSeeNotificationsThatFailed() {
    long failed = ((Number) sql.value("""
        INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, attempts, failed_at, last_error, kind)
        VALUES ('sms', '13900000001', '<script>alert(1)</script>活动提醒', '正文', 'q22-failed-1', 5, now() - interval '1 hour',
                'gateway refused: number unreachable', 'meeting_reminder') RETURNING id""")).longValue();
    try {
      sql.update("""
          INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, attempts, failed_at, last_error)
          VALUES ('email', 'old@example.org', '旧的提醒', '正文', 'q22-failed-old', 5, now() - interval '40 days', 'mailbox full'),
                 ('email', 'ok@example.org', '已发送', '正文', 'q22-sent', 1, NULL, NULL)""");
      JsonObject q = queue("admin");
      assertEquals(ids(failed), ids(q, "failedNotifications"));
      JsonObject item = section(q, "failedNotifications").getJsonArray("items").getJsonObject(0);
      assertEquals("/admin/notifications?status=failed", item.getString("link"));
      assertEquals("gateway refused: number unreachable", item.getString("note"));
      assertTrue(section(q, "failedNotifications").getBoolean("action"), "in the badge");
      String page = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD).get("/").body();
      assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;活动提醒"), "the subject is shown escaped");
      assertFalse(page.contains("<script>alert(1)</script>"));
      assertTrue(queue("d1").getJsonArray("sections").stream().noneMatch(o -> "failedNotifications".equals(((JsonObject) o).getString("key"))),
          "only the administrator's queue has the section");
    } finally {
      sql.update("DELETE FROM outbox WHERE dedupe_key LIKE 'q22-%'");
    }
  }

  @Test
  void theHomePageListsTheQueueAndTheHeaderCountsIt() {
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String page = b.get("/").body();
    assertTrue(page.contains("id=\"queue-stationApprovals\""), page);
    assertTrue(page.contains("href=\"/stations/" + f.stations.get(AccountFixtures.CHANGQING) + "\""), "the item links to its page");
    assertTrue(page.contains("href=\"/outcomes/" + overdueOutcome + "\""));
    assertTrue(page.contains("已逾期 5 天"));
    assertTrue(page.contains("没有等待审核的议题。"), "the empty state says what nothing to do means");
    assertFalse(page.contains("id=\"node-status\""), "the cluster size is not a user's concern");
    long total = queue("d1").getLong("total");
    assertTrue(page.contains("class=\"badge nav-badge\" aria-label=\"待办 " + total + " 项\">" + total + "</span>"), page);
    assertTrue(new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD).get("/").body().contains("id=\"node-status\""),
        "the admin's home page shows the cluster size");
    assertFalse(new Browser(node.baseUrl()).get("/").body().contains("id=\"node-status\""));
  }
}
