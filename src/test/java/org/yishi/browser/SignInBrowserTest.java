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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signing in (after a wrong password) and out, typed into the real login page of a real node. */
class SignInBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Sql db;

  @Test
  void wrongPasswordIsShownThenSignInAndOut() {
    long audit = db.count("SELECT count(*) FROM audit_log");
    Object version = db.value("SELECT version FROM account WHERE username = 'c1'");

    browser.open("/stations", "stations-signed-out");
    assertTrue(browser.path().startsWith("/login?back="), "a page that needs sign-in leads to the login page: " + browser.path());

    browser.type(By.id("f-username"), "c1").type(By.id("f-password"), "not-the-password")
        .submit(By.cssSelector("form[action='/login'] button[type=submit]"), "wrong-password");
    assertEquals("用户名或密码错误。", browser.text(By.id("login-error")));
    assertEquals("c1", browser.find(By.id("f-username")).getAttribute("value"), "the name is kept");
    assertEquals("", browser.find(By.id("f-password")).getAttribute("value"), "the password is not sent back");
    assertFalse(browser.present(By.cssSelector("form[action='/logout']")), "nobody is signed in");

    browser.type(By.id("f-password"), AccountFixtures.PASSWORD)
        .submit(By.cssSelector("form[action='/login'] button[type=submit]"), "signed-in");
    assertEquals("/stations", browser.path(), "back to the page asked for");
    assertEquals("洮北联络员", browser.text(By.cssSelector(".nav-user")));
    assertTrue(browser.present(By.cssSelector("form[action='/logout']")));

    browser.signOut();
    assertTrue(browser.path().startsWith("/login"), browser.path());
    assertFalse(browser.present(By.cssSelector(".nav-user")));
    browser.open("/stations", "stations-after-logout");
    assertTrue(browser.path().startsWith("/login?back="), "the session is gone: " + browser.path());

    assertEquals(audit, db.count("SELECT count(*) FROM audit_log"), "signing in and out writes no audit rows");
    assertEquals(version, db.value("SELECT version FROM account WHERE username = 'c1'"), "nor changes the account");
  }
}
