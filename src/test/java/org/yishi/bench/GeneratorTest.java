package org.yishi.bench;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.support.TestPostgres;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark data generator at a tiny scale (洮北区 from the bundled national file): the same
 * inputs give byte-identical COPY text, and the rows load into a migrated database under every
 * check and exclusion constraint, with the roll-up rebuild counting exactly what was generated.
 */
class GeneratorTest {
  private static final LocalDate ANCHOR = LocalDate.of(2026, 3, 15);
  private static final String PREFIX = "220802";
  private static List<Divisions.Unit> units;

  @BeforeAll
  static void readDivisions() throws Exception {
    units = Divisions.read(Path.of("src/bench/resources/china-divisions.csv.gz"));
  }

  private static DataSet tiny(long seed, LocalDate anchor) {
    return new DataSet("tiny", PREFIX, 3, 1_500, 3, 300, 6, seed, anchor);
  }

  /** SHA-256 of each table's COPY text. */
  private static Map<Generator.Table, String> digest(DataSet set) throws Exception {
    Map<Generator.Table, MessageDigest> digests = new EnumMap<>(Generator.Table.class);
    new Generator(set, units, (t, chunk) -> digests.computeIfAbsent(t, k -> sha256()).update(chunk)).run();
    Map<Generator.Table, String> out = new EnumMap<>(Generator.Table.class);
    digests.forEach((t, d) -> out.put(t, HexFormat.of().formatHex(d.digest())));
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void sameInputsGiveTheSameRowsAndAnotherSeedOthers() throws Exception {
    Map<Generator.Table, String> first = digest(tiny(DataSet.SEED, ANCHOR));
    assertEquals(Generator.Table.values().length, first.size(), "every table gets rows");
    assertEquals(first, digest(tiny(DataSet.SEED, ANCHOR)));
    Map<Generator.Table, String> other = digest(tiny(DataSet.SEED + 1, ANCHOR));
    assertNotEquals(first.get(Generator.Table.MEETING), other.get(Generator.Table.MEETING));
    assertEquals(first.get(Generator.Table.COMMITTEE), other.get(Generator.Table.COMMITTEE), "committees do not depend on the seed");
  }

  @Test
  void rowsLoadUnderEveryConstraintAndTheRebuildCountsThem() throws Exception {
    String url = TestPostgres.freshDatabaseUrl();
    CopyLoader.Jdbc jdbc = CopyLoader.Jdbc.of(url);
    Flyway.configure().dataSource(jdbc.url(), jdbc.user(), null).locations("classpath:db/migration").placeholders(org.yishi.platform.db.Database.placeholders(org.yishi.platform.config.AppConfig.DEFAULT_ZONE)).load().migrate();
    try (Connection c = jdbc.open()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO division (code, name, level, parent_code) VALUES (?, ?, ?, ?)")) {
        for (Divisions.Unit u : units) {
          if (u.code().startsWith(PREFIX) || u.code().equals("220000000000") || u.code().equals("220800000000")) {
            ps.setString(1, u.code());
            ps.setString(2, u.name());
            ps.setString(3, u.level());
            ps.setString(4, u.parent());
            ps.addBatch();
          }
        }
        ps.executeBatch();
      }
      c.commit();
    }
    LocalDate today = LocalDate.now(Bench.SHANGHAI);
    DataSet set = tiny(DataSet.SEED, today);
    Generator.Counts counts;
    try (CopyLoader loader = new CopyLoader(jdbc)) {
      counts = new Generator(set, units, loader).run();
    }
    assertEquals(1_500, counts.historyMeetings(), "the history's meeting count is exact");
    long rebuilt = Bench.rebuild(jdbc, 2);
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      for (Generator.Table t : Generator.Table.values()) {
        assertEquals(counts.of(t), count(s, "SELECT count(*) FROM " + t.table), t.table);
      }
      assertEquals(1_500 + counts.pendingMeetings(), count(s, "SELECT count(*) FROM meeting"));
      long outcomes = counts.of(Generator.Table.OUTCOME);
      assertTrue(outcomes > 2.8 * 1_500 && outcomes <= 3 * 1_500, "about 3 outcomes per meeting: " + outcomes);
      // realistic mixes: every status, form and answer occurs
      assertEquals(4, count(s, "SELECT count(DISTINCT status) FROM meeting"));
      assertEquals(4, count(s, "SELECT count(DISTINCT status) FROM outcome"));
      assertEquals(5, count(s, "SELECT count(DISTINCT form) FROM outcome"));
      assertEquals(3, count(s, "SELECT count(DISTINCT satisfaction) FROM outcome"));
      // the write benchmark's fixture: past scheduled meetings without a record
      assertEquals(counts.pendingMeetings(), count(s, """
          SELECT count(*) FROM meeting m WHERE m.status = 'scheduled' AND m.ends_at < now()
             AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)"""));
      assertTrue(counts.pendingMeetings() > 250, "fixture: " + counts.pendingMeetings());
      // the rebuild counted exactly the raw rows
      long meetingMonths = count(s, "SELECT count(DISTINCT (station_id, stats_month(starts_at))) FROM meeting");
      assertTrue(rebuilt >= meetingMonths, "station-months counted " + rebuilt + " >= with meetings " + meetingMonths);
      assertEquals(count(s, "SELECT count(*) FROM meeting WHERE status = 'held'"),
          count(s, "SELECT sum(meetings_held) FROM stats_station_month"));
      assertEquals(outcomes, count(s, "SELECT sum(outcomes) FROM stats_station_month"));
      assertEquals(count(s, "SELECT count(*) FROM outcome WHERE status = 'closed'"),
          count(s, "SELECT sum(outcomes_closed) FROM stats_station_month"));
      assertEquals(count(s, "SELECT count(*) FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id WHERE m.status = 'held'"),
          count(s, "SELECT sum(members_attending) FROM stats_station_month"));
      // the set-based rebuild (ranges of stations, all months at once) gives exactly the rows that a
      // recount of each station-month and plan item on its own gives (the writers' path)
      List<String> tables = List.of(
          "SELECT * FROM stats_station_month ORDER BY station_id, month",
          "SELECT * FROM stats_station_month_category ORDER BY station_id, month, category",
          "SELECT * FROM stats_member_month ORDER BY member_id, station_id, month, category",
          "SELECT * FROM stats_plan_item ORDER BY plan_item_id");
      List<String> setBased = new ArrayList<>();
      for (String q : tables) {
        setBased.add(dump(s, q));
      }
      s.execute("""
          SELECT count(stats_refresh(station_id, month)) FROM (
            SELECT DISTINCT station_id, stats_month(starts_at) AS month FROM meeting
            UNION SELECT DISTINCT station_id, stats_month(created_at) FROM topic) x""");
      s.execute("SELECT count(stats_plan_refresh(id)) FROM plan_item");
      for (int i = 0; i < tables.size(); i++) {
        String one = dump(s, tables.get(i));
        if (i < 3) { // (the generator makes no plan items: StatsTest compares those)
          assertTrue(one.lines().count() > 100, "something to compare: " + tables.get(i));
        }
        assertEquals(setBased.get(i), one, "set-based rebuild = one station-month at a time: " + tables.get(i));
      }
      // new rows continue after the generated ids
      Bench.resetSequences(s);
      s.execute("INSERT INTO committee (name, level, division_code) VALUES ('x', 'city', '220000000000')");
      assertTrue(count(s, "SELECT max(id) FROM committee") > counts.of(Generator.Table.COMMITTEE));
    }
  }

  private static long count(Statement s, String sql) throws Exception {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static String dump(Statement s, String q) throws java.sql.SQLException {
    StringBuilder sb = new StringBuilder();
    try (ResultSet r = s.executeQuery(q)) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        for (int i = 1; i <= n; i++) {
          sb.append(r.getString(i)).append('|');
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
