package org.yishi.stats;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every counter against hand-computed values, and the incrementally kept counters against a rebuild. */
class StatsTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  private static Pool pool;
  private static StatsFixtures fx;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long s1;
  private static long s2;

  @BeforeAll
  static void start() {
    pool = node.app().pool();
    fx = new StatsFixtures(pool);
    s1 = f.stations.get(AccountFixtures.HAIMING);   // 洮北区
    s2 = f.stations.get(AccountFixtures.TUANJIE);   // 洮南市
    sql("UPDATE station SET status = 'active' WHERE id IN (" + s1 + ", " + s2 + ")");
  }

  private static io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> sql(String q, Object... args) {
    return fx.sql(q, args);
  }

  private static long topic(long station, String status, String createdAt) {
    return fx.topic(station, status, createdAt);
  }

  private static long meeting(long topic, String start, String status, String format) {
    return fx.meeting(topic, start, status, format);
  }

  private static void record(long meeting, boolean held, int members, int residents, int suggestions, int filedDaysLater) {
    fx.record(meeting, held, members, residents, suggestions, filedDaysLater);
  }

  private static long outcome(long meeting, String status, String answer, String satisfaction, boolean typical, String due) {
    return fx.outcome(meeting, status, answer, satisfaction, typical, due);
  }

  @Test
  void everyCounterMatchesHandComputedValues() {
    // October 2025 (Asia/Shanghai): two topics and three meetings at s1 (洮北), one topic and meeting at s2 (洮南)
    long t1 = topic(s1, "approved", "2025-10-02T10:00:00+08:00");
    topic(s1, "rejected", "2025-10-03T10:00:00+08:00");
    long t2 = topic(s2, "approved", "2025-10-04T10:00:00+08:00");
    long a = meeting(t1, "2025-10-10T09:00:00+08:00", "held", "on_site");
    long b = meeting(t1, "2025-10-15T09:00:00+08:00", "not_held", "on_site");
    meeting(t1, "2025-10-20T09:00:00+08:00", "cancelled", "on_site");
    long d = meeting(t2, "2025-10-31T23:30:00+08:00", "held", "hybrid"); // still October in Shanghai (15:30 UTC)
    record(a, true, 2, 10, 5, 1);
    record(b, false, 0, 0, 0, 10);
    record(d, true, 1, 20, 3, 0);
    sql("INSERT INTO meeting_attendee (meeting_id, member_id) VALUES ($1, $2)", a, f.taobeiMember);
    outcome(a, "closed", "adopted", "satisfied", true, "2025-12-01");
    outcome(a, "answered", "partly_adopted", null, false, "2025-12-01");
    outcome(d, "referred", null, null, false, "2025-11-15"); // overdue now

    JsonObject taobei = rollup(AccountFixtures.TAOBEI, "2025-10", "2025-10").getJsonObject("totals");
    assertEquals(1, taobei.getLong("meetings_held"));
    assertEquals(1, taobei.getLong("meetings_not_held"));
    assertEquals(1, taobei.getLong("meetings_cancelled"));
    assertEquals(0, taobei.getLong("meetings_online"));
    assertEquals(2, taobei.getLong("attendance_members"));
    assertEquals(10, taobei.getLong("attendance_residents"));
    assertEquals(1, taobei.getLong("attendance_departments"));
    assertEquals(1, taobei.getLong("members_attending"));
    assertEquals(5, taobei.getLong("suggestions"));
    assertEquals(2, taobei.getLong("records_filed"));
    assertEquals(1, taobei.getLong("records_filed_on_time"));
    assertEquals(0.5, taobei.getDouble("record_filing_rate"));
    assertEquals(2, taobei.getLong("outcomes"));
    assertEquals(2, taobei.getLong("outcomes_answered"));
    assertEquals(1, taobei.getLong("outcomes_adopted"));
    assertEquals(1, taobei.getLong("outcomes_partly_adopted"));
    assertEquals(1, taobei.getLong("outcomes_implemented"));
    assertEquals(1, taobei.getLong("outcomes_closed"));
    assertEquals(1.0, taobei.getDouble("reply_rate"));
    assertEquals(1, taobei.getLong("satisfied"));
    assertEquals(1.0, taobei.getDouble("satisfaction_rate"));
    assertEquals(1, taobei.getLong("typical_cases"));
    assertEquals(2, taobei.getLong("topics_proposed"));
    assertEquals(1, taobei.getLong("topics_approved"));
    assertEquals(1, taobei.getLong("topics_rejected"));
    assertEquals(1, taobei.getLong("stations_registered"), "the pending 长庆 station is not registered yet");
    assertEquals(1, taobei.getLong("stations_active"));
    assertEquals(0, taobei.getLong("stations_dormant"));
    assertEquals(0, taobei.getLong("overdue_referrals"));

    JsonObject city = rollup(AccountFixtures.BAICHENG, "2025-10", "2025-10");
    JsonObject totals = city.getJsonObject("totals");
    assertEquals(2, totals.getLong("meetings_held"));
    assertEquals(1, totals.getLong("meetings_online"));
    assertEquals(30, totals.getLong("attendance_residents"));
    assertEquals(8, totals.getLong("suggestions"));
    assertEquals(3, totals.getLong("outcomes"));
    assertEquals(0.6667, totals.getDouble("reply_rate"));
    assertEquals(1, totals.getLong("overdue_referrals"));
    assertEquals(2, totals.getLong("stations_registered"));
    assertEquals(6, city.getJsonArray("children").size(), "the six county-level units of 白城市");
    JsonObject taonan = city.getJsonArray("children").stream().map(o -> (JsonObject) o)
        .filter(c -> c.getString("code").equals(AccountFixtures.TAONAN)).findFirst().orElseThrow();
    assertEquals("洮南市", taonan.getString("name"));
    assertEquals(1, taonan.getLong("meetings_held"));
    assertEquals(1, taonan.getLong("overdue_referrals"));
    assertNull(taonan.getValue("satisfaction_rate"), "no rating yet: no rate, not zero");
    assertTrue(taonan.getDouble("coverage_townships") > 0);

    JsonObject november = rollup(AccountFixtures.TAOBEI, "2025-11", "2025-11").getJsonObject("totals");
    assertEquals(0, november.getLong("meetings_held"), "months are separate");
  }

  private static JsonObject rollup(String division, String from, String to) {
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + division + "&from=" + from + "&to=" + to,
        api.token("admin", TestNodes.ADMIN_PASSWORD));
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  @Test
  void incrementalCountersEqualARebuildAfterRandomChanges() {
    Random random = new Random(7);
    long t = topic(s1, "approved", "2025-06-02T10:00:00+08:00");
    long u = topic(s2, "submitted", "2025-06-03T10:00:00+08:00");
    long committee = f.committees.get(AccountFixtures.TAOBEI);
    long plan = sql("INSERT INTO plan (committee_id, year, title) VALUES ($1, 2025, '计划') RETURNING id", committee)
        .iterator().next().getLong(0);
    List<Long> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add(sql("INSERT INTO plan_item (plan_id, title, kind, category, target_quarter) VALUES ($1, $2, 'other', 'ecology', 2) RETURNING id",
          plan, "选题" + i).iterator().next().getLong(0));
    }
    List<Long> members = new ArrayList<>(List.of(f.taobeiMember));
    for (int i = 0; i < 2; i++) {
      members.add(sql("INSERT INTO member (name, sector, committee_id) VALUES ($1, '教育界', $2) RETURNING id", "委员" + i, committee)
          .iterator().next().getLong(0));
    }
    String[] kinds = {"forum", "grassroots", "sector", "thematic_consultation"};
    String[] categories = {"livelihood", "ecology", "economy"};
    String[] forms = {"minutes", "proposal", "bulletin"};
    List<Long> meetings = new ArrayList<>();
    List<Long> outcomes = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      int op = random.nextInt(16);
      String month = String.format("2025-%02d", 1 + random.nextInt(9));
      long anyMeeting = meetings.isEmpty() ? -1 : meetings.get(random.nextInt(meetings.size()));
      switch (op) {
        case 0, 1 -> meetings.add(meeting(random.nextBoolean() ? t : u, month + "-" + (10 + random.nextInt(15))
            + "T09:" + (10 + random.nextInt(40)) + ":00+08:00", random.nextBoolean() ? "held" : "scheduled", "on_site"));
        case 2 -> {
          if (anyMeeting > 0 && sql("SELECT 1 FROM meeting_record WHERE meeting_id = $1", anyMeeting).size() == 0) {
            record(anyMeeting, random.nextBoolean(), random.nextInt(5), random.nextInt(40), random.nextInt(10), random.nextInt(12));
          }
        }
        case 3 -> {
          if (anyMeeting > 0) {
            outcomes.add(outcome(anyMeeting, "referred", null, null, false, "2025-12-31"));
          }
        }
        case 4 -> {
          if (!outcomes.isEmpty()) {
            sql("UPDATE outcome SET status = 'answered', answer = 'adopted', reply = '办', answered_at = now(), typical_case = $2,"
                + " form = $3 WHERE id = $1", outcomes.get(random.nextInt(outcomes.size())), random.nextBoolean(),
                forms[random.nextInt(forms.length)]);
          }
        }
        case 5 -> { // reschedule into another month
          if (anyMeeting > 0) {
            sql("UPDATE meeting SET starts_at = $2::timestamptz, ends_at = $2::timestamptz + interval '1 hour' WHERE id = $1",
                anyMeeting, java.time.OffsetDateTime.parse(month + "-05T" + (10 + random.nextInt(10)) + ":00:00+08:00"));
          }
        }
        case 6 -> {
          if (anyMeeting > 0) {
            sql("UPDATE meeting SET status = $2 WHERE id = $1", anyMeeting, random.nextBoolean() ? "cancelled" : "held");
          }
        }
        case 7 -> {
          if (!outcomes.isEmpty()) {
            sql("DELETE FROM outcome WHERE id = $1", outcomes.remove(random.nextInt(outcomes.size())));
          }
        }
        case 8 -> sql("UPDATE topic SET status = $2 WHERE id = $1", u, random.nextBoolean() ? "approved" : "rejected");
        case 9 -> { // a member ticked as attending, or no longer
          if (anyMeeting > 0) {
            long m = members.get(random.nextInt(members.size()));
            if (random.nextBoolean()) {
              sql("INSERT INTO meeting_attendee (meeting_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", anyMeeting, m);
            } else {
              sql("DELETE FROM meeting_attendee WHERE meeting_id = $1 AND member_id = $2", anyMeeting, m);
            }
          }
        }
        case 10 -> { // the kind and the format of a meeting change
          if (anyMeeting > 0) {
            String format = random.nextBoolean() ? "on_site" : random.nextBoolean() ? "online" : "hybrid";
            sql("UPDATE meeting SET kind = $2, format = $3, online_link = CASE WHEN $3 = 'on_site' THEN NULL ELSE 'https://m.example.invalid/y' END"
                + " WHERE id = $1", anyMeeting, kinds[random.nextInt(kinds.length)], format);
          }
        }
        case 11 -> sql("UPDATE topic SET category = $2 WHERE id = $1", random.nextBoolean() ? t : u,
            categories[random.nextInt(categories.length)]);
        case 12 -> sql("UPDATE topic SET plan_item_id = $2 WHERE id = $1", random.nextBoolean() ? t : u,
            random.nextInt(4) == 0 ? null : items.get(random.nextInt(items.size())));
        case 13 -> sql("UPDATE topic SET status = $2 WHERE id = $1", t, random.nextInt(3) == 0 ? "withdrawn" : "approved");
        case 14 -> { // the station moves to another township of the district, or back
          String to = sql("SELECT division_code FROM station WHERE id = $1", s1).iterator().next().getString(0)
              .equals(AccountFixtures.HAIMING) ? "220802003000" : AccountFixtures.HAIMING;
          sql("UPDATE station SET division_code = $2 WHERE id = $1", s1, to);
        }
        default -> { // a meeting moves to the other topic (and so to its category and plan item)
          if (anyMeeting > 0) {
            sql("UPDATE meeting SET topic_id = CASE WHEN topic_id = $2 THEN $3 ELSE $2 END WHERE id = $1 AND station_id = $4",
                anyMeeting, t, u, s1);
          }
        }
      }
    }
    sql("UPDATE station SET division_code = $2 WHERE id = $1", s1, AccountFixtures.HAIMING);
    assertCountersEqualARebuild();
  }

  /**
   * A transaction's lines are collected and applied at its commit, every 256 when there are many
   * (a bulk change): 300 outcomes, a status change and a topic's category change in one transaction
   * count as the same statements one by one would.
   */
  @Test
  void aTransactionCollectingManyLinesCountsAsItsStatementsDo() {
    long t = topic(s2, "approved", "2024-03-02T10:00:00+08:00");
    long scheduled = meeting(t, "2024-03-12T09:00:00+08:00", "scheduled", "on_site");
    long held = meeting(t, "2024-04-10T09:00:00+08:00", "held", "online");
    String[] forms = {"minutes", "proposal", "bulletin", "suggestion_letter"};
    pool.withTransaction(tx -> {
      io.vertx.core.Future<?> chain = io.vertx.core.Future.succeededFuture();
      for (int i = 0; i < 300; i++) {
        Tuple row = Tuple.of(i % 2 == 0 ? scheduled : held, "成果 " + i, forms[i % forms.length]);
        chain = chain.compose(v -> tx.preparedQuery("""
                INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
                SELECT m.id, m.station_id, m.division_code, $2, $3, '区住建局', DATE '2024-12-31' FROM meeting m WHERE m.id = $1""")
            .execute(row));
        if (i == 150) {
          chain = chain.compose(v -> tx.preparedQuery("UPDATE meeting SET status = 'held' WHERE id = $1").execute(Tuple.of(scheduled)));
        }
        if (i == 280) {
          chain = chain.compose(v -> tx.preparedQuery("UPDATE topic SET category = 'ecology' WHERE id = $1").execute(Tuple.of(t)));
        }
      }
      return chain;
    }).await();
    assertEquals(300, sql("SELECT count(*) FROM outcome WHERE meeting_id IN ($1, $2)", scheduled, held).iterator().next().getLong(0));
    assertCountersEqualARebuild();
  }

  /** Every table whose delta trigger may collect lines applies them at its transaction's commit. */
  @Test
  void everyTableWhoseDeltaTriggerCollectsLinesAppliesThemAtCommit() {
    String delta = rows("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE 'stats_delta_%' ORDER BY 1");
    String commit = rows("""
        SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'stats_commit' AND tgdeferrable AND tginitdeferred ORDER BY 1""");
    assertTrue(delta.lines().count() >= 5, delta);
    assertEquals(delta, commit);
  }

  private static void assertCountersEqualARebuild() {
    List<String> snapshots = List.of(
        "SELECT * FROM stats_station_month ORDER BY station_id, month",
        "SELECT * FROM stats_station_month_category ORDER BY station_id, month, category",
        "SELECT * FROM stats_member_month ORDER BY member_id, station_id, month, category",
        "SELECT * FROM stats_plan_item ORDER BY plan_item_id");
    List<String> incremental = snapshots.stream().map(StatsTest::rows).toList();
    HttpResponse<String> rebuilt = api.call("POST", "/api/v1/stats/rebuild", api.token("admin", TestNodes.ADMIN_PASSWORD), null);
    assertEquals(200, rebuilt.statusCode(), rebuilt.body());
    List<String> recount = snapshots.stream().map(StatsTest::rows).toList();
    for (int i = 0; i < snapshots.size(); i++) {
      assertTrue(recount.get(i).lines().count() >= (i == 3 ? 1 : 3), "there is something to compare: " + snapshots.get(i));
      assertEquals(incremental.get(i), recount.get(i), "the counters kept by the triggers equal a recount from the raw rows: "
          + snapshots.get(i));
    }
    // the category rows add up to the totals, and the members' rows to members_attending
    assertEquals(rows("""
        SELECT station_id, month, meetings_held, outcomes, topics_proposed, members_attending FROM stats_station_month
         ORDER BY station_id, month"""), rows("""
        SELECT station_id, month, sum(meetings_held)::int AS meetings_held, sum(outcomes)::int AS outcomes,
               sum(topics_proposed)::int AS topics_proposed, sum(members_attending)::int AS members_attending
          FROM stats_station_month_category GROUP BY station_id, month ORDER BY station_id, month"""));
    assertEquals(rows("SELECT coalesce(sum(members_attending), 0) FROM stats_station_month"),
        rows("SELECT coalesce(sum(meetings_attended), 0) FROM stats_member_month"));
  }

  @Test
  void concurrentWritersToOneStationMonthLoseNoCount() {
    long t = topic(s2, "approved", "2024-03-01T10:00:00+08:00");
    List<io.vertx.core.Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < 24; i++) { // separate autocommit transactions on several pool connections at once
      java.time.OffsetDateTime start = java.time.OffsetDateTime.parse("2024-03-05T08:00:00+08:00").plusMinutes(20L * i);
      writes.add(pool.preparedQuery("""
              INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
              SELECT id, station_id, division_code, $2, $2 + interval '10 minutes', '室', 'on_site', 'forum', 'held'
                FROM topic WHERE id = $1""").execute(Tuple.of(t, start)));
    }
    io.vertx.core.Future.all(writes).await();
    long counted = sql("SELECT meetings_held FROM stats_station_month WHERE station_id = $1 AND month = '2024-03-01'", s2)
        .iterator().next().getLong(0);
    assertEquals(24, counted, "every concurrent insert counted once");
  }

  @Test
  void aRebuildHoldsOneTableLockNotALockPerStationMonth() {
    long t = topic(s1, "approved", "2023-01-03T10:00:00+08:00");
    for (int month = 1; month <= 12; month++) { // a dozen station-months: the old rebuild held a dozen advisory locks
      meeting(t, String.format("2023-%02d-10T09:00:00+08:00", month), "held", "on_site");
    }
    String before = rows("SELECT station_id, month, meetings_held FROM stats_station_month ORDER BY 1, 2");
    long advisory = pool.withTransaction(tx -> tx.query("SELECT stats_rebuild()").execute()
        .compose(v -> tx.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()").execute())
        .map(r -> r.iterator().next().getLong(0))).await();
    assertEquals(0, advisory, "the rebuild's locks do not grow with the number of station-months (lock memory)");
    assertEquals(before, rows("SELECT station_id, month, meetings_held FROM stats_station_month ORDER BY 1, 2"), "and it counts the same");
    long t2 = topic(s1, "approved", "2023-02-03T10:00:00+08:00");
    meeting(t2, "2023-02-20T09:00:00+08:00", "held", "on_site");
    assertEquals(2, sql("SELECT meetings_held FROM stats_station_month WHERE station_id = $1 AND month = '2023-02-01'", s1)
        .iterator().next().getInteger(0), "writes after a rebuild are counted by their triggers as before");
  }

  @Test
  void aTransactionWritesEachCounterRowItChangesOnceAtCommit() {
    long t = topic(s1, "approved", "2022-04-02T10:00:00+08:00");
    long april = meeting(t, "2022-04-10T09:00:00+08:00", "scheduled", "on_site");
    long may = meeting(t, "2022-05-10T09:00:00+08:00", "scheduled", "on_site");
    // the counters are kept by deltas (issue 25): log every write of a station-month's total row, with its transaction
    sql("CREATE TABLE recount_log (station_id bigint, month date, tx bigint)");
    sql("""
        CREATE FUNCTION log_recount() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO recount_log VALUES (NEW.station_id, NEW.month, txid_current()); RETURN NULL; END $$""");
    sql("CREATE TRIGGER log_recount AFTER INSERT OR UPDATE ON stats_station_month FOR EACH ROW EXECUTE FUNCTION log_recount()");
    try {
      // what filing a record with three outcomes does, and more rows in two station-months, in ONE transaction
      long tx = pool.withTransaction(c -> c.query("SELECT txid_current()").execute().map(r -> r.iterator().next().getLong(0))
          .compose(id -> c.preparedQuery("UPDATE meeting SET status = 'held' WHERE id = ANY($1)")
              .execute(Tuple.of(new Long[] {april, may}))
              .compose(v -> c.preparedQuery("""
                  INSERT INTO meeting_record (meeting_id, held, actual_start, actual_end, attendance_members, attendance_residents,
                         suggestions_count, filed_at)
                  SELECT id, true, starts_at, ends_at, 2, 9, 4, ends_at FROM meeting WHERE id = ANY($1)""")
                  .execute(Tuple.of(new Long[] {april, may})))
              .compose(v -> c.preparedQuery("""
                  INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
                  SELECT m.id, m.station_id, m.division_code, '成果' || g, 'minutes', '区住建局', DATE '2022-12-31'
                    FROM meeting m, generate_series(1, 3) g WHERE m.id = $1""").execute(Tuple.of(april)))
              .compose(v -> c.preparedQuery("INSERT INTO meeting_attendee (meeting_id, member_id) VALUES ($1, $2)")
                  .execute(Tuple.of(april, f.taobeiMember)))
              .map(id))).await();
      assertEquals("""
          {"month":"2022-04-01","writes":1}
          {"month":"2022-05-01","writes":1}
          """, rows("SELECT month, count(*) AS writes FROM recount_log WHERE tx = " + tx + " AND station_id = " + s1
          + " GROUP BY month ORDER BY month"), "one upsert per transaction and counter row, at its commit (issue 25): the "
          + "lines of April's meetings' update, records, 3 outcomes and attendee, and of May's, are collected and applied once");
      assertEquals("""
          {"meetings_held":1,"records_filed":1,"attendance_residents":9,"outcomes":3,"outcomes_form_minutes":3,"members_attending":1,"topics_proposed":1}
          {"meetings_held":1,"records_filed":1,"attendance_residents":9,"outcomes":0,"outcomes_form_minutes":0,"members_attending":0,"topics_proposed":0}
          """, rows("""
          SELECT meetings_held, records_filed, attendance_residents, outcomes, outcomes_form_minutes, members_attending,
                 topics_proposed FROM stats_station_month WHERE station_id = $1 AND month IN ('2022-04-01', '2022-05-01')
           ORDER BY month""", s1), "and the deltas add up to the transaction's rows");

      // SET CONSTRAINTS ALL IMMEDIATE applies the lines collected so far; the later ones are applied at commit: all counted once
      pool.withTransaction(c -> proposal(c, april, "早")
          .compose(v -> c.query("SET CONSTRAINTS ALL IMMEDIATE").execute())
          .compose(v -> c.query("SET CONSTRAINTS ALL DEFERRED").execute())
          .compose(v -> proposal(c, april, "晚"))).await();
      assertEquals("{\"outcomes\":5,\"outcomes_form_proposal\":2}\n", rows("""
          SELECT outcomes, outcomes_form_proposal FROM stats_station_month WHERE station_id = $1 AND month = '2022-04-01'""", s1));

      // a recount in the transaction (the repair path) applies the collected lines first: the outcome is counted once
      pool.withTransaction(c -> proposal(c, april, "再")
          .compose(v -> c.preparedQuery("SELECT stats_refresh($1, DATE '2022-04-01')").execute(Tuple.of(s1)))
          .compose(v -> proposal(c, april, "又"))).await();
      assertEquals("{\"outcomes\":7,\"outcomes_form_proposal\":4}\n", rows("""
          SELECT outcomes, outcomes_form_proposal FROM stats_station_month WHERE station_id = $1 AND month = '2022-04-01'""", s1));

      // a rolled-back transaction leaves no count
      assertThrows(RuntimeException.class, () -> pool.withTransaction(c -> c.preparedQuery("DELETE FROM outcome WHERE meeting_id = $1")
          .execute(Tuple.of(april)).compose(v -> c.query("SELECT 1/0").execute())).await());
      assertEquals("{\"outcomes\":7}\n", rows("SELECT outcomes FROM stats_station_month WHERE station_id = $1 AND month = '2022-04-01'", s1));
    } finally {
      sql("DROP TRIGGER log_recount ON stats_station_month");
      sql("DROP FUNCTION log_recount()");
      sql("DROP TABLE recount_log");
    }
  }

  /** One outcome (a proposal) of {@code meeting}, written in {@code c}'s transaction. */
  private static io.vertx.core.Future<?> proposal(io.vertx.sqlclient.SqlConnection c, long meeting, String content) {
    return c.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
            SELECT id, station_id, division_code, $2, 'proposal', '区住建局', DATE '2022-12-31' FROM meeting WHERE id = $1""")
        .execute(Tuple.of(meeting, content));
  }

  private static String rows(String q, Object... args) {
    StringBuilder sb = new StringBuilder();
    sql(q, args).forEach(r -> sb.append(r.toJson().encode()).append('\n'));
    return sb.toString();
  }

  @Test
  void theDashboardShowsTheUnitWithDrillDownAndAChartBesideTheTable() {
    long t1 = topic(s1, "approved", "2024-05-02T10:00:00+08:00");
    long m = meeting(t1, "2024-05-10T09:00:00+08:00", "held", "on_site");
    record(m, true, 1, 12, 4, 1);
    sql("UPDATE division SET name = '海明街道</script><script>alert(1)</script>' WHERE code = $1", AccountFixtures.HAIMING);
    org.yishi.support.Browser d1 = new org.yishi.support.Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String page = d1.get("/stats?from=2024-05&to=2024-05").body();
    assertTrue(page.contains("id=\"stats-unit\">洮北区<"), "district staff start at their district");
    assertTrue(page.contains("data-key=\"meetings_held\">1<") && page.contains("data-key=\"suggestions\">4<"), "the period's figures");
    assertTrue(page.contains("/stats?division=" + AccountFixtures.HAIMING + "&amp;from=2024-05&amp;to=2024-05"), "drill down to a township");
    assertTrue(page.contains("id=\"stats-data\"") && page.contains("/webjars/echarts/5.5.0/echarts.min.js"), "chart data and ECharts from the jar");
    String data = page.substring(page.indexOf("id=\"stats-data\">"), page.indexOf("</script>", page.indexOf("id=\"stats-data\">")));
    assertTrue(data.contains("\\u003c/script>") && !data.contains("</script><script>"), "a name cannot close the data block");
    assertTrue(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"), "and it is escaped in the table");
    assertEquals(403, d1.get("/stats?division=" + AccountFixtures.TAONAN).statusCode());
    assertEquals(200, d1.get("/stats?division=" + AccountFixtures.HAIMING).statusCode(), "a township of the district");
    sql("UPDATE division SET name = '海明街道' WHERE code = $1", AccountFixtures.HAIMING);
  }

  @Test
  void badParametersAreFieldErrors() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    assertEquals(422, api.get("/api/v1/stats/rollup?division=2208", admin).statusCode());
    assertEquals(422, api.get("/api/v1/stats/rollup", admin).statusCode());
    assertEquals(404, api.get("/api/v1/stats/rollup?division=220899000000", admin).statusCode());
    assertEquals(422, api.get("/api/v1/stats/rollup?division=220800000000&from=2025-13", admin).statusCode());
    assertEquals(422, api.get("/api/v1/stats/rollup?division=220800000000&from=2025-10&to=2025-01", admin).statusCode());
    assertEquals(200, api.get("/api/v1/stats/rollup?division=220800000000", admin).statusCode(), "the last twelve months by default");
    assertEquals(403, api.get("/api/v1/stats/rollup?division=220800000000", api.token("d1", AccountFixtures.PASSWORD)).statusCode(),
        "district staff may not read the whole city");
  }
}
