package org.yishi.browser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 中文/English switch in the header (a form: signed in, the choice is stored on the account, and a
 * GET link to a language changes only the browser's cookie), and a form whose CSRF token was tampered
 * with, in a real Chromium.
 */
class LanguageAndCsrfBrowserTest {
  private static final String VILLAGE = "220802001002";

  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Sql db;

  private static String lang() {
    return (String) browser.js("return document.documentElement.lang");
  }

  @Test
  void theHeaderSwitchTurnsThePagesToEnglishAndBack() {
    browser.open("/", "home");
    if (browser.present(By.cssSelector("form[action='/logout']"))) {
      browser.signOut();
      browser.open("/", "home-zh-signed-out");
    }
    assertTrue(lang().startsWith("zh"), lang());
    browser.submit(By.cssSelector("button.lang-switch"), "home-en-signed-out");
    assertEquals("en", lang());
    assertEquals("中文", browser.text(By.cssSelector("button.lang-switch")));
    assertEquals("Sign in", browser.text(By.cssSelector("header a[href='/login']")));

    browser.signIn("c1", AccountFixtures.PASSWORD);
    assertEquals("en", lang(), "the choice is remembered across sign-in");
    browser.open("/stations", "stations-en");
    assertEquals("Stations", browser.text(By.cssSelector("header a[href='/stations']")));
    browser.submit(By.cssSelector("button.lang-switch"), "stations-zh");
    assertEquals("/stations", browser.path(), "the switch comes back to the same page");
    assertTrue(lang().startsWith("zh"), lang());
    assertEquals("议事室", browser.text(By.cssSelector("header a[href='/stations']")));
    assertEquals("English", browser.text(By.cssSelector("button.lang-switch")));
    assertEquals("zh-CN", db.value("SELECT locale FROM account WHERE username = 'c1'"), "a signed-in user's choice is stored");

    browser.submit(By.cssSelector("button.lang-switch"), "stations-en-again");
    assertEquals("en", lang());
    assertEquals("en", db.value("SELECT locale FROM account WHERE username = 'c1'"));
    browser.submit(By.cssSelector("button.lang-switch"), "stations-zh-again");
    assertTrue(lang().startsWith("zh"), lang());
    assertEquals("zh-CN", db.value("SELECT locale FROM account WHERE username = 'c1'"));

    // a link to a language (a GET) switches this browser but never writes to the account
    browser.open("/lang/en?back=/stations", "stations-en-by-link");
    assertEquals("en", lang());
    assertEquals("/stations", browser.path());
    assertEquals("zh-CN", db.value("SELECT locale FROM account WHERE username = 'c1'"), "a GET changes no stored state");
    browser.submit(By.cssSelector("button.lang-switch"), "stations-zh-by-form");
    assertTrue(lang().startsWith("zh"), lang());
  }

  @Test
  void aFormWithATamperedCsrfTokenIsRefusedAndWritesNothing() {
    browser.signIn("c1", AccountFixtures.PASSWORD);
    long stations = db.count("SELECT count(*) FROM station");
    long audit = db.count("SELECT count(*) FROM audit_log");

    browser.open("/stations/new", "station-form");
    browser.type(By.id("f-name"), "篡改令牌测试站").select(By.id("f-divisionCode"), VILLAGE);
    String original = (String) browser.js("return document.querySelector(\"form[action='/stations'] input[name=_csrf]\").value");
    browser.js("document.querySelector(\"form[action='/stations'] input[name=_csrf]\").value = arguments[0];",
        (original.startsWith("x") ? "y" : "x") + original.substring(1));   // a random token may start with x
    assertNotEquals(original, browser.js("return document.querySelector(\"form[action='/stations'] input[name=_csrf]\").value"));
    browser.submit(By.cssSelector("form[action='/stations'] button[type=submit]"), "tampered-csrf-refused");
    assertEquals("403", browser.text(By.cssSelector(".error-page p.display-6")));
    assertEquals("表单已过期", browser.text(By.cssSelector(".error-page h1")));
    assertEquals(0, db.count("SELECT count(*) FROM station WHERE name = '篡改令牌测试站'"));
    assertEquals(stations, db.count("SELECT count(*) FROM station"), "nothing written");
    assertEquals(audit, db.count("SELECT count(*) FROM audit_log"), "nothing audited either");
    assertTrue(browser.present(By.cssSelector(".nav-user")), "still signed in");

    // the same form with its own token goes through: it was the token that was refused
    browser.open("/stations/new", "station-form-again");
    browser.type(By.id("f-name"), "篡改令牌测试站").select(By.id("f-divisionCode"), VILLAGE)
        .submit(By.cssSelector("form[action='/stations'] button[type=submit]"), "station-registered");
    assertEquals("申请中", browser.text(By.id("station-status")));
    assertEquals(1, db.count("SELECT count(*) FROM station WHERE name = '篡改令牌测试站'"));
    assertFalse(browser.present(By.cssSelector(".error-page")));
  }
}
