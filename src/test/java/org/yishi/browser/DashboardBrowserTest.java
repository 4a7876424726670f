package org.yishi.browser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import io.vertx.core.json.JsonObject;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.yishi.support.AccountFixtures;
import org.yishi.meeting.MeetingService;
import org.yishi.support.Api;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The statistics dashboard on the demo city: figures, the drill-down table, the charts drawn under
 * the CSP, the category filter, and live refresh when a record is filed while the page is open.
 */
class DashboardBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true"));
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Node node;

  @BeforeAll
  static void start() {
    browser.desktop();
  }

  @Test
  void cityStaffSeeTheCityAndDrillDownToADistrict() {
    browser.signIn("demo-city", "yishi-demo");
    browser.open("/stats", "city-dashboard");
    assertTrue(browser.text(By.id("stats-unit")).contains("白城市"));
    assertTrue(Integer.parseInt(browser.text(By.cssSelector("[data-key=meetings_held]"))) > 50, "a year of demo history");
    assertEquals(6, browser.driver().findElements(By.cssSelector("#stats-table tbody tr")).size(), "six county-level units");
    @SuppressWarnings("unchecked")
    List<Object> bars = (List<Object>) browser.js(
        "return Array.from(document.querySelectorAll('#stats-chart svg path')).map(p => p.getAttribute('d'))");
    assertTrue(bars.size() > 6, "ECharts drew the chart (served from the jar, no inline script): " + bars.size());
    browser.follow(By.linkText("洮北区"), "district-dashboard");
    assertTrue(browser.text(By.id("stats-unit")).contains("洮北区"));
    assertTrue(browser.driver().findElements(By.cssSelector("#stats-table tbody tr")).size() > 5, "its townships");
  }

  @Test
  void aListsNextPageIsFetchedAloneWithHtmxAndTheAddressFollows() {
    // 25 stations with no meeting in 海明街道: dormant, two pages of 20 at least
    for (int i = 0; i < 25; i++) {
      node.app().pool().preparedQuery("INSERT INTO station (name, type, level, division_code, district_code, status)"
          + " VALUES ($1, 'consultation_room', 'township', $2, $3, 'active')")
          .execute(io.vertx.sqlclient.Tuple.of("海明新站" + i, AccountFixtures.HAIMING, AccountFixtures.TAOBEI)).await();
    }
    try {
      browser.signIn("demo-city", "yishi-demo");
      browser.open("/stats?division=" + AccountFixtures.TAOBEI, "district-dashboard-lists");
      String first = browser.text(By.cssSelector("#dormant .page-item.active"));
      assertTrue(first.startsWith("1 / "), first);
      browser.js("window.stayedOnPage = true");
      browser.find(By.cssSelector("#dormant a[rel=next]")).click();
      // read in the page at once: htmx replaces the list between finding an element and reading it
      new WebDriverWait(browser.driver(), Duration.ofSeconds(20)).until(d -> String.valueOf(((org.openqa.selenium.JavascriptExecutor) d)
          .executeScript("const e = document.querySelector('#dormant .page-item.active'); return e ? e.textContent.trim() : ''"))
          .startsWith("2 / "));
      assertEquals(Boolean.TRUE, browser.js("return window.stayedOnPage === true"), "only the list was fetched, not the page");
      assertTrue(browser.driver().getCurrentUrl().contains("dormant_page=2"), "the address names the page shown");
      assertTrue(browser.driver().findElements(By.cssSelector("#headline [data-key=meetings_held]")).size() == 1,
          "the rest of the page stays");
    } finally {
      node.app().pool().query("DELETE FROM station WHERE name LIKE '海明新站%'").execute().await();
    }
  }

  @Test
  void theCategoryFilterAndTheKindsChart() {
    browser.signIn("demo-city", "yishi-demo");
    browser.open("/stats", "city-dashboard-all");
    long kindBars = (Long) browser.js("return document.querySelectorAll('#kinds-chart svg path').length");
    assertTrue(kindBars > 3, "the chart of kinds beside its table: " + kindBars);
    browser.select(By.id("f-category"), "livelihood");
    browser.submit(By.cssSelector("#stats-filter button[type=submit]"), "city-dashboard-livelihood");
    assertTrue(browser.path().contains("category=livelihood"), browser.path());
    assertEquals("livelihood", browser.find(By.id("f-category")).getAttribute("value"), "the filter stays chosen");
    String drill = browser.find(By.cssSelector("#stats-table tbody a")).getAttribute("href");
    assertTrue(drill.contains("category=livelihood"), "drilling down keeps the category: " + drill);
  }

  @Test
  void theDistrictDashboardRefreshesWhenARecordIsFiled() {
    browser.signIn("demo-district", "yishi-demo");
    browser.open("/stats", "district-dashboard-live");
    assertTrue(browser.text(By.id("stats-unit")).contains("洮北区"));
    new WebDriverWait(browser.driver(), Duration.ofSeconds(20))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> "live".equals(d.findElement(By.id("stats-live-status")).getAttribute("data-state")));
    int before = Integer.parseInt(browser.text(By.cssSelector("[data-key=meetings_held]")));

    // a consultation in 洮北区 that has just taken place, and its record filed through the API
    var pool = node.app().pool();
    long station = pool.query("SELECT id FROM station WHERE division_code LIKE '220802%' AND status = 'active' ORDER BY id LIMIT 1")
        .execute().await().iterator().next().getLong(0);
    long topic = AccountFixtures.approvedTopic(node, station, "社区停车位规划");
    var admin = node.accounts().store().byUsername("admin").await().principal();
    OffsetDateTime at = OffsetDateTime.now().plusDays(40).withNano(0);
    long meeting = node.services().meetings().schedule(admin, new MeetingService.MeetingInput(topic, at, at.plusHours(1), "会议室",
        "on_site", null, "grassroots", null, null, List.of(), List.of())).await().getLong("id");
    pool.query("UPDATE meeting SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE id = " + meeting)
        .execute().await();
    Api api = new Api(node.baseUrl());
    OffsetDateTime start = OffsetDateTime.now().minusHours(2).withNano(0);
    HttpResponse<String> filed = api.call("PUT", "/api/v1/meetings/" + meeting + "/record", api.token("admin", TestNodes.ADMIN_PASSWORD),
        new JsonObject().put("held", true).put("actualStart", start.toString()).put("actualEnd", start.plusHours(1).toString())
            .put("suggestionsCount", 2).encode());
    assertEquals(200, filed.statusCode(), filed.body());

    // htmx swaps the figures in while the wait reads them: a replaced element is read again
    new WebDriverWait(browser.driver(), Duration.ofSeconds(20))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d ->
        String.valueOf(before + 1).equals(d.findElement(By.cssSelector("[data-key=meetings_held]")).getText()));
    assertEquals("refreshed", browser.find(By.id("stats-live-status")).getAttribute("data-state"));
    long bars = (Long) browser.js("return document.querySelectorAll('#stats-chart svg path').length");
    assertTrue(bars > 3, "the chart is drawn again after the refresh: " + bars);
    browser.shoot("district-dashboard-refreshed");
  }
}
