package org.yishi.browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.platform.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statistics dashboard on the demo city: figures, the drill-down table, and the chart drawn under the CSP. */
class DashboardBrowserTest {
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  private static Node node;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestNodes.env(TestPostgres.freshDatabaseUrl(), Map.of("YISHI_DEMO", "true")));
    browser.baseUrl(node.baseUrl()).desktop();
  }

  @AfterAll
  static void stop() {
    node.close();
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
}
