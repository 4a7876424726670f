package org.yishi.browser;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.support.AccountFixtures;
import org.yishi.meeting.MeetingService;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.BrowserSession;
import org.yishi.support.Http;

import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a phone: a member opens the meeting's code link and is checked in; a resident checks in by
 * choosing a role; then the coordinator files the record, whose attendance the check-ins filled in.
 */
class CheckinBrowserTest {
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  @RegisterExtension
  static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql db;

  @BeforeAll
  static void start() throws Exception {
    Api api = new Api(node.baseUrl());
    assertEquals(201, api.call("POST", "/api/v1/members/" + f.taobeiMember + "/account", api.token("d1", AccountFixtures.PASSWORD),
        new JsonObject().put("username", "wangjianguo").encode()).statusCode());
    db.execute("UPDATE account SET password_hash = (SELECT password_hash FROM account WHERE username = 'c1'),"
        + " must_change_password = false WHERE username = 'wangjianguo'");
    browser.baseUrl(node.baseUrl()).phone();
  }

  @Test
  void memberAndResidentScanThenTheCoordinatorFilesTheRecord() throws Exception {
    long topic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "楼道堆物清理");
    OffsetDateTime ahead = OffsetDateTime.now().plusDays(120).withHour(9).withMinute(0).withSecond(0).withNano(0);
    long meeting = node.services().meetings().schedule(
        node.accounts().store().byUsername("admin").await().principal(),
        new MeetingService.MeetingInput(topic, ahead, ahead.plusHours(2), "社区会议室", "on_site", null, "grassroots", null, null,
            List.of(), List.of(f.taobeiMember))).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '110 minutes'"
        + " WHERE id = " + meeting).execute().await();
    Api api = new Api(node.baseUrl());
    String link = Http.json(api.get("/api/v1/meetings/" + meeting + "/checkins", api.token("c1", AccountFixtures.PASSWORD))).getString("path");

    // the member, signed in on the phone, opens the link: checked in
    browser.signIn("wangjianguo", AccountFixtures.PASSWORD);
    assertEquals("/my", browser.path());
    browser.open(link, "member-scan");
    assertTrue(browser.text(By.id("checkin-done")).contains("签到成功"), browser.pageText());
    assertTrue(browser.text(By.id("checkin-done")).contains("王建国"));
    browser.signOut();

    // a resident: chooses a role, name left empty
    browser.open(link, "resident-form");
    assertTrue(browser.text(By.id("privacy-note")).contains("隐私说明"));
    browser.click(By.cssSelector("label[for=role-residents]"));
    browser.submit(By.id("checkin-submit"), "resident-done");
    assertTrue(browser.text(By.id("checkin-done")).contains("签到成功"), browser.pageText());
    assertTrue(browser.text(By.id("checkin-done")).contains("群众"));

    // the coordinator sees both, opens the record form filled from them and files it
    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/meetings/" + meeting + "/checkin", "coordinator-checkins");
    assertEquals("1", browser.text(By.cssSelector("#checkin-counts dd[data-role=members]")));
    assertEquals("1", browser.text(By.cssSelector("#checkin-counts dd[data-role=residents]")));
    browser.follow(By.id("to-record"), "record-form");
    assertEquals("1", browser.find(By.id("att-members")).getAttribute("value"));
    assertEquals("1", browser.find(By.id("att-residents")).getAttribute("value"));
    assertTrue(browser.find(By.id("am-" + f.taobeiMember)).isSelected(), "the member who checked in is ticked");
    browser.submit(By.cssSelector("form[action='/meetings/" + meeting + "/record'] button[type=submit]"), "record-filed");
    assertTrue(browser.pageText().contains("王建国"), browser.pageText());
    var filed = db.row("SELECT attendance_members, attendance_residents, (SELECT count(*) FROM meeting_attendee WHERE meeting_id = ?)"
        + " AS attendees FROM meeting_record WHERE meeting_id = ?", meeting, meeting);
    assertNotNull(filed, "the record is filed");
    assertEquals(1, ((Number) filed.get("attendance_members")).intValue());
    assertEquals(1, ((Number) filed.get("attendance_residents")).intValue());
    assertEquals(1, ((Number) filed.get("attendees")).intValue());
  }
}
