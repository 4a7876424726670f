package org.yishi.report;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yishi.app.Node;
import org.yishi.platform.schedule.Cron;
import org.yishi.support.AccountFixtures;
import org.yishi.support.MovableClock;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three real members on 127.0.0.1 sharing one database, every scheduler ticking each second on one
 * moved clock: each scheduled period yields exactly one report per unit (白城市, 洮北区, 洮南市); after
 * all members were down for months, the first member back generates the missed periods.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportClusterTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final MovableClock CLOCK = new MovableClock();
  private static final List<Node> NODES = new ArrayList<>();
  private static List<Map<String, String>> envs;
  private static Sql sql;
  /** The first monthly fire after the test began: the next 1st of a month, 02:00 in Shanghai. */
  private static ZonedDateTime firstFire;

  @BeforeAll
  static void start() {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    sql = new Sql(pgUrl);
    // the district reports fire with the city's, so that whatever the time now, the first fire after it is the next for both
    envs = TestNodes.clusterEnvs(pgUrl, 3, Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "1", "YISHI_REPORT_CITY_YEARLY", "off",
        "YISHI_REPORT_DISTRICT_MONTHLY", "0 2 1 * *"));
    for (Map<String, String> env : envs) {
      NODES.add(TestNodes.start(env, CLOCK));
    }
    AccountFixtures.create(NODES.get(0));
    firstFire = Cron.parse("0 2 1 * *").next(ZonedDateTime.now(SHANGHAI), SHANGHAI).orElseThrow();
  }

  @AfterAll
  static void stop() {
    NODES.forEach(Node::close);
  }

  private static void awaitCount(String sqlText, long expected, Object... args) throws InterruptedException {
    long last = -1;
    for (int i = 0; i < 240; i++) {
      last = sql.count(sqlText, args);
      if (last == expected) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("expected " + expected + " from " + sqlText + ", last " + last);
  }

  private static void assertNoDuplicates() {
    assertEquals(0, sql.count("""
        SELECT count(*) FROM (SELECT kind, unit_code, period FROM report GROUP BY 1, 2, 3 HAVING count(*) > 1) d"""),
        "one report per kind, unit and period");
  }

  @Test
  @Order(1)
  void eachScheduledPeriodYieldsExactlyOneReport() throws Exception {
    String month = YearMonth.from(firstFire).minusMonths(1).toString();
    assertEquals(0, sql.count("SELECT count(*) FROM report"), "nothing is due before the first fire");
    // 02:40 on the 1st: the city report and the district reports (02:00) are due on all three members
    CLOCK.now = firstFire.plusMinutes(40).toInstant();
    awaitCount("SELECT count(*) FROM report WHERE kind = 'monthly' AND period = ?", 3, month);
    Thread.sleep(3_000); // three more ticks on every member
    assertEquals(3, sql.count("SELECT count(*) FROM report"));
    assertEquals(3, sql.count("SELECT count(*) FROM report WHERE trigger = 'schedule' AND version = 1"));
    assertEquals(new TreeSet<>(List.of(AccountFixtures.BAICHENG, AccountFixtures.TAOBEI, AccountFixtures.TAONAN)),
        new TreeSet<>(List.of(
            (String) sql.value("SELECT unit_code FROM report WHERE unit_level = 'city'"),
            (String) sql.value("SELECT min(unit_code) FROM report WHERE unit_level = 'county'"),
            (String) sql.value("SELECT max(unit_code) FROM report WHERE unit_level = 'county'"))));
    // the staff of each unit were told once
    for (String[] who : new String[][] {{"city", AccountFixtures.BAICHENG}, {"d1", AccountFixtures.TAOBEI}, {"d2", AccountFixtures.TAONAN}}) {
      assertEquals(1, sql.count("""
          SELECT count(*) FROM notification n JOIN account a ON a.id = n.account_id
           WHERE a.username = ? AND n.kind = 'report_ready'""", who[0]), who[0]);
    }
    // the next month's fire
    String next = YearMonth.from(firstFire).toString();
    CLOCK.now = firstFire.plusMonths(1).plusMinutes(40).toInstant();
    awaitCount("SELECT count(*) FROM report WHERE kind = 'monthly' AND period = ?", 3, next);
    Thread.sleep(2_000);
    assertEquals(6, sql.count("SELECT count(*) FROM report WHERE kind = 'monthly'"));
    assertNoDuplicates();
  }

  @Test
  @Order(2)
  void missedPeriodsAreCaughtUpAfterARestart() throws Exception {
    NODES.forEach(Node::close);
    NODES.clear();
    // every member was down for three monthly fires (and whatever quarter began meanwhile); one comes back
    ZonedDateTime back = firstFire.plusMonths(4).plusHours(5);
    CLOCK.now = back.toInstant();
    NODES.add(TestNodes.start(envs.get(1), CLOCK));
    // months: the two issued before, then three missed ones, for three units each
    awaitCount("SELECT count(*) FROM report WHERE kind = 'monthly'", 15);
    for (int m = 2; m <= 4; m++) {
      assertEquals(3, sql.count("SELECT count(*) FROM report WHERE kind = 'monthly' AND period = ? AND trigger = 'catch_up'",
          YearMonth.from(firstFire).plusMonths(m - 1).toString()));
    }
    // quarters: the quarter before each quarter start since the test began (the city only)
    TreeSet<String> quarters = new TreeSet<>();
    for (int m = 0; m <= 4; m++) {
      LocalDate first = firstFire.plusMonths(m).toLocalDate();
      if ((first.getMonthValue() - 1) % 3 == 0) {
        YearMonth before = YearMonth.from(first).minusMonths(1);
        quarters.add(before.getYear() + "-Q" + ((before.getMonthValue() - 1) / 3 + 1));
      }
    }
    awaitCount("SELECT count(*) FROM report WHERE kind = 'quarterly'", quarters.size());
    TreeSet<String> issued = new TreeSet<>();
    for (String q : quarters) {
      issued.add((String) sql.value("SELECT period FROM report WHERE kind = 'quarterly' AND period = ? AND unit_code = ?",
          q, AccountFixtures.BAICHENG));
    }
    assertEquals(quarters, issued);
    Thread.sleep(2_000);
    assertEquals(15 + quarters.size(), sql.count("SELECT count(*) FROM report"), "nothing more, nothing twice");
    assertNoDuplicates();
    // a quarterly report covers its three months
    if (!quarters.isEmpty()) {
      assertEquals(2, sql.count("""
          SELECT (extract(year FROM age(period_to, period_from)) * 12 + extract(month FROM age(period_to, period_from)))::int
            FROM report WHERE kind = 'quarterly' LIMIT 1"""));
    }
  }
}
