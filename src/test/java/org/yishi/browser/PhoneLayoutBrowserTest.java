package org.yishi.browser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On a 375 px wide phone the home page, the station lists and the calendar fit the screen: no sideways scrolling. */
class PhoneLayoutBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);

  @BeforeAll
  static void start() {
    browser.phone();
  }

  /** Fails when the page is wider than the phone's screen. */
  private static void fitsTheScreen(String path, String name) {
    browser.open(path, name);
    @SuppressWarnings("unchecked")
    List<Number> w = (List<Number>) browser.js(
        "return [window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]");
    assertEquals(375, w.get(0).intValue(), "the phone viewport");
    assertTrue(w.get(1).intValue() <= w.get(0).intValue() && w.get(2).intValue() <= w.get(0).intValue(),
        path + " scrolls sideways on a phone: page " + w.get(1) + " px, body " + w.get(2) + " px, screen " + w.get(0) + " px");
  }

  @Test
  void homeAndStationListsFitAPhone() {
    fitsTheScreen("/", "home-signed-out");
    fitsTheScreen("/login", "login");
    browser.signIn("c1", AccountFixtures.PASSWORD);
    fitsTheScreen("/", "home-coordinator");
    fitsTheScreen("/stations", "stations-coordinator");
    browser.signIn("d1", AccountFixtures.PASSWORD);
    fitsTheScreen("/", "home-district");
    fitsTheScreen("/stations", "stations-district");
    fitsTheScreen("/stations?within=" + AccountFixtures.HAIMING, "stations-township");
    fitsTheScreen("/calendar", "calendar-district");
    assertEquals(browser.find(By.cssSelector("a[rel=prev]")).getLocation().getY(),
        browser.find(By.cssSelector("a[rel=next]")).getLocation().getY(), "the calendar's « and » stay on one row");
    assertEquals("上一月", browser.find(By.cssSelector("a[rel=prev]")).getAttribute("aria-label"), "« is labelled for screen readers");
    browser.signIn("city", AccountFixtures.PASSWORD);
    fitsTheScreen("/stations", "stations-city");
  }
}
