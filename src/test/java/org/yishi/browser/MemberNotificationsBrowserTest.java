package org.yishi.browser;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * District staff set a committee member's contacts and notification choices on the member's
 * notifications page (axe-checked like every page): bad input is shown field by field with the
 * entered text escaped and nothing written; good input is stored.
 */
class MemberNotificationsBrowserTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;

  private static Row member() {
    return node.app().pool().preparedQuery("SELECT phone, email, (SELECT count(*) FROM notify_member_preference"
        + " WHERE member_id = $1) AS prefs FROM member WHERE id = $1").execute(Tuple.of(f.taobeiMember)).await().iterator().next();
  }

  @Test
  void staffSetAMembersContactsAndChoices() {
    String page = "/members/" + f.taobeiMember + "/notifications";
    browser.phone().signIn("d1", AccountFixtures.PASSWORD).open(page, "member-notifications");
    assertTrue(browser.pageText().contains("通知设置：王建国"), browser.pageText());
    browser.js("document.querySelectorAll('form').forEach(f => f.noValidate = true);");
    browser.setValue(By.id("f-phone"), "0436-1234567").setValue(By.id("f-email"), "<script>alert(1)</script>@x.cn")
        .submit(By.cssSelector("form[action='" + page + "'] button[type=submit]"), "member-notifications-errors");
    assertTrue(browser.pageText().contains("请输入 11 位手机号码") && browser.pageText().contains("须为电子邮箱地址"), browser.pageText());
    assertEquals("<script>alert(1)</script>@x.cn", browser.find(By.id("f-email")).getAttribute("value"), "shown back as text");
    assertNull(member().getString("phone"), "nothing written");
    assertEquals(0L, member().getLong("prefs"));

    browser.setValue(By.id("f-phone"), "13900000051").setValue(By.id("f-email"), "wang@example.org")
        .click(By.id("meeting_reminder.email"))
        .submit(By.cssSelector("form[action='" + page + "'] button[type=submit]"), "member-notifications-saved");
    assertTrue(browser.pageText().contains("已保存"), browser.pageText());
    assertEquals("13900000051", member().getString("phone"));
    assertEquals("wang@example.org", member().getString("email"));
    assertEquals(1L, member().getLong("prefs"));
  }
}
