package org.yishi.platform;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upgrade rule of docs/deployment.md: during a rolling upgrade the previous release's nodes
 * keep running on the migrated schema, so a release only adds (tables, nullable columns or columns
 * with a default, indexes, looser constraints). Removing or reshaping what the previous release
 * uses (DROP TABLE/COLUMN/INDEX…, RENAME, a column type change, SET NOT NULL, a NOT NULL column
 * without a default) waits for a later release and carries a {@code -- contract:} comment saying
 * why the running release no longer needs it. Migrations that shipped are never edited.
 */
class MigrationRulesTest {
  private static final Path DIR = Path.of("src/main/resources/db/migration");
  private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__[a-z0-9_]+\\.sql");
  /**
   * The one Flyway callback: the current definitions of the roll-up functions, run after every
   * migrate (RollupMigrationTest). Not a repeatable migration (R__): the previous release would
   * refuse a schema history row it does not know.
   */
  private static final String CALLBACK = "afterMigrate__rollup_functions.sql";
  private static final List<Pattern> DESTRUCTIVE = List.of(
      Pattern.compile("\\bDROP\\s+(TABLE|COLUMN|VIEW|MATERIALIZED\\s+VIEW|FUNCTION|PROCEDURE|TYPE|INDEX|TRIGGER|SEQUENCE|SCHEMA)\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bRENAME\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bALTER\\s+COLUMN\\s+\\S+\\s+(SET\\s+DATA\\s+)?TYPE\\b", Pattern.CASE_INSENSITIVE),
      Pattern.compile("\\bSET\\s+NOT\\s+NULL\\b", Pattern.CASE_INSENSITIVE),
      // a NOT NULL column without a default makes the previous release's INSERTs fail
      Pattern.compile("\\bADD\\s+COLUMN\\b(?!.*\\bDEFAULT\\b).*\\bNOT\\s+NULL\\b", Pattern.CASE_INSENSITIVE));
  private static final String MARKER = "-- contract:";

  private static final Pattern CREATE_TABLE = Pattern.compile("\\bCREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([\\w.]+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern ALTER_TABLE = Pattern.compile("\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?([\\w.]+)", Pattern.CASE_INSENSITIVE);

  /**
   * The destructive lines of a migration that carry no contract marker (on the line or the 3 above).
   * Changes to a table created in the same migration are free: no running release knows it yet.
   */
  static List<String> violations(String name, String sql) {
    List<String> out = new ArrayList<>();
    String[] lines = sql.split("\n", -1);
    java.util.Set<String> created = new java.util.HashSet<>();
    java.util.regex.Matcher m = CREATE_TABLE.matcher(sql.replaceAll("--[^\n]*", ""));
    while (m.find()) {
      created.add(m.group(1).toLowerCase());
    }
    String altered = null;
    for (int i = 0; i < lines.length; i++) {
      String code = lines[i].replaceFirst("--.*$", "");
      java.util.regex.Matcher alter = ALTER_TABLE.matcher(code);
      if (alter.find()) {
        altered = alter.group(1).toLowerCase();
      }
      if (altered != null && created.contains(altered)) {
        continue;
      }
      for (Pattern p : DESTRUCTIVE) {
        if (p.matcher(code).find() && !marked(lines, i)) {
          out.add(name + ":" + (i + 1) + ": " + lines[i].trim());
          break;
        }
      }
    }
    return out;
  }

  private static boolean marked(String[] lines, int i) {
    for (int j = Math.max(0, i - 3); j <= i; j++) {
      if (lines[j].contains(MARKER)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void migrationsOnlyAddUnlessMarkedAsAContractStep() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        assertTrue(VERSIONED.matcher(name).matches() || name.equals(CALLBACK),
            "forward-only: versioned migrations (V<n>__<name>.sql) and " + CALLBACK + " only, no repeatable (R__) or undo"
                + " scripts: the previous release refuses to start on a schema history it does not know: " + name);
        found.addAll(violations(f.getFileName().toString(), Files.readString(f)));
      }
    }
    assertEquals(List.of(), found, "destructive statements need a '-- contract: why the running release no longer uses it' comment"
        + " and belong to a release after the one that stopped using the object (docs/deployment.md, Upgrades)");
  }

  @Test
  void theRuleCatchesWhatWouldBreakARunningOlderNode() {
    assertEquals(1, violations("x", "ALTER TABLE topic DROP COLUMN title;").size());
    assertEquals(1, violations("x", "alter table topic rename column title to name;").size());
    assertEquals(1, violations("x", "ALTER TABLE topic ALTER COLUMN title TYPE varchar(50);").size());
    assertEquals(1, violations("x", "ALTER TABLE topic ALTER COLUMN proposer SET NOT NULL;").size());
    assertEquals(1, violations("x", "ALTER TABLE topic ADD COLUMN weight integer NOT NULL;").size());
    assertEquals(1, violations("x", "DROP INDEX outbox_dedupe;").size());
    assertEquals(List.of(), violations("x", "ALTER TABLE topic ADD COLUMN weight integer NOT NULL DEFAULT 0;"));
    assertEquals(List.of(), violations("x", "ALTER TABLE topic ADD COLUMN weight integer DEFAULT 0 NOT NULL;"));
    assertEquals(List.of(), violations("x", "ALTER TABLE topic ADD COLUMN note text;"));
    assertEquals(List.of(), violations("x", "ALTER TABLE outcome DROP CONSTRAINT outcome_check1;"), "a looser check is additive");
    assertEquals(List.of(), violations("x", "-- contract: unused since release 3 (V12 stopped writing it)\nALTER TABLE topic DROP COLUMN legacy;"));
    assertEquals(List.of(), violations("x", "-- DROP TABLE mentioned in a comment only"));
    assertEquals(List.of(), violations("x", "CREATE TABLE t2 (a int);\nALTER TABLE t2\n  ADD COLUMN b text NOT NULL;"),
        "a table made in the same migration is unknown to the running release");
    assertEquals(1, violations("x", "CREATE TABLE t2 (a int);\nALTER TABLE topic\n  ADD COLUMN b text NOT NULL;").size());
  }

  @Test
  void releasedMigrationsAreNeverEdited() throws IOException, NoSuchAlgorithmException {
    List<String> released = Files.readAllLines(Path.of("src/test/resources/db/released-migrations.sha256"), StandardCharsets.UTF_8);
    assertFalse(released.isEmpty());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (String line : released) {
      String[] parts = line.trim().split("\\s+");
      assertTrue(VERSIONED.matcher(parts[1]).matches(), "only versioned migrations are released as they are: " + parts[1]);
      Path file = DIR.resolve(parts[1]);
      assertTrue(Files.isRegularFile(file), "a released migration was removed: " + parts[1]);
      assertEquals(parts[0], HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file))),
          "a released migration was edited (add a new migration instead): " + parts[1]);
    }
  }
}
