package org.yishi.browser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.time.YearMonth;
import java.time.ZoneId;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The city report journey on the demo city (issue 11, "city report lists it"): city staff open the
 * report list, find the last monthly report issued at seed time, open it, and it lists the figures,
 * the same as the roll-up stored in its snapshot; the English page reads in English; district staff
 * see their own district's report only.
 */
class ReportBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true"));
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Sql sql;

  @BeforeAll
  static void start() {
    browser.desktop();
  }

  @Test
  void cityStaffOpenTheLastMonthlyReportAndItListsTheFigures() {
    YearMonth last = YearMonth.now(ZoneId.of("Asia/Shanghai")).minusMonths(1);
    String label = last.getYear() + "年" + last.getMonthValue() + "月";
    browser.signIn("demo-city", "yishi-demo");
    browser.open("/", "home");
    browser.follow(By.linkText("报告"), "report-list");
    assertTrue(browser.text(By.id("report-list")).contains("白城市"), "the city's report is listed");
    assertEquals(7, browser.driver().findElements(By.cssSelector("#report-list tbody tr")).size(),
        "the city's and its six districts' reports of last month");

    long id = ((Number) sql.value("SELECT id FROM report WHERE unit_code = '220800000000' AND kind = 'monthly' AND period = ?",
        last.toString())).longValue();
    browser.follow(By.cssSelector("a[href='/reports/" + id + "']"), "city-report");
    assertTrue(browser.text(By.id("report-title")).contains("白城市") && browser.text(By.id("report-title")).contains(label),
        browser.text(By.id("report-title")));
    long held = ((Number) sql.value("SELECT (content->'totals'->>'meetings_held')::bigint FROM report WHERE id = ?", id)).longValue();
    assertTrue(held > 0, "the demo month has meetings");
    assertEquals(String.valueOf(held), browser.text(By.cssSelector("#report-figures tr[data-key=meetings_held] td")),
        "the figure shown is the snapshot's");
    assertTrue(browser.text(By.id("report-summary")).contains("白城市共召开协商活动" + held + "场"));
    assertTrue(browser.driver().findElements(By.cssSelector("#report-figures tbody tr")).size() >= 30, "every counter is listed");
    assertTrue(browser.pageText().contains("洮北区") && browser.pageText().contains("洮南市"), "the districts' table");

    browser.submit(By.cssSelector("button.lang-switch"), "city-report-en");
    assertTrue(browser.text(By.id("report-summary")).contains("held " + held + " consultation meetings"),
        browser.text(By.id("report-summary")));
    browser.submit(By.cssSelector("button.lang-switch"), "city-report-zh");
    browser.signOut();

    browser.signIn("demo-district", "yishi-demo");
    browser.open("/reports", "district-report-list");
    assertEquals(1, browser.driver().findElements(By.cssSelector("#report-list tbody tr")).size(), "洮北区's own report only");
    assertTrue(browser.text(By.id("report-list")).contains("洮北区"));
  }
}
