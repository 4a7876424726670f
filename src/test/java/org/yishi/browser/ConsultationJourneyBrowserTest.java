package org.yishi.browser;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consultation journey in a real Chromium, one step per test (in order, sharing the rows the
 * earlier steps made): a coordinator registers a station from a phone and the district approves
 * it; a topic is proposed and approved; a meeting is scheduled (and a clashing one refused) and
 * shows on the calendar; after it took place its record is filed and its outcome followed up to
 * closure. Every step is checked on the screen and in the database.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsultationJourneyBrowserTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");
  private static final String STATION = "幸福社区协商议事室";
  private static final String VILLAGE = "220802001001";   // a community under 海明街道, 洮北区
  private static final String TOPIC = "幸福社区停车难问题";

  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @RegisterExtension static final BrowserSession browser = BrowserSession.perClass().on(NODE);
  @FromNode private static Sql db;
  private static Long stationId;
  private static Long topicId;
  private static Long meetingId;
  private static Long outcomeId;
  private static ZonedDateTime meetingStart;

  private static long idIn(String path, String prefix) {
    Matcher m = Pattern.compile("^" + Pattern.quote(prefix) + "(\\d+)").matcher(path);
    assertTrue(m.find(), "expected " + prefix + "ID, on " + path);
    return Long.parseLong(m.group(1));
  }

  private static String status(String id) {
    return browser.text(By.id(id));
  }

  @Test
  @Order(1)
  void coordinatorRegistersAStationFromAPhoneAndTheDistrictApprovesIt() {
    browser.phone().signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/stations/new", "station-form-phone");
    WebElement division = browser.find(By.id("f-divisionCode"));
    String shown = new Select(division).getOptions().stream().filter(o -> VILLAGE.equals(o.getAttribute("value")))
        .findFirst().orElseThrow(() -> new AssertionError("the district's communities are offered")).getText().strip();
    assertTrue(shown.endsWith("社区") || shown.endsWith("村") || shown.endsWith("委会"), "a 村/社区: " + shown);

    browser.type(By.id("f-name"), STATION)
        .select(By.id("f-type"), "consultation_room")
        .select(By.id("f-divisionCode"), VILLAGE)
        .type(By.id("f-address"), "洮北区幸福街 8 号")
        .type(By.id("f-contactName"), "李桂兰")
        .type(By.id("f-contactPhone"), "0436-3456789")
        .type(By.id("f-openingHours"), "周一至周五 8:30-17:00")
        .submit(By.cssSelector("form[action='/stations'] button[type=submit]"), "station-registered");
    stationId = idIn(browser.path(), "/stations/");
    assertEquals("申请中", status("station-status"));
    assertTrue(browser.pageText().contains("已提交登记"), "the confirmation is shown");
    Map<String, Object> row = db.row("SELECT name, status, division_code, contact_phone FROM station WHERE id = ?", stationId);
    assertEquals(STATION, row.get("name"));
    assertEquals("pending", row.get("status"));
    assertEquals(VILLAGE, row.get("division_code"));
    assertEquals("0436-3456789", row.get("contact_phone"));
    assertEquals(1, db.count("SELECT count(*) FROM account_station s JOIN account a ON a.id = s.account_id"
        + " WHERE a.username = 'c1' AND s.station_id = ?", stationId), "the coordinator runs the new station");

    browser.desktop().signIn("d1", AccountFixtures.PASSWORD);
    browser.open("/stations/approvals", "station-approvals");
    browser.follow(By.linkText(STATION), "station-to-approve");
    assertEquals("申请中", status("station-status"));
    browser.submit(By.xpath("//form[input[@name='action' and @value='approve']]//button"), "station-approved");
    assertEquals("运行中", status("station-status"));
    assertEquals("active", db.value("SELECT status FROM station WHERE id = ?", stationId));
    assertEquals(1, db.count("SELECT count(*) FROM station_status_history WHERE station_id = ? AND to_status = 'active'", stationId));
    browser.open("/stations/approvals", "station-approvals-empty");
    assertFalse(browser.present(By.linkText(STATION)), "no longer waiting");
  }

  @Test
  @Order(2)
  void coordinatorProposesATopicAnsweringTheTwoQuestionsAndTheDistrictApprovesIt() {
    assertNotNull(stationId, "needs the station of the first step");
    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/topics", "topics");
    browser.follow(By.cssSelector("a[href='/topics/new']"), "topic-choose-station");
    if (browser.present(By.id("f-station"))) {
      browser.select(By.id("f-station"), String.valueOf(stationId))
          .submit(By.cssSelector("form[action='/topics/new'] button[type=submit]"), "topic-form");
    }
    assertTrue(browser.pageText().contains(STATION), "the form names the station");
    browser.type(By.id("f-title"), TOPIC);
    new Select(browser.find(By.id("f-category"))).selectByIndex(1);
    new Select(browser.find(By.id("f-source"))).selectByIndex(1);
    browser.type(By.id("f-proposer"), "幸福社区居民代表")
        .type(By.id("f-description"), "小区车位不足，夜间占道停车影响消防通道。")
        .click(By.id("f-q1-yes"))
        .type(By.id("f-q1Reason"), "涉及三百多户居民的切身利益")
        .click(By.id("f-q2-yes"))
        .type(By.id("f-q2Reason"), "需要物业、交警和居民共同商量")
        .submit(By.cssSelector("button[name=intent][value=submit]"), "topic-submitted");
    topicId = idIn(browser.path(), "/topics/");
    assertEquals("待审核", status("topic-status"));
    Map<String, Object> row = db.row("SELECT station_id, title, status, q1_answer, q2_answer, q1_reason FROM topic WHERE id = ?", topicId);
    assertEquals(stationId, ((Number) row.get("station_id")).longValue());
    assertEquals(TOPIC, row.get("title"));
    assertEquals("submitted", row.get("status"));
    assertEquals(Boolean.TRUE, row.get("q1_answer"));
    assertEquals(Boolean.TRUE, row.get("q2_answer"));
    assertEquals("涉及三百多户居民的切身利益", row.get("q1_reason"));

    browser.signIn("d1", AccountFixtures.PASSWORD);
    browser.open("/topics/approvals", "topic-approvals");
    browser.follow(By.linkText(TOPIC), "topic-to-approve");
    browser.submit(By.xpath("//form[input[@name='action' and @value='approve']]//button"), "topic-approved");
    assertEquals("已通过", status("topic-status"));
    assertEquals("approved", db.value("SELECT status FROM topic WHERE id = ?", topicId));
  }

  private static void fillMeeting(String start, String end) {
    browser.select(By.id("f-topicId"), String.valueOf(topicId))
        .setValue(By.id("f-startsAt"), start)
        .setValue(By.id("f-endsAt"), end)
        .click(By.id("fmt-on_site"))
        .type(By.id("f-venue"), "幸福社区党群服务中心二楼")
        .type(By.id("p-host"), "海明街道协商议事室")
        .type(By.id("p-responder"), "洮北区交警大队");
  }

  @Test
  @Order(3)
  void coordinatorSchedulesTheMeetingAnOverlappingOneIsRefusedAndTheCalendarShowsIt() {
    assertNotNull(topicId, "needs the approved topic of the second step");
    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/topics/" + topicId, "approved-topic");
    browser.follow(By.id("schedule-meeting"), "meeting-form");
    meetingStart = ZonedDateTime.now(SHANGHAI).plusDays(10).withHour(9).withMinute(0).withSecond(0).withNano(0);
    fillMeeting(meetingStart.toLocalDateTime().format(LOCAL), meetingStart.plusHours(2).toLocalDateTime().format(LOCAL));
    assertEquals(meetingStart.toLocalDateTime().format(LOCAL), browser.find(By.id("f-startsAt")).getAttribute("value"),
        "the datetime-local field took the value");
    browser.submit(By.cssSelector("form[action='/meetings'] button[type=submit]"), "meeting-scheduled");
    meetingId = idIn(browser.path(), "/meetings/");
    assertEquals("已安排", status("meeting-status"));
    assertTrue(browser.text(By.id("meeting-time")).startsWith(meetingStart.toLocalDateTime().format(LOCAL).replace('T', ' ')));
    Map<String, Object> row = db.row("SELECT topic_id, status, starts_at, ends_at, venue FROM meeting WHERE id = ?", meetingId);
    assertEquals(topicId, ((Number) row.get("topic_id")).longValue());
    assertEquals("scheduled", row.get("status"));
    assertEquals(meetingStart.toInstant(), ((java.sql.Timestamp) row.get("starts_at")).toInstant());
    assertEquals(meetingStart.plusHours(2).toInstant(), ((java.sql.Timestamp) row.get("ends_at")).toInstant());
    assertEquals(2, db.count("SELECT count(*) FROM meeting_participant WHERE meeting_id = ?", meetingId));

    browser.open("/meetings/new", "second-meeting-form");
    fillMeeting(meetingStart.plusHours(1).toLocalDateTime().format(LOCAL), meetingStart.plusHours(3).toLocalDateTime().format(LOCAL));
    browser.submit(By.cssSelector("form[action='/meetings'] button[type=submit]"), "meeting-clash");
    assertTrue(browser.text(By.id("clash")).startsWith("时间冲突"), browser.text(By.id("clash")));
    assertTrue(browser.text(By.id("clash")).contains(TOPIC), "the clash names the other meeting");
    assertEquals("幸福社区党群服务中心二楼", browser.find(By.id("f-venue")).getAttribute("value"), "the input is kept");
    assertEquals(1, db.count("SELECT count(*) FROM meeting WHERE topic_id = ?", topicId), "nothing written");

    browser.open("/calendar", "calendar");
    By day = By.cssSelector("td[data-date='" + meetingStart.toLocalDate() + "']");
    if (!browser.present(day)) {
      browser.follow(By.cssSelector("a[rel=next]"), "calendar-next-month");
    }
    WebElement cell = browser.find(day);
    WebElement item = cell.findElement(By.cssSelector("a.cal-item"));
    assertTrue(item.getText().startsWith("09:00 " + TOPIC), item.getText());
    assertEquals("/meetings/" + meetingId, java.net.URI.create(item.getAttribute("href")).getPath());
  }

  @Test
  @Order(4)
  void afterTheMeetingTheRecordIsFiledAndTheOutcomeIsFollowedUpToClosure() {
    assertNotNull(meetingId, "needs the meeting of the third step");
    // test set-up: the meeting took place two days ago
    OffsetDateTime start = OffsetDateTime.now(SHANGHAI).minusDays(2).withHour(9).withMinute(0).withSecond(0).withNano(0);
    assertEquals(1, db.update("UPDATE meeting SET starts_at = ?, ends_at = ? WHERE id = ?", start, start.plusHours(2), meetingId));
    LocalDateTime local = start.atZoneSameInstant(SHANGHAI).toLocalDateTime();

    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/meetings/" + meetingId, "meeting-held");
    browser.follow(By.id("record-link"), "record-form");
    browser.click(By.id("held-yes"))
        .setValue(By.id("f-actualStart"), local.plusMinutes(5).format(LOCAL))
        .setValue(By.id("f-actualEnd"), local.plusHours(2).format(LOCAL))
        .type(By.id("att-members"), "3")
        .type(By.id("att-residents"), "25")
        .type(By.id("att-departments"), "2")
        .type(By.id("f-suggestionsCount"), "4")
        .click(By.id("f-consensus"))
        .type(By.id("f-minutes"), "居民代表、物业和交警大队协商，同意利用闲置空地增设 60 个停车位。")
        .submit(By.cssSelector("form[action='/meetings/" + meetingId + "/record'] button[type=submit]"), "record-filed");
    assertEquals("/meetings/" + meetingId + "/record", browser.path());
    assertEquals("已填报", status("record-status"));
    assertEquals("4", browser.text(By.id("record-suggestions")));
    Map<String, Object> record = db.row("SELECT held, suggestions_count, attendance_residents, consensus, status, actual_start"
        + " FROM meeting_record WHERE meeting_id = ?", meetingId);
    assertNotNull(record, "the record is written");
    assertEquals(Boolean.TRUE, record.get("held"));
    assertEquals(4, record.get("suggestions_count"));
    assertEquals(25, record.get("attendance_residents"));
    assertEquals(Boolean.TRUE, record.get("consensus"));
    assertEquals("filed", record.get("status"));
    assertEquals(start.plusMinutes(5).toInstant(), ((java.sql.Timestamp) record.get("actual_start")).toInstant());

    browser.open("/outcomes/new?meeting=" + meetingId, "outcome-form");
    browser.type(By.id("f-content"), "在幸福社区西侧空地增设 60 个停车位，夜间开放学校操场停车。")
        .select(By.id("f-form"), "suggestion_letter")
        .type(By.id("f-responsibleUnit"), "洮北区住房和城乡建设局")
        .type(By.id("f-application"), "以建议函报送区政府")
        .setValue(By.id("f-dueOn"), java.time.LocalDate.now(SHANGHAI).plusDays(30).toString())
        .submit(By.cssSelector("form[action='/outcomes'] button[type=submit]"), "outcome-referred");
    outcomeId = idIn(browser.path(), "/outcomes/");
    assertEquals("已交办", status("outcome-status"));
    assertEquals("referred", db.value("SELECT status FROM outcome WHERE id = ?", outcomeId));
    assertEquals(meetingId, ((Number) db.value("SELECT meeting_id FROM outcome WHERE id = ?", outcomeId)).longValue());

    browser.signIn("d1", AccountFixtures.PASSWORD);
    browser.open("/outcomes/" + outcomeId, "outcome-to-answer");
    browser.select(By.id("s-answer"), "adopted")
        .type(By.id("s-reply"), "区住建局已将停车位建设列入年度计划。")
        .submit(By.cssSelector("#step-answer button[type=submit]"), "outcome-answered");
    assertEquals("已答复", status("outcome-status"));
    assertEquals("answered", db.value("SELECT status FROM outcome WHERE id = ?", outcomeId));
    assertEquals("adopted", db.value("SELECT answer FROM outcome WHERE id = ?", outcomeId));

    browser.type(By.id("s-evidence"), "60 个停车位已于本月建成并投入使用。")
        .submit(By.cssSelector("#step-implement button[type=submit]"), "outcome-implemented");
    assertEquals("已落实", status("outcome-status"));
    assertEquals("implemented", db.value("SELECT status FROM outcome WHERE id = ?", outcomeId));

    browser.signIn("c1", AccountFixtures.PASSWORD);
    browser.open("/outcomes/" + outcomeId, "outcome-to-close");
    browser.select(By.id("s-satisfaction"), "satisfied")
        .type(By.id("s-comment"), "居民普遍满意")
        .type(By.id("s-effectiveness"), "夜间占道停车明显减少，消防通道畅通。")
        .submit(By.cssSelector("#step-close button[type=submit]"), "outcome-closed");
    assertEquals("已办结", status("outcome-status"));
    assertTrue(browser.pageText().contains("居民普遍满意"));
    Map<String, Object> closed = db.row("SELECT status, satisfaction, satisfaction_comment, closed_at FROM outcome WHERE id = ?", outcomeId);
    assertEquals("closed", closed.get("status"));
    assertEquals("satisfied", closed.get("satisfaction"));
    assertEquals("居民普遍满意", closed.get("satisfaction_comment"));
    assertNotNull(closed.get("closed_at"));
    assertEquals(4, db.count("SELECT count(*) FROM outcome_history WHERE outcome_id = ?", outcomeId), "created, answered, implemented, closed");
  }
}
