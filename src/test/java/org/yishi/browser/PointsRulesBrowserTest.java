package org.yishi.browser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.support.AccountFixtures;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.time.LocalDate;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * District staff keep their committee's points rules for a year on the page (axe-checked after every
 * page): the defaults shown, a rule added, a refused value shown under its field with nothing
 * written, a rule edited, one deleted after the confirmation; the page in English; another
 * district's staff are refused.
 */
class PointsRulesBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql sql;

  @Test
  void districtStaffAddEditAndDeleteRules() {
    long committee = f.committees.get(AccountFixtures.TAOBEI);
    int year = LocalDate.now(ZoneId.of("Asia/Shanghai")).getYear();
    String page = "/committees/" + committee + "/points-rules?year=" + year;
    String rows = "SELECT count(*) FROM member_points_rule WHERE committee_id = ? AND year = ?";
    browser.signIn("d1", AccountFixtures.PASSWORD).open(page, "points-rules-defaults");
    assertTrue(browser.text(By.id("rules-note")).contains("默认规则"), browser.pageText());
    assertTrue(browser.text(By.id("rules")).contains("出席会议"));

    // a refused value: the message under its field, nothing written
    browser.select(By.id("f-kind"), "suggested").type(By.id("f-points"), "5").type(By.id("f-per"), "0")
        .submit(By.id("rule-save"), "points-rules-refused");
    assertTrue(browser.text(By.id("e-per")).contains("1"), browser.pageText());
    assertEquals("true", browser.find(By.id("f-per")).getAttribute("aria-invalid"));
    assertEquals(0, sql.count(rows, committee, year));
    browser.type(By.id("f-points"), "-3").type(By.id("f-per"), "1").submit(By.id("rule-save"));
    assertTrue(browser.present(By.id("e-points")), browser.pageText());
    assertEquals(0, sql.count(rows, committee, year));

    // added: the defaults become the committee's rules, with the new one
    browser.select(By.id("f-kind"), "suggested").type(By.id("f-points"), "6").type(By.id("f-per"), "1").type(By.id("f-cap"), "12")
        .submit(By.id("rule-save"), "points-rules-added");
    assertTrue(browser.present(By.id("rules-saved")));
    assertTrue(browser.text(By.cssSelector("tr[data-kind='suggested']")).contains("提出建议"), browser.pageText());
    assertTrue(browser.text(By.cssSelector("tr[data-kind='suggested']")).contains("上限12分"), browser.pageText());
    assertEquals(8, sql.count(rows, committee, year), "the seven defaults and the new rule");

    // edited
    browser.follow(By.id("edit-attended"), "points-rules-edit").type(By.id("f-points"), "4").submit(By.id("rule-save"));
    assertEquals(4L, sql.count("SELECT points FROM member_points_rule WHERE committee_id = ? AND year = ? AND kind = 'attended'", committee, year));

    // deleted after the confirmation (the link alone deletes nothing)
    browser.follow(By.id("delete-checkin"), "points-rules-confirm");
    assertTrue(browser.text(By.id("confirm-delete")).contains("扫码签到"));
    assertEquals(8, sql.count(rows, committee, year));
    browser.submit(By.id("confirm-delete-button"), "points-rules-deleted");
    assertEquals(7, sql.count(rows, committee, year));
    assertFalse(browser.present(By.cssSelector("tr[data-kind='checkin']")));

    // in English
    browser.open("/lang/en?back=/member-ranking", "ranking-en").open(page, "points-rules-english");
    assertTrue(browser.text(By.id("rules-note")).contains("This committee's rules"), browser.pageText());
    assertTrue(browser.text(By.id("rules")).contains("Typical cases"));
    browser.open("/lang/zh?back=/", "back-to-chinese");
    browser.signOut();

    // another district's staff: refused
    browser.signIn("d2", AccountFixtures.PASSWORD).open(page);
    assertFalse(browser.present(By.id("rules")), browser.pageText());
    browser.signOut();
  }
}
