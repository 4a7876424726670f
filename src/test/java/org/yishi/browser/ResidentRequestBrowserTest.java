package org.yishi.browser;

import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resident at phone width, in a real Chromium without an account: submits a request with a photo
 * from the station's page, follows it while the coordinator takes it up into a topic and the
 * consultation runs to a rated outcome; a declined and a merged request; the challenge near the limit.
 */
class ResidentRequestBrowserTest {
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  private static final By SEND = By.cssSelector("form[action='/r/submit'] button[type=submit]");
  private static final By TRIAGE = By.cssSelector("form[action$='/triage'] button[type=submit]");
  private static final Pattern CODE = Pattern.compile("code=([0-9A-Z]{20})");
  private static Node node;
  private static long s1;

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestPostgres.freshDatabaseUrl());
    AccountFixtures f = AccountFixtures.create(node);
    s1 = f.stations.get(AccountFixtures.HAIMING);
    node.app().pool().query("UPDATE station SET status = 'active' WHERE id = " + s1).execute().await();
    browser.baseUrl(node.baseUrl()).phone();
  }

  @org.junit.jupiter.api.BeforeEach
  void forgetCounts() {
    node.app().pool().query("DELETE FROM resident_request_limit").execute().await();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static void fitsThePhone() {
    @SuppressWarnings("unchecked")
    List<Number> w = (List<Number>) browser.js("return [window.innerWidth, document.documentElement.scrollWidth]");
    assertTrue(w.get(1).intValue() <= w.get(0).intValue(), "scrolls sideways on a phone: " + w + " at " + browser.path());
  }

  /** Submits the station's form as a resident; answers the tracking code from the status page's address. */
  private static String raise(String category, String text, String phone, Path photo) {
    browser.open("/r/" + s1, "form-" + category);
    fitsThePhone();
    browser.select(By.id("f-category"), category).type(By.id("f-description"), text);
    if (phone != null) {
      browser.type(By.id("f-phone"), phone);
    }
    if (photo != null) {
      browser.find(By.id("f-photo")).sendKeys(photo.toAbsolutePath().toString());
    }
    if (browser.present(By.id("f-challenge"))) {
      Matcher q = Pattern.compile("(\\d+) 加 (\\d+)").matcher(browser.text(By.cssSelector("label[for=f-challenge]")));
      assertTrue(q.find());
      browser.type(By.id("f-challenge"), String.valueOf(Integer.parseInt(q.group(1)) + Integer.parseInt(q.group(2))));
    }
    browser.submit(SEND, "submitted-" + category);
    Matcher m = CODE.matcher(browser.path());
    assertTrue(m.find(), "on the status page: " + browser.path() + "\n" + browser.pageText());
    return m.group(1);
  }

  private static long idOf(String code) {
    return node.app().pool().preparedQuery("SELECT id FROM resident_request WHERE tracking_code = $1").execute(Tuple.of(code))
        .await().iterator().next().getLong(0);
  }

  private static void triage(long id, String action, Map<String, String> fields) {
    browser.open("/requests/" + id, "triage-" + id);
    fitsThePhone();
    browser.click(By.id("a-" + action));
    fields.forEach((field, value) -> {
      if ("f-target".equals(field)) {
        browser.select(By.id(field), value);
      } else {
        browser.type(By.id(field), value);
      }
    });
    browser.submit(TRIAGE, "triaged-" + id);
  }

  private static boolean done(String step) {
    return browser.present(By.cssSelector("#steps li.step-" + step + ".done"));
  }

  @Test
  void aResidentFollowsARequestWithAPhotoFromTheFormToTheRatedOutcome() throws Exception {
    Path photo = Files.createTempFile("street", ".png");
    photo.toFile().deleteOnExit();
    Files.write(photo, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
    String code = raise("urban_management", "幸福路口的井盖松动，车一过就响 <b>危险</b>", "13800138000", photo);
    assertTrue(done("received") && !done("accepted"), browser.pageText());
    assertTrue(browser.pageText().contains(code.substring(0, 5) + "-"));
    assertFalse(browser.pageText().contains("井盖") || browser.pageText().contains("13800138000"), "nothing personal");
    fitsThePhone();
    long id = idOf(code);

    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/", "queue");
    assertTrue(browser.present(By.cssSelector("#queue-residentRequests a[href='/requests/" + id + "']")), "in the work queue");
    browser.open("/requests/" + id, "request");
    assertTrue(browser.text(By.id("request-description")).contains("<b>危险</b>"), "shown as typed, escaped");
    assertEquals("13800138000", browser.text(By.id("request-phone")));
    triage(id, "accept", Map.of("f-title", "幸福路口井盖维修"));
    assertEquals("已转为议题", browser.text(By.id("request-status")));
    long topic = (Long) node.app().pool().preparedQuery("SELECT topic_id FROM topic_request WHERE request_id = $1")
        .execute(Tuple.of(id)).await().iterator().next().getLong(0);
    browser.signOut();

    browser.open("/r/track?code=" + code, "accepted");
    assertTrue(done("accepted") && !done("held"));

    // the meeting and its outcome are run through their own pages in ConsultationJourneyBrowserTest
    var pool = node.app().pool();
    pool.preparedQuery("UPDATE topic SET status = 'approved', q1_answer = true, q1_reason = '民生', q2_answer = true, q2_reason = '适合' WHERE id = $1")
        .execute(Tuple.of(topic)).await();
    long meeting = pool.preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
            SELECT id, station_id, division_code, now() - interval '3 hours', now() - interval '2 hours', '议事室', 'on_site', 'grassroots', 'held'
              FROM topic WHERE id = $1 RETURNING id""").execute(Tuple.of(topic)).await().iterator().next().getLong(0);
    browser.open("/r/track?code=" + code, "held");
    assertTrue(done("held") && !done("outcome"));
    long outcome = pool.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
            SELECT id, station_id, division_code, '更换井盖', 'minutes', '区住建局', current_date + 30 FROM meeting WHERE id = $1 RETURNING id""")
        .execute(Tuple.of(meeting)).await().iterator().next().getLong(0);
    browser.open("/r/track?code=" + code, "outcome");
    assertTrue(done("outcome") && !done("implemented"));
    pool.preparedQuery("""
            UPDATE outcome SET status = 'closed', answer = 'adopted', reply = '已更换', answered_at = now(),
                   implementation_evidence = '照片', implemented_at = now(), satisfaction = 'satisfied', rated_at = now(), closed_at = now()
             WHERE id = $1""").execute(Tuple.of(outcome)).await();
    browser.open("/r/track?code=" + code, "rated");
    for (String step : new String[] {"received", "accepted", "held", "outcome", "implemented", "rated"}) {
      assertTrue(done(step), step + ": " + browser.pageText());
    }
    assertTrue(browser.pageText().contains("群众满意"));
    fitsThePhone();
  }

  @Test
  void declinedAndMergedRequestsAndTheChallenge() {
    String first = raise("ecology", "公园湖面有垃圾漂浮", null, null);
    String dup = raise("ecology", "公园湖里垃圾很多", null, null);
    String decl = raise("other", "请帮我找丢失的猫", null, null);
    browser.signIn("c1", AccountFixtures.PASSWORD);
    triage(idOf(first), "answer", Map.of("f-reply", "已安排保洁每日打捞"));
    triage(idOf(dup), "merge", Map.of("f-target", String.valueOf(idOf(first))));
    assertEquals("已合并", browser.text(By.id("request-status")));
    triage(idOf(decl), "decline", Map.of("f-reply", "不属于协商议事范围，可联系社区网格员"));
    browser.signOut();
    browser.open("/r/track?code=" + dup, "merged");
    assertTrue(done("merged") && done("answered") && browser.pageText().contains("已安排保洁每日打捞"), browser.pageText());
    browser.open("/r/track?code=" + decl, "declined");
    assertTrue(done("declined") && browser.pageText().contains("不属于协商议事范围"));
    browser.open("/r/track?code=" + "Z".repeat(20), "unknown");
    assertTrue(browser.present(By.id("unknown-code")));

    // near the address's limit the form asks a sum, which a person answers without any script
    Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
    for (Instant w : new Instant[] {hour, hour.plus(1, ChronoUnit.HOURS)}) {
      node.app().pool().preparedQuery("""
              INSERT INTO resident_request_limit (key, window_start, hits) VALUES ('address:127.0.0.1', $1, 5)
              ON CONFLICT (key, window_start) DO UPDATE SET hits = 5""")
          .execute(Tuple.of(OffsetDateTime.ofInstant(w, ZoneOffset.UTC))).await();
    }
    browser.open("/r/" + s1, "challenge");
    assertTrue(browser.present(By.id("f-challenge")), browser.pageText());
    String code = raise("health", "社区卫生站周末不开门", null, null);
    assertTrue(done("received"), code);
    // at the limit: refused, nothing stored
    node.app().pool().query("UPDATE resident_request_limit SET hits = 10 WHERE key = 'address:127.0.0.1'").execute().await();
    browser.open("/r/" + s1, "limited").select(By.id("f-category"), "health").type(By.id("f-description"), "再提一条");
    Matcher q = Pattern.compile("(\\d+) 加 (\\d+)").matcher(browser.text(By.cssSelector("label[for=f-challenge]")));
    assertTrue(q.find());
    browser.type(By.id("f-challenge"), String.valueOf(Integer.parseInt(q.group(1)) + Integer.parseInt(q.group(2))));
    browser.submit(SEND, "refused");
    assertTrue(browser.path().startsWith("/r/submit"), browser.path());
    assertEquals(0L, node.app().pool().query("SELECT count(*) FROM resident_request WHERE description = '再提一条'").execute().await()
        .iterator().next().getLong(0));
  }
}
