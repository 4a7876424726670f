package org.yishi.browser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the demo city, each demo role signs in and lands on its work queue (我的待办), whose items are
 * what the database holds for that account; an approval done from the queue takes the item off it; on
 * a 375 px phone the queue fits the screen and the header's menu opens and closes without a script.
 */
class HomeQueueBrowserTest {
  private static final String PASSWORD = "yishi-demo";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true"));
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Node node;
  private static Sql db;
  @FromNode private static String url;

  @BeforeAll
  static void start() {
    db = new Sql(url);
    browser.desktop();
  }

  /** The ids listed in one section of the queue on the page. */
  private static Set<String> listed(String section) {
    Set<String> out = new TreeSet<>();
    for (WebElement li : browser.driver().findElements(By.cssSelector("#queue-" + section + " li.queue-item"))) {
      out.add(li.getAttribute("data-id"));
    }
    return out;
  }

  /** Whether a non-empty screenshot named {@code name} is under target/screenshots/ (BrowserSession's folder). */
  private static boolean screenshotSaved(String name) {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("target", "screenshots", HomeQueueBrowserTest.class.getSimpleName()))) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith("-" + name + ".png") && f.toFile().length() > 0);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static long shownTotal(String section) {
    return Long.parseLong(browser.find(By.id("queue-" + section)).getAttribute("data-total"));
  }

  /** The ids of a query's rows (first column). */
  private static Set<String> ids(String sql, Object... args) {
    Set<String> out = new TreeSet<>();
    try (var c = TestPostgres.jdbc(dbUrl()); var st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      try (var rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1).trim());
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static String dbUrl() {
    return url;
  }

  private static long account(String username) {
    return db.count("SELECT id FROM account WHERE username = ?", username);
  }

  @Test
  void aCoordinatorSeesTheWorkOfTheirStation() {
    browser.signIn("demo-coordinator", PASSWORD);
    assertEquals("/", browser.path(), "sign-in lands on the queue");
    assertEquals("我的待办", browser.text(By.tagName("h1")));
    long me = account("demo-coordinator");
    String stations = "(SELECT station_id FROM account_station WHERE account_id = ?)";
    assertEquals(ids("SELECT m.id FROM meeting m WHERE m.station_id IN " + stations + " AND m.status = 'scheduled'"
        + " AND m.ends_at < now() AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)", me), listed("recordsDue"));
    assertEquals(ids("SELECT m.id FROM meeting m JOIN meeting_record r ON r.meeting_id = m.id WHERE m.station_id IN " + stations
        + " AND r.status = 'returned'", me), listed("recordsReturned"));
    assertEquals(ids("SELECT id FROM topic WHERE station_id IN " + stations + " AND status IN ('rejected', 'submitted')", me),
        listed("topics"));
    assertEquals(ids("SELECT m.id FROM meeting m WHERE m.station_id IN " + stations + " AND m.status = 'scheduled'"
        + " AND m.starts_at >= now() AND m.starts_at < now() + interval '14 days'", me), listed("meetings"));
    assertEquals(ids("SELECT id FROM notification WHERE account_id = ? AND read_at IS NULL", me), listed("notifications"));
    assertTrue(browser.text(By.cssSelector("#queue-recordsDue li.queue-item")).contains("还剩 5 天"),
        "a record is due 7 days after the meeting, which ended two days ago");
    assertTrue(browser.text(By.cssSelector("#queue-recordsReturned li.queue-item")).contains("请核对后重新填报"), "the reason shows");
    // each item leads to the page where the work is done
    String due = listed("recordsDue").iterator().next();
    browser.follow(By.cssSelector("#queue-recordsDue li[data-id='" + due + "'] a"), "record-due");
    assertEquals("/meetings/" + due + "/record", browser.path());
  }

  @Test
  void districtStaffApproveATopicFromTheQueueAndItLeavesIt() {
    browser.signIn("demo-district", PASSWORD);
    String submitted = "SELECT id FROM topic WHERE division_code LIKE '220802%' AND status = 'submitted'";
    Set<String> waiting = ids(submitted);
    assertEquals(waiting.size(), shownTotal("topicApprovals"));
    assertTrue(waiting.containsAll(listed("topicApprovals")) && listed("topicApprovals").size() == Math.min(10, waiting.size()));
    assertEquals(ids("SELECT id FROM station WHERE division_code LIKE '220802%' AND status = 'pending'").size(),
        shownTotal("stationApprovals"));
    Set<String> overdue = ids("SELECT id FROM outcome WHERE division_code LIKE '220802%' AND status = 'referred'"
        + " AND due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date + 7");
    assertEquals(overdue.size(), shownTotal("referrals"));
    assertTrue(overdue.containsAll(listed("referrals")));
    assertTrue(browser.pageText().contains("已逾期"), "overdue referrals say by how many days");
    assertEquals(0, db.count("SELECT count(*) FROM topic WHERE division_code NOT LIKE '220802%' AND id IN ("
        + String.join(",", listed("topicApprovals")) + ")"), "nothing from another district");

    String topic = listed("topicApprovals").iterator().next();
    long before = shownTotal("topicApprovals");
    browser.follow(By.cssSelector("#queue-topicApprovals li[data-id='" + topic + "'] a"), "topic-from-queue");
    assertEquals("/topics/" + topic, browser.path());
    browser.submit(By.xpath("//form[input[@name='action' and @value='approve']]//button"), "topic-approved");
    assertEquals("approved", db.value("SELECT status FROM topic WHERE id = ?", Long.parseLong(topic)));
    browser.follow(By.id("nav-queue"), "queue-after-approval");
    assertFalse(listed("topicApprovals").contains(topic), "the approved topic has left the queue");
    assertEquals(before - 1, shownTotal("topicApprovals"));
    assertEquals(String.valueOf(db.count("SELECT count(*) FROM (" + submitted + ") s") + shownTotal("stationApprovals")
            + shownTotal("referrals") + shownTotal("planBehind")),
        browser.text(By.cssSelector("#nav-queue .nav-badge")), "the header counts what asks for action");
  }

  /**
   * The simple decisions are taken on the queue itself: opening "在此审核" is the confirmation step,
   * the forms post to the features' own transition endpoints (with the CSRF token) and come back to
   * the queue, where the item is gone; a return needs its reason.
   */
  @Test
  void districtStaffDecideFromTheQueueAndTheItemLeavesIt() {
    browser.signIn("demo-district", PASSWORD);
    // a station applying: approved from the queue
    String station = listed("stationApprovals").iterator().next();
    long stations = shownTotal("stationApprovals");
    String item = "#queue-stationApprovals li[data-id='" + station + "']";
    browser.click(By.cssSelector(item + " details summary"));
    assertTrue(browser.text(By.cssSelector(item + " details")).contains("确认批准"), "the confirmation names the station");
    browser.submit(By.cssSelector(item + " button.queue-approve"), "station-approved-from-queue");
    assertEquals("/", browser.path(), "back on the queue");
    assertEquals("active", db.value("SELECT status FROM station WHERE id = ?", Long.parseLong(station)));
    assertFalse(listed("stationApprovals").contains(station), "the approved station has left the queue");
    assertEquals(stations - 1, shownTotal("stationApprovals"));

    // a topic returned with its reason (script text stored as typed, shown as text)
    String topic = listed("topicApprovals").iterator().next();
    long topics = shownTotal("topicApprovals");
    String li = "#queue-topicApprovals li[data-id='" + topic + "']";
    browser.click(By.cssSelector(li + " details summary"));
    String reason = "请补充居民意见<script>alert(1)</script>";
    browser.type(By.id("reason-topicApprovals-" + topic), reason);
    browser.submit(By.cssSelector(li + " button.queue-reject"), "topic-returned-from-queue");
    assertEquals("/", browser.path());
    assertEquals("rejected", db.value("SELECT status FROM topic WHERE id = ?", Long.parseLong(topic)));
    assertEquals(reason, db.value("SELECT decision_reason FROM topic WHERE id = ?", Long.parseLong(topic)));
    assertFalse(listed("topicApprovals").contains(topic), "the returned topic has left the queue");
    assertEquals(topics - 1, shownTotal("topicApprovals"));

    // without a reason the browser asks for one (required); with the check bypassed the topic page says why, nothing changes
    String next = listed("topicApprovals").iterator().next();
    String nli = "#queue-topicApprovals li[data-id='" + next + "']";
    browser.click(By.cssSelector(nli + " details summary"));
    browser.js("document.getElementById('reason-topicApprovals-' + arguments[0]).removeAttribute('required')", next);
    browser.submit(By.cssSelector(nli + " button.queue-reject"), "topic-return-without-reason");
    assertEquals("submitted", db.value("SELECT status FROM topic WHERE id = ?", Long.parseLong(next)));
    assertEquals("/topics/" + next + "/transition", browser.path(), "the topic page answers with the error");
    assertTrue(browser.pageText().contains("请填写原因"), browser.pageText());
  }

  /**
   * A record filed in the last 7 days is returned for correction from the queue itself: "退回修改" opens
   * the confirmation with the reason, the form posts to the record's return endpoint (CSRF token and the
   * record's version) and comes back to the queue, where the record is gone; without a reason nothing changes.
   */
  @Test
  void districtStaffReturnARecordFromTheQueueAndItLeavesIt() {
    browser.signIn("demo-district", PASSWORD);
    Set<String> recent = ids("SELECT r.meeting_id FROM meeting_record r JOIN meeting m ON m.id = r.meeting_id"
        + " WHERE m.division_code LIKE '220802%' AND r.status = 'filed' AND r.filed_at >= now() - interval '7 days'");
    assertFalse(recent.isEmpty(), "the demo district has a record filed in the last days");
    assertEquals(recent.size(), shownTotal("recordsToReview"));
    assertTrue(recent.containsAll(listed("recordsToReview")));
    String meeting = listed("recordsToReview").iterator().next();
    long id = Long.parseLong(meeting);
    long before = shownTotal("recordsToReview");
    String li = "#queue-recordsToReview li[data-id='" + meeting + "']";

    // without a reason (the browser's check bypassed) the record page says why and nothing changes
    browser.click(By.cssSelector(li + " details summary"));
    assertTrue(browser.text(By.cssSelector(li + " details")).contains("退回联络员修改"), "the confirmation says what happens");
    browser.js("document.getElementById('reason-recordsToReview-' + arguments[0]).removeAttribute('required')", meeting);
    browser.submit(By.cssSelector(li + " button.queue-return"), "record-return-without-reason");
    assertEquals("filed", db.value("SELECT status FROM meeting_record WHERE meeting_id = ?", id));
    assertTrue(browser.pageText().contains("请填写原因"), browser.pageText());

    browser.open("/", "queue-before-record-return");
    browser.click(By.cssSelector(li + " details summary"));
    String reason = "请补充签到表照片<script>alert(1)</script>";
    browser.type(By.id("reason-recordsToReview-" + meeting), reason);
    browser.submit(By.cssSelector(li + " button.queue-return"), "record-returned-from-queue");
    assertEquals("/", browser.path(), "back on the queue");
    assertEquals("returned", db.value("SELECT status FROM meeting_record WHERE meeting_id = ?", id));
    assertEquals(reason, db.value("SELECT return_reason FROM meeting_record WHERE meeting_id = ?", id), "stored as typed");
    assertFalse(listed("recordsToReview").contains(meeting), "the returned record has left the queue");
    assertEquals(before - 1, shownTotal("recordsToReview"));
    assertEquals(1, db.count("SELECT count(*) FROM audit_log WHERE action = 'record.return' AND entity_id = ?", meeting),
        "one audited return");
  }

  @Test
  void cityStaffSeeTheDistrictsThatAreBehindAndTheLastReports() {
    browser.signIn("demo-city", PASSWORD);
    Set<String> late = listed("lateDistricts");
    assertFalse(late.isEmpty());
    assertTrue(late.containsAll(ids("SELECT DISTINCT substr(division_code, 1, 6) || '000000' FROM outcome"
        + " WHERE division_code LIKE '2208%' AND status = 'referred' AND due_on < (now() AT TIME ZONE 'Asia/Shanghai')::date")),
        "every district with an overdue referral is listed: " + late);
    assertTrue(late.stream().allMatch(c -> c.startsWith("2208")), "only 白城市's districts");
    assertEquals(ids("SELECT id FROM report WHERE unit_code LIKE '2208%' ORDER BY generated_at DESC, id DESC LIMIT 10"),
        listed("reports"));
    // the city committee's plan of this year, its items by progress, and the reports scheduled next
    assertEquals(ids("SELECT p.id FROM plan p JOIN committee c ON c.id = p.committee_id WHERE c.level = 'city'"
        + " AND c.division_code = '220800000000' AND p.year = extract(year FROM (now() AT TIME ZONE 'Asia/Shanghai'))::int"),
        listed("planProgress"));
    String plan = listed("planProgress").iterator().next();
    String held = String.valueOf(db.count("SELECT count(*) FROM plan_item i JOIN stats_plan_item s ON s.plan_item_id = i.id"
        + " WHERE i.plan_id = ? AND s.meetings_held > 0", Long.parseLong(plan)));
    assertTrue(browser.text(By.cssSelector("#queue-planProgress li.queue-item")).contains("已召开 " + held), "items held");
    assertEquals(Set.of("city_monthly", "city_quarterly", "city_yearly", "district_monthly"), listed("reportsNext"),
        "every schedule in force, with when it runs next");
    assertTrue(browser.text(By.id("queue-reportsNext")).contains("市级月度报告"));
    browser.follow(By.cssSelector("#queue-planProgress li.queue-item a"), "city-plan");
    assertEquals("/plans/" + plan, browser.path());
    browser.follow(By.id("nav-queue"), "city-queue-again");
    browser.follow(By.cssSelector("#queue-lateDistricts li.queue-item a"), "late-district-dashboard");
    assertTrue(browser.path().startsWith("/stats?division=2208"), browser.path());
  }

  @Test
  void theAdministratorSeesDisabledAccountsAndTheClusterSize() {
    browser.signIn("admin", TestNodes.ADMIN_PASSWORD);
    assertEquals(ids("SELECT id FROM account WHERE disabled"), listed("disabledAccounts"));
    assertTrue(listed("disabledAccounts").contains(String.valueOf(account("demo-former"))));
    assertTrue(browser.text(By.id("node-status")).contains("1"), "the cluster size is on the admin's page");
    assertTrue(browser.pageText().contains("没有正在进行或近 30 天失败的导入任务。"), "the empty state says what nothing to do means");
  }

  @Test
  void onAPhoneTheQueueFitsAndTheMenuOpens() {
    browser.phone();
    try {
      for (String user : List.of("demo-coordinator", "demo-district", "demo-city", "admin")) {
        browser.signIn(user, "admin".equals(user) ? TestNodes.ADMIN_PASSWORD : PASSWORD);
        browser.open("/", "phone-home-" + user);
        assertTrue(screenshotSaved("phone-home-" + user), "the phone-width screenshot of " + user + "'s home page is saved");
        @SuppressWarnings("unchecked")
        List<Number> w = (List<Number>) browser.js("return [window.innerWidth, document.documentElement.scrollWidth]");
        assertEquals(375, w.get(0).intValue());
        assertTrue(w.get(1).intValue() <= 375, user + "'s queue scrolls sideways: " + w.get(1) + " px");
        assertFalse(browser.find(By.cssSelector("a[href='/stations']")).isDisplayed(), "the menu starts closed");
        browser.click(By.cssSelector("label.nav-toggle-label"));
        assertTrue(browser.find(By.cssSelector("a[href='/stations']")).isDisplayed(), "the menu opens");
        browser.shoot("phone-menu-" + user);
        @SuppressWarnings("unchecked")
        List<Number> open = (List<Number>) browser.js("return [window.innerWidth, document.documentElement.scrollWidth]");
        assertTrue(open.get(1).intValue() <= 375, "the open menu fits the phone");
        browser.click(By.cssSelector("label.nav-toggle-label"));
        assertFalse(browser.find(By.cssSelector("a[href='/stations']")).isDisplayed(), "and closes again");
      }
    } finally {
      browser.desktop();
    }
  }
}
