package org.yishi.platform;

import org.junit.jupiter.api.Test;
import org.yishi.platform.schedule.Cron;
import org.yishi.report.ReportPeriod;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The five-field cron parser (next and previous fire times, clear refusals) and report periods. */
class CronTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

  private static ZonedDateTime at(String local) {
    return java.time.LocalDateTime.parse(local).atZone(SHANGHAI);
  }

  @Test
  void monthlyOnTheFirstAtTwo() {
    Cron c = Cron.parse("0 2 1 * *");
    assertEquals(at("2025-04-01T02:00"), c.next(at("2025-03-01T02:00"), SHANGHAI).orElseThrow(), "strictly after");
    assertEquals(at("2025-03-01T02:00"), c.next(at("2025-02-14T10:00"), SHANGHAI).orElseThrow());
    assertEquals(at("2025-03-01T02:00"), c.previous(at("2025-03-01T02:00"), SHANGHAI).orElseThrow(), "at or before");
    assertEquals(at("2025-02-01T02:00"), c.previous(at("2025-03-01T01:59"), SHANGHAI).orElseThrow());
    assertEquals(at("2024-12-01T02:00"), c.previous(at("2025-01-01T00:00"), SHANGHAI).orElseThrow(), "across a year");
    // another zone's clock reads the same instants
    assertEquals(at("2025-03-01T02:00").toInstant(),
        c.next(at("2025-02-14T10:00").withZoneSameInstant(ZoneId.of("UTC")), SHANGHAI).orElseThrow().toInstant());
  }

  @Test
  void listsRangesStepsAndNames() {
    Cron quarterly = Cron.parse("0 3 1 1,4,7,10 *");
    assertEquals(at("2025-07-01T03:00"), quarterly.next(at("2025-04-01T03:00"), SHANGHAI).orElseThrow());
    Cron everyQuarterHour = Cron.parse("*/15 9-10 * * MON-FRI");
    assertEquals(at("2025-03-03T09:00"), everyQuarterHour.next(at("2025-03-01T12:00"), SHANGHAI).orElseThrow(), "Saturday → Monday");
    assertEquals(at("2025-03-03T10:45"), everyQuarterHour.previous(at("2025-03-03T11:30"), SHANGHAI).orElseThrow());
    assertEquals(at("2025-03-02T00:00"), Cron.parse("0 0 * * 7").next(at("2025-03-01T00:00"), SHANGHAI).orElseThrow(), "7 is Sunday");
    assertEquals(at("2025-03-02T00:00"), Cron.parse("0 0 * * sun").next(at("2025-03-01T00:00"), SHANGHAI).orElseThrow());
    assertEquals(at("2025-12-01T00:00"), Cron.parse("0 0 1 dec *").next(at("2025-03-01T00:00"), SHANGHAI).orElseThrow());
    // day of month and day of week both restricted: either matches (Vixie cron)
    Cron either = Cron.parse("0 8 15 * FRI");
    assertEquals(at("2025-03-07T08:00"), either.next(at("2025-03-01T00:00"), SHANGHAI).orElseThrow(), "a Friday first");
    assertEquals(at("2025-03-15T08:00"), either.next(at("2025-03-14T09:00"), SHANGHAI).orElseThrow(), "then the 15th");
    assertEquals(at("2028-02-29T00:00"), Cron.parse("0 0 29 2 *").next(at("2025-03-01T00:00"), SHANGHAI).orElseThrow(), "leap day");
    assertEquals("0 2 1 * *", Cron.parse("  0   2 1 * *\t").toString(), "normalised spacing");
  }

  private static String refusal(String expression) {
    return assertThrows(Cron.CronException.class, () -> Cron.parse(expression)).getMessage();
  }

  @Test
  void badExpressionsAreRefusedWithTheReason() {
    assertTrue(refusal("").contains("five fields"));
    assertTrue(refusal("0 2 1 *").contains("found 4"));
    assertTrue(refusal("0 2 1 * * *").contains("found 6"));
    assertTrue(refusal("60 2 1 * *").contains("minute: 60 is out of range (allowed 0-59)"));
    assertTrue(refusal("0 24 1 * *").contains("hour: 24 is out of range"));
    assertTrue(refusal("0 2 0 * *").contains("day of month: 0 is out of range"));
    assertTrue(refusal("0 2 1 13 *").contains("month: 13 is out of range"));
    assertTrue(refusal("0 2 1 * 8").contains("day of week: 8 is out of range"));
    assertTrue(refusal("0 2 1 FOO *").contains("month: 'FOO' is not a number"));
    assertTrue(refusal("a 2 1 * *").contains("minute: 'A' is not a number"));
    assertTrue(refusal("0 5-1 1 * *").contains("runs backwards"));
    assertTrue(refusal("*/0 2 1 * *").contains("step '0'"));
    assertTrue(refusal("0 2 1,,2 * *").contains("empty list item"));
    assertTrue(refusal("0 2 30 2 *").contains("never fires"));
    assertTrue(refusal("0 2 31 4,6,9,11 *").contains("never fires"));
    assertTrue(refusal("0 2 1 * * ; DROP TABLE report").contains("five fields"));
    assertTrue(refusal("1".repeat(300)).contains("too long"));
  }

  @Test
  void reportPeriods() {
    assertEquals("2025-02", ReportPeriod.before(ReportPeriod.Kind.MONTHLY, LocalDate.of(2025, 3, 1)).key());
    assertEquals("2024-12", ReportPeriod.before(ReportPeriod.Kind.MONTHLY, LocalDate.of(2025, 1, 1)).key());
    assertEquals("2024-Q4", ReportPeriod.before(ReportPeriod.Kind.QUARTERLY, LocalDate.of(2025, 1, 1)).key());
    assertEquals("2025-Q1", ReportPeriod.before(ReportPeriod.Kind.QUARTERLY, LocalDate.of(2025, 4, 1)).key());
    assertEquals("2024", ReportPeriod.before(ReportPeriod.Kind.YEARLY, LocalDate.of(2025, 1, 1)).key());
    ReportPeriod q = ReportPeriod.parse(ReportPeriod.Kind.QUARTERLY, "2025-q3", "period");
    assertEquals(YearMonth.of(2025, 7), q.from());
    assertEquals(YearMonth.of(2025, 9), q.to());
    assertEquals("2025-Q2", q.previous().key());
    assertEquals("2024-Q3", q.yearBefore().key());
    assertEquals("2024", ReportPeriod.parse(ReportPeriod.Kind.YEARLY, "2025", "p").previous().key());
    assertEquals("2024-03", ReportPeriod.parse(ReportPeriod.Kind.MONTHLY, "2025-03", "p").yearBefore().key());
    for (String bad : new String[] {"2025-13", "2025-3", "25-03", "2025-Q1", "", "2025-03-01"}) {
      assertThrows(org.yishi.platform.http.AppException.class, () -> ReportPeriod.parse(ReportPeriod.Kind.MONTHLY, bad, "p"), bad);
    }
    assertThrows(org.yishi.platform.http.AppException.class, () -> ReportPeriod.parse(ReportPeriod.Kind.QUARTERLY, "2025-Q0", "p"));
    assertThrows(org.yishi.platform.http.AppException.class, () -> ReportPeriod.parse(ReportPeriod.Kind.YEARLY, null, "p"));
  }
}
