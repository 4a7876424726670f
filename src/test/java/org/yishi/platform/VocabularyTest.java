package org.yishi.platform;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.meeting.MeetingService;
import org.yishi.outcome.OutcomeStatus;
import org.yishi.platform.vocabulary.MeetingFormat;
import org.yishi.platform.vocabulary.MeetingKind;
import org.yishi.platform.vocabulary.OutcomeForm;
import org.yishi.stats.StatsStore;
import org.yishi.support.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One vocabulary per enumeration: the Java enums of {@code platform.vocabulary} are the source;
 * the features, the statistics' counters and the database's CHECK lists (migrations are never
 * edited, so this compares the migrated schema) say the same.
 */
class VocabularyTest {
  private static String url;

  @BeforeAll
  static void migrate() throws SQLException {
    url = TestPostgres.freshDatabaseUrl();
    String rest = url.substring(url.indexOf('@') + 1);
    Flyway.configure().dataSource("jdbc:postgresql://" + rest, "postgres", null).locations("classpath:db/migration").placeholders(org.yishi.platform.db.Database.placeholders(org.yishi.platform.config.AppConfig.DEFAULT_ZONE))
        .load().migrate();
  }

  /** The values of the CHECK constraint on {@code table.column} ({@code column IN (...)} or {@code = ANY (ARRAY[...])}). */
  private static Set<String> checkList(String table, String column) throws SQLException {
    try (Connection c = TestPostgres.jdbc(url);
         PreparedStatement ps = c.prepareStatement("""
             SELECT pg_get_constraintdef(oid) FROM pg_constraint
              WHERE conrelid = ?::regclass AND contype = 'c'""")) {
      ps.setString(1, table);
      List<String> defs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          defs.add(rs.getString(1));
        }
      }
      Pattern mentions = Pattern.compile("\\(\\(?" + column + "\\b.*ANY \\(\\(?ARRAY\\[(.*?)]");
      for (String def : defs) {
        Matcher m = mentions.matcher(def);
        if (m.find()) {
          Set<String> values = new TreeSet<>();
          Matcher v = Pattern.compile("'([^']*)'").matcher(m.group(1));
          while (v.find()) {
            values.add(v.group(1));
          }
          return values;
        }
      }
      throw new AssertionError("no CHECK list on " + table + "." + column + " in " + defs);
    }
  }

  private static Set<String> columns(String table, String prefix) throws SQLException {
    try (Connection c = TestPostgres.jdbc(url);
         PreparedStatement ps = c.prepareStatement(
             "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND column_name LIKE ?")) {
      ps.setString(1, table);
      ps.setString(2, prefix + "%");
      Set<String> out = new TreeSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1).substring(prefix.length()));
        }
      }
      return out;
    }
  }

  @Test
  void theDatabaseChecksTheEnumsValues() throws SQLException {
    assertEquals(new TreeSet<>(MeetingKind.keys()), checkList("meeting", "kind"));
    assertEquals(new TreeSet<>(MeetingFormat.keys()), checkList("meeting", "format"));
    assertEquals(new TreeSet<>(OutcomeForm.keys()), checkList("outcome", "form"));
  }

  @Test
  void theStatisticsCountEachValue() throws SQLException {
    assertEquals(new TreeSet<>(MeetingKind.keys()), columns("stats_station_month", "meetings_held_kind_"));
    assertEquals(new TreeSet<>(MeetingFormat.keys()), columns("stats_station_month", "meetings_held_format_"));
    assertEquals(new TreeSet<>(OutcomeForm.keys()), columns("stats_station_month", "outcomes_form_"));
    assertEquals(MeetingKind.keys(), StatsStore.KINDS);
    assertEquals(MeetingFormat.keys(), StatsStore.FORMATS);
    assertEquals(OutcomeForm.keys(), StatsStore.FORMS);
  }

  @Test
  void theFeaturesValidateWithTheSameLists() {
    assertEquals(new TreeSet<>(MeetingKind.keys()), new TreeSet<>(MeetingService.KINDS));
    assertEquals("thematic_consultation", MeetingService.KINDS.get(0), "the form's usual choice comes first");
    assertEquals(Set.copyOf(MeetingFormat.keys()), MeetingService.FORMATS);
    assertEquals(OutcomeForm.keys(), OutcomeStatus.FORMS);
    for (String bad : new String[] {null, "", "Forum", "forum ", "other", "'; DROP TABLE meeting; --", "thematic-consultation"}) {
      assertFalse(MeetingKind.isKey(bad), bad);
      assertFalse(MeetingFormat.isKey(bad), bad);
      assertFalse(OutcomeForm.isKey(bad), bad);
    }
    assertTrue(MeetingKind.isKey("forum") && MeetingFormat.isKey("on_site") && OutcomeForm.isKey("bulletin"));
  }
}
