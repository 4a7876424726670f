package org.yishi.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One real headless Chromium per test class, driven through Debian's {@code /usr/bin/chromedriver}
 * (paths given explicitly: Selenium Manager never runs, nothing is downloaded). Register it as
 * {@code @RegisterExtension static BrowserSession browser = BrowserSession.perClass().on(NODE);} after
 * the class's {@link NodeExtension} (or point it at a node with {@link #baseUrl(String)}).
 *
 * <p>Every page reached through {@link #open}, {@link #follow} or {@link #submit} is saved as a
 * full-page PNG in {@code target/screenshots/<TestClass>/<nn>-<name>.png}; a failing test adds
 * {@code <nn>-FAILED-<method>.png} of the page it ended on. Without Chromium the class fails with
 * {@link #MISSING}: browser tests are part of the suite and are never skipped.
 *
 * <p>Every page reached that way is also checked with axe-core against WCAG 2.0/2.1 A and AA
 * ({@link Axe}): a test that visited a page with a violation fails after it ran, listing every
 * violation of every page it visited (also written to {@code target/screenshots/<TestClass>/axe.txt}).
 * See docs/accessibility.md.
 */
public final class BrowserSession implements BeforeAllCallback, AfterAllCallback, AfterTestExecutionCallback {
  public static final String MISSING = "Chromium is not installed: run apt-get install -y chromium chromium-driver";
  public static final String CHROMIUM = setting("YISHI_CHROMIUM", "/usr/bin/chromium");
  public static final String CHROMEDRIVER = setting("YISHI_CHROMEDRIVER", "/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(15);

  private ChromeDriverService service;
  private ChromeDriver driver;
  private Path profile;
  private Path shots;
  private String base;
  private NodeExtension nodes;
  private int counter;
  /** The accessibility violations of the pages the running test visited. */
  private final List<String> violations = new java.util.ArrayList<>();

  private BrowserSession() {
  }

  public static BrowserSession perClass() {
    return new BrowserSession();
  }

  private static String setting(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  /** Fails with the install hint when Chromium or ChromeDriver is missing (also under CI=true / YISHI_BROWSER_TESTS=require). */
  public static void requireChromium() {
    for (String p : new String[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(Path.of(p))) {
        fail(MISSING + " (" + p + " not found; browser tests are part of the suite and are not skipped"
            + (System.getenv("CI") != null ? ", CI=true" : "") + ")");
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    requireChromium();
    String testClass = context.getRequiredTestClass().getSimpleName();
    shots = Path.of("target", "screenshots", testClass);
    if (Files.isDirectory(shots)) {
      try (Stream<Path> old = Files.list(shots)) {
        old.forEach(BrowserSession::deleteQuietly);
      }
    }
    Files.createDirectories(shots);
    Files.deleteIfExists(shots.resolve("axe.txt"));
    profile = Files.createTempDirectory("yishi-chromium-");
    service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .withLogFile(shots.resolve("chromedriver.log").toFile())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--disable-default-apps", "--disable-extensions", "--no-default-browser-check", "--password-store=basic",
        // names never resolve: the only host the browser may reach is the node on loopback
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        // no smooth scrolling (Bootstrap turns it on), so that a click lands where the element is
        "--force-prefers-reduced-motion", "--window-size=1280,900", "--lang=zh-CN", "--user-data-dir=" + profile.toAbsolutePath());
    // a browser set to Chinese, as the stations' users have it (the pages follow Accept-Language)
    options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "zh-CN,zh"));
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(WAIT);
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    if (context.getExecutionException().isPresent() && driver != null) {
      try {
        shoot("FAILED-" + context.getRequiredTestMethod().getName());
      } catch (RuntimeException ignored) {
        // the browser may be what failed; the test's own error is the one to report
      }
    }
    if (!violations.isEmpty()) {
      List<String> found = List.copyOf(violations);
      violations.clear();
      try {
        Files.write(shots.resolve("axe.txt"), found.stream().map(v -> context.getRequiredTestMethod().getName() + ": " + v).toList(),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // the failure below lists them anyway
      }
      fail(found.size() + " accessibility violation(s) (axe-core, WCAG 2 A/AA) on the pages this test visited:\n"
          + String.join("\n", found));
    }
  }

  /**
   * Runs the axe-core check on the page shown now (done after every {@link #open}, {@link #follow}
   * and {@link #submit}; call it after changing a page in place): its violations are reported when the test ends.
   */
  public BrowserSession checkAccessibility() {
    String where = path();
    for (String v : Axe.violations(driver)) {
      String line = where + " [" + pageTitle() + "] " + v;
      if (!violations.contains(line)) {
        violations.add(line);
      }
    }
    return this;
  }

  private String pageTitle() {
    try {
      return driver.getTitle();
    } catch (WebDriverException e) {
      return "";
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Quits Chromium and ChromeDriver and removes the profile directory. */
  public void close() {
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      driver = null;
      if (service != null && service.isRunning()) {
        service.stop();
      }
      if (profile != null) {
        try (Stream<Path> all = Files.walk(profile)) {
          all.sorted(Comparator.reverseOrder()).forEach(BrowserSession::deleteQuietly);
        } catch (IOException ignored) {
          // a temporary directory left behind is harmless
        }
      }
    }
  }

  public BrowserSession baseUrl(String url) {
    this.base = url;
    return this;
  }

  /**
   * Points the browser at the (first) node of {@code nodes}, read when the first page opens, so no
   * {@code @BeforeAll} is needed: {@code BrowserSession.perClass().on(NODE)} (declare NODE first).
   */
  public BrowserSession on(NodeExtension nodes) {
    this.nodes = nodes;
    return this;
  }

  public WebDriver driver() {
    return driver;
  }

  // ---- viewports

  /** A phone: 375×812 CSS pixels, touch-sized, honouring the page's viewport meta tag. */
  public BrowserSession phone() {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        Map.of("width", 375, "height", 812, "deviceScaleFactor", 2, "mobile", true));
    return this;
  }

  /** Back to the 1280×900 desktop window. */
  public BrowserSession desktop() {
    driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    return this;
  }

  // ---- navigation (each page reached is screenshotted)

  /** Types {@code path} into the address bar. */
  public BrowserSession open(String path) {
    return open(path, null);
  }

  public BrowserSession open(String path, String name) {
    driver.get((base == null && nodes != null ? nodes.node().baseUrl() : base) + path);
    waitReady();
    shoot(name);
    checkAccessibility();
    return this;
  }

  /** Clicks a link or button that loads another page, waits for it and screenshots it. */
  public BrowserSession follow(By target) {
    return follow(target, null);
  }

  public BrowserSession follow(By target, String name) {
    WebElement html = driver.findElement(By.tagName("html"));
    WebElement el = find(target);
    openMenuFor(el);
    scrollIntoView(el);
    el.click();
    new WebDriverWait(driver, WAIT).until(d -> replaced(html));
    waitReady();
    shoot(name);
    checkAccessibility();
    return this;
  }

  /** On a phone the header's links sit in a collapsed menu: opens it (as a user would) when {@code el} is hidden there. */
  private void openMenuFor(WebElement el) {
    if (!el.isDisplayed()) {
      List<WebElement> toggle = driver.findElements(By.cssSelector("label.nav-toggle-label"));
      if (!toggle.isEmpty() && toggle.get(0).isDisplayed()) {
        toggle.get(0).click();
      }
    }
  }

  /** Clicks a form's submit button (the page that answers is screenshotted). */
  public BrowserSession submit(By button) {
    return follow(button, null);
  }

  public BrowserSession submit(By button, String name) {
    return follow(button, name);
  }

  // ---- forms

  /** Clicks into a field and types, as a user would (the field is cleared first). */
  public BrowserSession type(By field, String text) {
    WebElement el = find(field);
    scrollIntoView(el);
    el.clear();
    el.sendKeys(text);
    return this;
  }

  /** Picks an option of a select by its value. */
  public BrowserSession select(By field, String value) {
    WebElement el = find(field);
    scrollIntoView(el);
    new Select(el).selectByValue(value);
    return this;
  }

  /** Picks an option of a select by the text shown (trimmed, including the indent of villages). */
  public BrowserSession selectText(By field, String visibleText) {
    WebElement el = find(field);
    scrollIntoView(el);
    new Select(el).selectByVisibleText(visibleText);
    return this;
  }

  /** Clicks a radio button, checkbox or other element that does not leave the page. */
  public BrowserSession click(By target) {
    WebElement el = find(target);
    scrollIntoView(el);
    el.click();
    return this;
  }

  /**
   * Sets an input's value through the DOM and fires input/change, for the controls whose typing
   * differs between platforms (datetime-local pickers in headless Chromium).
   */
  public BrowserSession setValue(By field, String value) {
    WebElement el = find(field);
    js("arguments[0].value = arguments[1];"
        + "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        + "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value);
    return this;
  }

  // ---- reading the page

  public WebElement find(By by) {
    return new WebDriverWait(driver, WAIT).until(ExpectedConditions.presenceOfElementLocated(by));
  }

  public boolean present(By by) {
    return !driver.findElements(by).isEmpty();
  }

  public String text(By by) {
    return find(by).getText().strip();
  }

  /** The text a user sees on the page. */
  public String pageText() {
    return driver.findElement(By.tagName("body")).getText();
  }

  public String path() {
    URI u = URI.create(driver.getCurrentUrl());
    return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
  }

  public Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  // ---- signing in and out through the pages

  /** Signs in on the login page (signing out first when someone is signed in). */
  public BrowserSession signIn(String username, String password) {
    if (present(By.cssSelector("form[action='/logout'] button"))) {
      signOut();
    }
    open("/login", "login-" + username);
    type(By.id("f-username"), username);
    type(By.id("f-password"), password);
    submit(By.cssSelector("form[action='/login'] button[type=submit]"), "signed-in-" + username);
    assertFalse(path().startsWith("/login"), () -> "sign-in of " + username + " failed: " + pageText());
    return this;
  }

  public BrowserSession signOut() {
    return submit(By.cssSelector("form[action='/logout'] button"), "signed-out");
  }

  // ---- screenshots

  /** Saves the whole page as {@code <nn>-<name>.png} (the name defaults to the page's path). */
  public Path shoot(String name) {
    String label = name != null ? name : path().replaceAll("^/", "").replaceAll("[^A-Za-z0-9._-]+", "-");
    if (label.isBlank()) {
      label = "home";
    }
    Path file = shots.resolve(String.format("%02d-%s.png", ++counter, label.length() > 60 ? label.substring(0, 60) : label));
    Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
    @SuppressWarnings("unchecked")
    Map<String, Object> content = (Map<String, Object>) metrics.get("cssContentSize");
    @SuppressWarnings("unchecked")
    Map<String, Object> viewport = (Map<String, Object>) metrics.get("cssLayoutViewport");
    double width = Math.max(num(content.get("width")), num(viewport.get("clientWidth")));
    double height = Math.min(Math.max(num(content.get("height")), num(viewport.get("clientHeight"))), 8000);
    Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
        "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
    try {
      Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  /**
   * Whether the page that held {@code html} has been replaced. Chromium reports an element of a
   * document being torn down either as stale or, mid-navigation, as an inspector error ("Node with
   * given id does not belong to the document"); both mean the old page is gone.
   */
  private static boolean replaced(WebElement html) {
    try {
      html.isEnabled();
      return false;
    } catch (StaleElementReferenceException e) {
      return true;
    } catch (WebDriverException e) {
      if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
        return true;
      }
      throw e;
    }
  }

  private void waitReady() {
    new WebDriverWait(driver, WAIT).until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
  }

  private void scrollIntoView(WebElement el) {
    try {
      js("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el);
    } catch (NoSuchElementException ignored) {
      // the click reports it
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
