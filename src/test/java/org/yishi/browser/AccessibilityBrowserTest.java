package org.yishi.browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every page of every demo role, in Chinese and English, on a wide screen and a phone, including the
 * forms with their validation errors shown: each page is checked by axe-core (WCAG 2.0/2.1 A and
 * AA) as {@link BrowserSession} checks every page it reaches; a violation fails the test that
 * visited the page, listing them (docs/accessibility.md).
 */
class AccessibilityBrowserTest {
  private static final String PASSWORD = "yishi-demo";
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  private static Node node;
  private static Sql db;

  @BeforeAll
  static void start() {
    String url = TestPostgres.freshDatabaseUrl();
    node = TestNodes.start(TestNodes.env(url, Map.of("YISHI_DEMO", "true")));
    db = new Sql(url);
    browser.baseUrl(node.baseUrl()).desktop();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static long id(String sql, Object... args) {
    return db.count(sql, args);
  }

  /** Opens each page (each is checked as it loads) and asserts it is not an error page. */
  private static void visit(String... paths) {
    for (String p : paths) {
      browser.open(p);
      assertFalse(browser.driver().getTitle().startsWith("出错") || browser.driver().getTitle().startsWith("Error"),
          p + " answered an error page: " + browser.driver().getTitle());
    }
  }

  /**
   * Opens a form, switches off the browser's own checks (so that the server's validation answers, as
   * it does for a browser that does not check) and submits it as it is, or with {@code fill}:
   * the page that answers shows the errors next to their fields, and is checked too.
   */
  private static void submitWithErrors(String path, String formAction, Map<String, String> fill) {
    browser.open(path);
    browser.js("document.querySelectorAll('form').forEach(f => f.noValidate = true);"
        + "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'));");
    fill.forEach((name, value) -> browser.js("const e = document.querySelector(\"form[action='" + formAction + "'] [name='" + name
        + "']\"); if (e) { e.value = arguments[0]; }", value));
    browser.submit(By.cssSelector("form[action='" + formAction + "'] button[type=submit]"), "errors-" + path.replace('/', '-'));
    assertTrue(browser.present(By.cssSelector(".is-invalid, .invalid-feedback, .alert-danger, [aria-invalid=true]")),
        "the form at " + path + " shows its errors: " + browser.pageText());
  }

  @Test
  void signedOutPages() {
    browser.open("/");
    if (browser.present(By.cssSelector("form[action='/logout'] button"))) {
      browser.signOut();
    }
    visit("/", "/login");
    browser.type(By.id("f-username"), "nobody");
    browser.type(By.id("f-password"), "wrong-password");
    browser.submit(By.cssSelector("form[action='/login'] button[type=submit]"), "login-failed");
    assertTrue(browser.present(By.cssSelector(".alert-danger, .invalid-feedback")), "the failed sign-in says so");
    browser.open("/no-such-page");
  }

  @Test
  void aCoordinatorsPages() {
    browser.signIn("demo-coordinator", PASSWORD);
    long me = id("SELECT id FROM account WHERE username = 'demo-coordinator'");
    long station = id("SELECT min(station_id) FROM account_station WHERE account_id = ?", me);
    long topic = id("SELECT min(id) FROM topic WHERE station_id = ?", station);
    long meeting = id("SELECT min(id) FROM meeting WHERE station_id = ? AND status = 'held'", station);
    long due = id("SELECT coalesce(min(m.id), 0) FROM meeting m WHERE m.station_id = ? AND m.status = 'scheduled' AND m.ends_at < now()"
        + " AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)", station);
    long outcome = id("SELECT min(id) FROM outcome WHERE station_id = ?", station);
    visit("/", "/stations", "/stations/" + station, "/stations/" + station + "/edit", "/stations/new", "/stations/import",
        "/calendar", "/notifications", "/topics", "/topics/" + topic, "/topics/new", "/outcomes", "/outcomes/" + outcome,
        "/outcomes/new", "/cases", "/meetings/" + meeting, "/meetings/" + meeting + "/record", "/meetings/new",
        "/account/password", "/account/feeds", "/divisions");
    if (due > 0) {
      visit("/meetings/" + due + "/record");
    }
    submitWithErrors("/topics/new", "/topics", Map.of("title", ""));
    submitWithErrors("/stations/new", "/stations", Map.of("name", ""));
    submitWithErrors("/stations/" + station, "/stations/" + station + "/promised-days", Map.of("promisedDays", "1000"));
    submitWithErrors("/account/password", "/account/password", Map.of());
  }

  @Test
  void districtStaffsPages() {
    browser.signIn("demo-district", PASSWORD);
    long plan = id("SELECT min(p.id) FROM plan p JOIN committee c ON c.id = p.committee_id WHERE c.division_code LIKE '220802%'");
    long report = id("SELECT min(id) FROM report WHERE unit_code LIKE '220802%'");
    long member = id("SELECT min(m.id) FROM member m JOIN committee c ON c.id = m.committee_id WHERE c.division_code LIKE '220802%'");
    long user = id("SELECT id FROM account WHERE username = 'demo-coordinator'");
    long pending = id("SELECT coalesce(min(id), 0) FROM station WHERE division_code LIKE '220802%' AND status = 'pending'");
    visit("/", "/stations/approvals", "/topics/approvals", "/stats", "/reports", "/reports/" + report, "/plans", "/plans/new",
        "/members", "/members/new", "/members/" + member, "/admin/users", "/admin/users/" + user, "/audit", "/committees");
    if (plan > 0) {
      visit("/plans/" + plan);
    }
    if (pending > 0) {
      visit("/stations/" + pending);
    }
    submitWithErrors("/members/new", "/members", Map.of("name", ""));
  }

  @Test
  void cityStaffsPagesInEnglishAndOnAPhone() {
    browser.signIn("demo-city", PASSWORD);
    visit("/", "/stats", "/stats?division=220802000000", "/reports", "/plans");
    browser.submit(By.cssSelector("form[action^='/lang/'] button"), "english");
    visit("/", "/stats", "/topics", "/outcomes");
    browser.submit(By.cssSelector("form[action^='/lang/'] button"), "chinese");
    browser.phone();
    try {
      visit("/", "/stats", "/stations");
    } finally {
      browser.desktop();
    }
  }

  /** The larger-text setting (适老化): chosen in the header, kept on every page (and on a phone), switched back. */
  @Test
  void largerTextIsRememberedOnEveryPage() {
    browser.signIn("demo-coordinator", PASSWORD);
    assertEquals("16px", browser.js("return getComputedStyle(document.documentElement).fontSize"));
    browser.submit(By.id("text-size-switch"), "larger-text");
    for (String p : new String[] {"/", "/topics", "/calendar", "/stations"}) {
      browser.open(p, "larger-text-" + p.replace('/', '-'));
      assertEquals("20px", browser.js("return getComputedStyle(document.documentElement).fontSize"), p);
    }
    browser.phone();
    try {
      browser.open("/", "larger-text-phone");
      @SuppressWarnings("unchecked")
      java.util.List<Number> w = (java.util.List<Number>) browser.js("return [window.innerWidth, document.documentElement.scrollWidth]");
      assertTrue(w.get(1).intValue() <= w.get(0).intValue(), "the larger queue still fits the phone: " + w);
    } finally {
      browser.desktop();
    }
    browser.signOut();
    browser.open("/login", "larger-text-signed-out");
    assertEquals("20px", browser.js("return getComputedStyle(document.documentElement).fontSize"), "a choice of the browser");
    browser.submit(By.id("text-size-switch"), "normal-text");
    assertEquals("16px", browser.js("return getComputedStyle(document.documentElement).fontSize"));
  }

  @Test
  void theAdministratorsPages() {
    browser.signIn("admin", TestNodes.ADMIN_PASSWORD);
    visit("/", "/admin/users", "/admin/users/new", "/admin/divisions", "/admin/notifications", "/admin/report-schedules", "/audit");
    submitWithErrors("/admin/users/new", "/admin/users", Map.of("username", ""));
  }
}
