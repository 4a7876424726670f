package org.yishi.platform;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yishi.support.TestPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The roll-up functions and triggers are defined once, in the Flyway callback
 * afterMigrate__rollup_functions.sql, with their current definitions. Checked on real databases:
 * a database of the previous release (its versioned migrations only) upgraded by this release, and
 * a fresh database, end with the same function and trigger definitions, character for character
 * (since issue 25 the callback's delta triggers in place of V16's recount triggers); the previous
 * release still starts on the result (binary rollback); and why the file is not a repeatable
 * migration.
 */
class RollupMigrationTest {
  private static final Path DIR = Path.of("src/main/resources/db/migration");
  private static final String CALLBACK = "afterMigrate__rollup_functions.sql";
  /** The versioned migrations only: what the previous release carries. */
  @TempDir
  static Path versionedOnly;
  /** The versioned migrations and the same file as a repeatable migration (the rejected form). */
  @TempDir
  static Path withRepeatable;
  /** The functions and triggers of a database that the previous release's migrations made. */
  private static String previous;
  /** The functions and triggers of a fresh database that this release made (versioned migrations and the callback). */
  private static String current;

  @BeforeAll
  static void copyMigrations() throws IOException, SQLException {
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("V")).toList()) {
        Files.copy(f, versionedOnly.resolve(f.getFileName()));
        Files.copy(f, withRepeatable.resolve(f.getFileName()));
      }
    }
    Files.copy(DIR.resolve(CALLBACK), withRepeatable.resolve("R__rollup_functions.sql"));
    String url = TestPostgres.freshDatabaseUrl();
    previousRelease(url).migrate();
    previous = definitions(url);
    assertTrue(previous.contains("stats_recount(") && previous.contains("stats_topic_forget"), "the roll-up exists before");
    String fresh = TestPostgres.freshDatabaseUrl();
    thisRelease(fresh).migrate();
    current = definitions(fresh);
    assertTrue(current.contains("stats_recount(") && current.contains("stats_delta_update AFTER UPDATE ON public.outcome")
        && !current.contains("stats_topic_forget") && !current.contains("CONSTRAINT TRIGGER stats_outcome"),
        "the recount stays (the rebuild, the repair path), the delta triggers replace the recount triggers");
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String url, String location) {
    String rest = url.substring(url.indexOf('@') + 1);
    return Flyway.configure().dataSource("jdbc:postgresql://" + rest, "postgres", null).locations(location)
        .placeholders(org.yishi.platform.db.Database.placeholders(org.yishi.platform.config.AppConfig.DEFAULT_ZONE));
  }

  private static Flyway previousRelease(String url) {
    return flyway(url, "filesystem:" + versionedOnly.toAbsolutePath()).load();
  }

  /** As the node migrates (Database): the jar's classpath:db/migration. */
  private static Flyway thisRelease(String url) {
    return flyway(url, "classpath:db/migration").load();
  }

  /** Every function of the schema and every trigger, as PostgreSQL prints their definitions. */
  private static String definitions(String url) throws SQLException {
    try (Connection c = TestPostgres.jdbc(url); Statement st = c.createStatement()) {
      return text(st, """
          SELECT string_agg(pg_get_functiondef(p.oid), E'\\n' ORDER BY p.proname, pg_get_function_identity_arguments(p.oid))
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'""")
          + "\n" + text(st, """
          SELECT string_agg(t.tgrelid::regclass || ' ' || pg_get_triggerdef(t.oid), E'\\n' ORDER BY t.tgrelid::regclass::text, t.tgname)
            FROM pg_trigger t WHERE NOT t.tgisinternal""");
    }
  }

  private static String text(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void anUpgradedDatabaseKeepsTheDefinitionsTheVersionedMigrationsMade() throws SQLException {
    String url = TestPostgres.freshDatabaseUrl();
    previousRelease(url).migrate();
    assertEquals(0, thisRelease(url).migrate().migrationsExecuted, "no migration is pending on the previous release's schema");
    assertEquals(current, definitions(url), "the callback ran and left the same functions and triggers as on a fresh database");
    thisRelease(url).migrate();
    assertEquals(current, definitions(url), "and running it again (every node start) changes nothing");
  }

  @Test
  void aFreshDatabaseEndsWithTheSameDefinitions() throws SQLException {
    String fresh = TestPostgres.freshDatabaseUrl();
    thisRelease(fresh).migrate();
    thisRelease(fresh).migrate();
    assertEquals(current, definitions(fresh));
  }

  @Test
  void theCallbackAloneRestoresMissingTriggersAndFunctionsAsTheyWere() throws SQLException {
    String url = TestPostgres.freshDatabaseUrl();
    thisRelease(url).migrate();
    try (Connection c = TestPostgres.jdbc(url); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER stats_delta_update ON topic");
      st.execute("DROP TRIGGER stats_station ON station");
      st.execute("CREATE OR REPLACE FUNCTION stats_touch(p_station bigint, p_month date) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$");
      st.execute("CREATE OR REPLACE FUNCTION stats_apply(p_lines stats_station_month_category[], p_moved boolean) RETURNS void "
          + "LANGUAGE plpgsql AS $$ BEGIN END $$");
      // what a node of the previous release starting mid-upgrade (its own callback) puts back: the recount triggers
      st.execute("""
          CREATE CONSTRAINT TRIGGER stats_outcome AFTER INSERT OR UPDATE OR DELETE ON outcome
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stats_on_meeting_child()""");
    }
    thisRelease(url).migrate();
    assertEquals(current, definitions(url), "what the file defines is what the database has after a start");
  }

  @Test
  void thePreviousReleaseStillStartsOnTheMigratedDatabase() throws SQLException {
    String url = TestPostgres.freshDatabaseUrl();
    thisRelease(url).migrate();
    // a rolled-back binary, or a node of the previous release restarting mid-upgrade, migrates
    // (and validates) at start with its own, versioned-only, migrations
    assertEquals(0, previousRelease(url).migrate().migrationsExecuted);
    assertEquals(current, definitions(url));
  }

  @Test
  void asARepeatableMigrationThePreviousReleaseWouldNotStart() {
    String url = TestPostgres.freshDatabaseUrl();
    flyway(url, "filesystem:" + withRepeatable.toAbsolutePath()).load().migrate();
    FlywayValidateException e = assertThrows(FlywayValidateException.class, () -> previousRelease(url).migrate());
    assertTrue(e.getMessage().contains("not resolved locally"), e.getMessage());
  }

  @Test
  void aRestoreToAnOlderVersionSkipsTheCallback() throws SQLException, IOException {
    // BackupCommand migrates to the backup's version with skipDefaultCallbacks: V16's functions do not exist yet at V10
    String url = TestPostgres.freshDatabaseUrl();
    flyway(url, "classpath:db/migration").target("10").skipDefaultCallbacks(true).load().migrate();
    assertFalse(definitions(url).contains("stats_recount("), "V10's schema, without the current definitions");
    long newer;
    try (Stream<Path> files = Files.list(versionedOnly)) {
      newer = files.map(f -> f.getFileName().toString()).filter(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))) > 10).count();
    }
    assertEquals(newer, thisRelease(url).migrate().migrationsExecuted, "a node then migrates past V10 and the callback runs");
    assertEquals(current, definitions(url));
  }
}
