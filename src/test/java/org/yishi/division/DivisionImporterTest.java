package org.yishi.division;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yishi.division.DivisionImportProgress.Phase;
import org.yishi.division.DivisionImportReport.RowError;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.web.I18n;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.yishi.division.DivisionImportMode.ATOMIC;
import static org.yishi.division.DivisionImportMode.SKIP_INVALID;

/** The importer against a real PostgreSQL: the real 白城 slice, the real quirks, and bad files. */
class DivisionImporterTest {
  private static final String HEADER = "code,name,level,parent_code\n";
  private static final String JILIN_BAICHENG = HEADER
      + "220000000000,吉林省,province,\n"
      + "220800000000,白城市,city,220000000000\n";
  private static final byte[] BAICHENG = DivisionTestDb.resource("/divisions/baicheng.csv");

  private static DivisionTestDb db;
  private static DivisionImporter importer;

  @BeforeAll
  static void setUp() {
    db = DivisionTestDb.create();
    importer = new DivisionImporter(db.database::openJdbc);
  }

  @BeforeEach
  void empty() throws SQLException {
    db.clear();
  }

  private static DivisionImportReport run(byte[] file, DivisionImportMode mode) throws SQLException {
    return importer.importCsv(new ByteArrayInputStream(file), mode, DivisionImportProgress.NONE);
  }

  private static DivisionImportReport run(String file, DivisionImportMode mode) throws SQLException {
    return run(file.getBytes(StandardCharsets.UTF_8), mode);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static void assertByLevel(DivisionImportReport report, long... counts) {
    for (DivisionLevel level : DivisionLevel.values()) {
      assertEquals(counts[level.ordinal()], report.count(level), level.key());
    }
  }

  @Test
  void importsTheRealBaichengSliceWithExactCountsPerLevel() throws SQLException {
    DivisionImportReport report = run(BAICHENG, ATOMIC);

    assertTrue(report.applied());
    assertEquals(0, report.errorsTotal(), () -> report.errors().toString());
    assertEquals(1231, report.rowsRead());
    assertEquals(1231, report.inserted());
    assertEquals(0, report.updated());
    assertEquals(0, report.unchanged());
    assertByLevel(report, 1, 1, 6, 126, 1097);
    assertTrue(report.quirks().isEmpty());

    assertEquals(1231, db.count("SELECT count(*) FROM division"));
    assertEquals("1,1,6,126,1097", db.string("""
        SELECT string_agg(n::text, ',' ORDER BY d) FROM (
          SELECT array_position(ARRAY['province','city','county','township','village'], level) d, count(*) n
            FROM division GROUP BY level) x"""));
    assertEquals("洮北区|county|220800000000",
        db.string("SELECT name || '|' || level || '|' || parent_code FROM division WHERE code = '220802000000'"));
    assertNull(db.string("SELECT parent_code FROM division WHERE code = '220000000000'"));

    JsonObject json = report.toJson();
    assertEquals(new JsonObject().put("province", 1L).put("city", 1L).put("county", 6L).put("township", 126L)
        .put("village", 1097L), json.getJsonObject("by_level"));
    assertEquals("atomic", json.getString("mode"));
    for (String key : List.of("rows_read", "inserted", "updated", "unchanged", "absent_kept", "by_level", "quirks",
        "quirks_total", "errors", "errors_total", "file_error", "applied", "mode", "duration_ms")) {
      assertTrue(json.containsKey(key), key);
    }
  }

  @Test
  void reimportingTheSameFileChangesNothing() throws SQLException {
    run(BAICHENG, ATOMIC);
    String before = db.checksum();

    DivisionImportReport again = run(BAICHENG, ATOMIC);

    assertTrue(again.applied());
    assertEquals(0, again.inserted());
    assertEquals(0, again.updated());
    assertEquals(1231, again.unchanged());
    assertEquals(0, again.absentKept());
    assertEquals(before, db.checksum(), "not one row rewritten, updated_at included");
  }

  @Test
  void aRenamedUnitIsUpdatedAndNothingElse() throws SQLException {
    run(BAICHENG, ATOMIC);
    String otherRowsBefore = db.string("SELECT md5(string_agg(code || name || updated_at, ',' ORDER BY code))"
        + " FROM division WHERE code <> '220802000000'");
    String renamed = new String(BAICHENG, StandardCharsets.UTF_8)
        .replace("220802000000,洮北区,", "220802000000,洮北新区,");

    DivisionImportReport report = run(renamed, ATOMIC);

    assertEquals(0, report.inserted());
    assertEquals(1, report.updated());
    assertEquals(1230, report.unchanged());
    assertEquals("洮北新区", db.string("SELECT name FROM division WHERE code = '220802000000'"));
    assertEquals(1231, db.count("SELECT count(*) FROM division"), "never a duplicate");
    assertEquals(otherRowsBefore, db.string("SELECT md5(string_agg(code || name || updated_at, ',' ORDER BY code))"
        + " FROM division WHERE code <> '220802000000'"));
  }

  @Test
  void unitsAbsentFromTheFileAreKeptAndCounted() throws SQLException {
    run(BAICHENG, ATOMIC);

    DivisionImportReport report = run(JILIN_BAICHENG, ATOMIC);

    assertTrue(report.applied());
    assertEquals(2, report.unchanged());
    assertEquals(1229, report.absentKept());
    assertEquals(1231, db.count("SELECT count(*) FROM division"));
  }

  @Test
  void theRealQuirksAreKeptOnceAtTheirHighestLevelAndReported() throws SQLException {
    DivisionImportReport report = run(DivisionTestDb.resource("/division/quirks.csv"), ATOMIC);

    assertTrue(report.applied());
    assertEquals(0, report.errorsTotal(), () -> report.errors().toString());
    assertEquals(25, report.rowsRead());
    assertEquals(20, report.inserted(), "one row per code");
    assertByLevel(report, 3, 4, 1, 6, 6);
    assertEquals(4, report.quirksTotal());
    assertEquals(List.of("441900000000", "442000000000", "460400000000", "350527000000"),
        report.quirks().stream().map(DivisionImportReport.Quirk::code).toList());

    DivisionImportReport.Quirk dongguan = report.quirks().get(0);
    assertEquals("东莞市", dongguan.name());
    assertEquals(List.of(DivisionLevel.CITY, DivisionLevel.COUNTY), dongguan.levelsSeen());
    assertEquals(DivisionLevel.CITY, dongguan.keptLevel());
    assertEquals(List.of(6L, 10L), dongguan.lines());
    DivisionImportReport.Quirk jinmen = report.quirks().get(3);
    assertEquals(List.of(DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE), jinmen.levelsSeen());
    assertEquals(DivisionLevel.COUNTY, jinmen.keptLevel());
    assertEquals(List.of("county", "township", "village"),
        report.toJson().getJsonArray("quirks").getJsonObject(3).getJsonArray("levels_seen").getList());
    assertTrue(jinmen.resolution().contains("kept once as county"), jinmen.resolution());

    assertEquals("city|440000000000", db.string("SELECT level || '|' || parent_code FROM division WHERE code = '441900000000'"));
    assertEquals("county|350500000000", db.string("SELECT level || '|' || parent_code FROM division WHERE code = '350527000000'"));
    assertEquals(2, db.count("SELECT count(*) FROM division WHERE parent_code = '441900000000' AND level = 'township'"),
        "东莞's townships attach to the city");

    DivisionImportReport again = run(DivisionTestDb.resource("/division/quirks.csv"), ATOMIC);
    assertEquals(20, again.unchanged());
    assertEquals(4, again.quirksTotal(), "quirks are reported on every import");
  }

  @Test
  void gzipIsDetectedByItsMagicBytes() throws SQLException {
    DivisionImportReport report = run(DivisionFixtures.gzip(BAICHENG), ATOMIC);

    assertTrue(report.applied());
    assertEquals(1231, report.inserted());
    assertByLevel(report, 1, 1, 6, 126, 1097);
  }

  @Test
  void aWrongHeaderRefusesTheWholeFileInEitherMode() throws SQLException {
    run(BAICHENG, ATOMIC);
    String before = db.checksum();

    for (DivisionImportMode mode : DivisionImportMode.values()) {
      DivisionImportReport report = run(DivisionTestDb.resource("/division/bad-header.csv"), mode);

      assertFalse(report.applied(), mode.key());
      assertEquals(1, report.errorsTotal());
      RowError error = report.errors().get(0);
      assertEquals(1, error.line());
      assertEquals("wrong header 'code;name;level;parent_code': expected 'code,name,level,parent_code'", error.reason());
      assertEquals(error.reason(), report.fileError());
      assertEquals(before, db.checksum());
    }
    DivisionImportReport empty = run(new byte[0], ATOMIC);
    assertEquals("the file is empty: expected the header 'code,name,level,parent_code' on line 1", empty.fileError());
  }

  /** What bad-rows.csv is expected to produce, line by line (the reasons as reported). */
  private static final Map<Long, String> BAD_ROWS = Map.ofEntries(
      Map.entry(7L, "code '2208020010' is not 12 digits"),
      Map.entry(8L, "unknown level 'hamlet': expected province, city, county, township or village"),
      Map.entry(9L, "name is empty"),
      Map.entry(10L, "name is longer than 100 characters (101)"),
      Map.entry(11L, "name contains a control character U+0009 at character 3"),
      Map.entry(12L, "parent_code '22080200100' is not 12 digits"),
      Map.entry(13L, "expected 4 columns (code,name,level,parent_code), found 5"),
      Map.entry(14L, "a province has no parent, but parent_code is '220000000000'"),
      Map.entry(15L, "parent_code is empty: a county needs the code of its city"),
      Map.entry(16L, "code 220802001010 does not fit level township: digits 7-9 must not be all zero and digits 10-12 must be zero"),
      Map.entry(17L, "parent_code 220802002000 does not match code 220802001011: the code says its parent is 220802001000"),
      Map.entry(18L, "parent 229900000000 is not in the file nor in the database"),
      Map.entry(19L, "duplicate code 220802001001: already on line 6"),
      Map.entry(20L, "code 220800000000 is already listed as city on line 3; a repeat at a lower level is accepted"
          + " only with the same name and the code itself as parent_code"),
      Map.entry(21L, "name contains a control character U+0001 at character 3"),
      Map.entry(22L, "parent 220802003000 is refused (line 21), so this village cannot be applied"));

  @Test
  void badRowsInAtomicModeApplyNothingAndEachIsReportedWithLineAndReason() throws SQLException {
    run(BAICHENG, ATOMIC);
    String before = db.checksum();

    DivisionImportReport report = run(DivisionTestDb.resource("/division/bad-rows.csv"), ATOMIC);

    assertFalse(report.applied());
    assertEquals(0, report.inserted() + report.updated());
    // 瑞光街道 (line 21) is refused, but the database already holds it: its village (line 22) stands
    assertEquals(BAD_ROWS.size() - 1, report.errorsTotal(), () -> report.errors().toString());
    for (RowError e : report.errors()) {
      assertEquals(BAD_ROWS.get(e.line()), e.reason(), "line " + e.line());
    }
    assertEquals(List.of(7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 21L),
        report.errors().stream().map(RowError::line).toList());
    assertNull(report.errors().get(0).code(), "no code when the code itself is unreadable");
    assertEquals("220802001002", report.errors().get(1).code());
    assertEquals(before, db.checksum(), "the previous data is untouched");
  }

  @Test
  void skipInvalidAppliesTheGoodRowsOnly() throws SQLException {
    DivisionImportReport report = run(DivisionTestDb.resource("/division/bad-rows.csv"), SKIP_INVALID);

    assertTrue(report.applied());
    assertEquals(BAD_ROWS.size(), report.errorsTotal(), () -> report.errors().toString());
    for (RowError e : report.errors()) {
      assertEquals(BAD_ROWS.get(e.line()), e.reason(), "line " + e.line());
    }
    assertEquals(6, report.inserted());
    assertByLevel(report, 1, 1, 1, 1, 2);
    assertEquals("220000000000,220800000000,220802000000,220802001000,220802001001,220802001008",
        db.string("SELECT string_agg(code, ',' ORDER BY code) FROM division"));
    assertEquals("民生社区", db.string("SELECT name FROM division WHERE code = '220802001001'"),
        "the first of two rows with one code wins");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      bad code length   | 22080201001,洮北社区,village,220802001000      | code '22080201001' is not 12 digits
      unknown parent    | 229901000000,无父县,county,229900000000         | parent 229900000000 is not in the file nor in the database
      over-long name    | 220802001001,NAME101,village,220802001000      | name is longer than 100 characters (101)
      control character | 220802001001,"民生\\r社区",village,220802001000 | name contains a control character U+000D at character 3
      """)
  void aBadRowInAtomicModeLeavesThePreviousDataIntact(String what, String row, String reason) throws SQLException {
    run(BAICHENG, ATOMIC);
    String before = db.checksum();
    String line = row.replace("NAME101", "名".repeat(101)).replace("\\r", "\r");

    DivisionImportReport report = run(JILIN_BAICHENG + line + "\n", ATOMIC);

    assertFalse(report.applied(), what);
    assertEquals(1, report.errorsTotal(), () -> report.errors().toString());
    assertEquals(4, report.errors().get(0).line());
    assertEquals(reason, report.errors().get(0).reason());
    assertEquals(before, db.checksum());
  }

  @Test
  void invalidUtf8IsReportedWithItsLineAndTheRestIsRead() throws SQLException {
    run(BAICHENG, ATOMIC);
    String before = db.checksum();
    byte[] file = concat(JILIN_BAICHENG.getBytes(StandardCharsets.UTF_8),
        "220802000000,洮北".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe5, (byte) 0x28},
        ",county,220800000000\n".getBytes(StandardCharsets.UTF_8),
        "220802001000,海明街道,township,220802000000\n".getBytes(StandardCharsets.UTF_8),
        new byte[] {'2', '2', (byte) 0xff, '\n'});

    DivisionImportReport atomic = run(file, ATOMIC);

    assertFalse(atomic.applied());
    assertEquals(5, atomic.rowsRead());
    assertEquals(2, atomic.errorsTotal());
    assertEquals("4|null|invalid UTF-8 at byte 20 of the line", shown(atomic.errors().get(0)));
    assertEquals("6|null|invalid UTF-8 at byte 3 of the line", shown(atomic.errors().get(1)));
    assertEquals("该行第 20 字节不是有效的 UTF-8 编码", atomic.errors().get(0).why().text(I18n.ZH), "the reason in Chinese");
    assertEquals(before, db.checksum());

    db.clear();
    DivisionImportReport skip = run(file, SKIP_INVALID);
    // 海明街道's county (line 4) could not be read and is not in the database: it goes too
    assertEquals(3, skip.errorsTotal(), () -> skip.errors().toString());
    assertEquals("parent 220802000000 is not in the file nor in the database", skip.errors().get(1).reason());
    assertEquals(2, skip.inserted());
  }

  @Test
  void aTruncatedGzipIsRefusedAndNothingIsApplied() throws SQLException {
    run(JILIN_BAICHENG, ATOMIC);
    String before = db.checksum();
    byte[] whole = DivisionFixtures.gzip(BAICHENG);
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);

    for (DivisionImportMode mode : DivisionImportMode.values()) {
      DivisionImportReport report = run(truncated, mode);

      assertFalse(report.applied(), mode.key());
      assertTrue(report.fileError().startsWith("the gzip data is truncated or corrupt after line "), report.fileError());
      RowError last = report.errors().get(report.errors().size() - 1);
      assertEquals(report.fileError(), last.reason());
      assertEquals(report.rowsRead() + 2, last.line(), "the line after the last one read");
      assertTrue(report.rowsRead() > 100 && report.rowsRead() < 1231, "read up to the cut: " + report.rowsRead());
      assertEquals(before, db.checksum());
    }
  }

  @Test
  void aGzipBombIsRefusedAtTheSizeCap() throws SQLException {
    DivisionImporter capped = new DivisionImporter(db.database::openJdbc, 1024 * 1024);
    byte[] bomb = DivisionFixtures.gzip(concat(JILIN_BAICHENG.getBytes(StandardCharsets.UTF_8), new byte[8 * 1024 * 1024]));
    assertTrue(bomb.length < 20_000, "8 MB of zeros compress to " + bomb.length + " bytes");

    DivisionImportReport report = capped.importCsv(new ByteArrayInputStream(bomb), ATOMIC, DivisionImportProgress.NONE);

    assertFalse(report.applied());
    assertEquals("the file is larger than 1 MB once decompressed; refused after line 3", report.fileError());
    assertEquals(0, db.count("SELECT count(*) FROM division"));
  }

  @Test
  void scriptAndSqlInNamesAreStoredVerbatim() throws SQLException {
    String file = HEADER
        + "220000000000,<script>alert(1)</script>,province,\n"
        + "220800000000,'; DROP TABLE division; --,city,220000000000\n"
        + "220802000000,\"逗号, 和 \"\"引号\"\"\",county,220800000000\n";

    DivisionImportReport report = run(file, ATOMIC);

    assertTrue(report.applied(), () -> report.errors().toString());
    assertEquals("<script>alert(1)</script>", db.string("SELECT name FROM division WHERE code = '220000000000'"));
    assertEquals("'; DROP TABLE division; --", db.string("SELECT name FROM division WHERE code = '220800000000'"));
    assertEquals("逗号, 和 \"引号\"", db.string("SELECT name FROM division WHERE code = '220802000000'"));
    assertEquals(3, db.count("SELECT count(*) FROM division"));
  }

  @Test
  void aParentOfTheWrongLevelInTheDatabaseIsReported() throws SQLException {
    // a row no import would write: the level disagrees with the code's shape
    db.execute("INSERT INTO division (code, name, level) VALUES ('210100000000', '沈阳市', 'province')");

    DivisionImportReport report = run(HEADER + "210102000000,和平区,county,210100000000\n", ATOMIC);

    assertEquals(List.of("2|210102000000|parent 210100000000 is a province; a county's parent must be a city"),
        report.errors().stream().map(DivisionImporterTest::shown).toList());
    assertEquals("上级 210100000000 是省级单位；县级单位的上级必须是地级单位", report.errors().get(0).why().text(I18n.ZH));
  }

  @Test
  void errorDetailsStopAtTheCapButAreAllCounted() throws SQLException {
    StringBuilder file = new StringBuilder(JILIN_BAICHENG);
    for (int i = 0; i < 1500; i++) {
      file.append("22080200").append(String.format("%04d", i)).append(",坏,village\n");
    }

    DivisionImportReport report = run(file.toString(), SKIP_INVALID);

    assertEquals(1500, report.errorsTotal());
    assertEquals(DivisionImporter.MAX_DETAILS, report.errors().size());
    assertEquals(4, report.errors().get(0).line());
    assertEquals(1003, report.errors().get(999).line());
    assertEquals(2, report.inserted());
  }

  @Test
  void progressIsReportedPhaseByPhase() throws SQLException {
    List<Phase> phases = new ArrayList<>();
    long[] last = new long[2];
    DivisionImportReport report = importer.importCsv(new ByteArrayInputStream(DivisionFixtures.gzip(BAICHENG)), ATOMIC,
        (bytes, rows, phase) -> {
          if (phases.isEmpty() || phases.get(phases.size() - 1) != phase) {
            phases.add(phase);
          }
          last[0] = bytes;
          last[1] = rows;
        });

    assertTrue(report.applied());
    assertEquals(List.of(Phase.READING, Phase.VALIDATING, Phase.MERGING, Phase.DONE), phases);
    assertEquals(DivisionFixtures.gzip(BAICHENG).length, last[0], "all compressed bytes were read");
    assertEquals(1231, last[1]);
  }

  @Test
  void concurrentImportsWaitForEachOther() throws Exception {
    // [first progress, last progress before DONE] per import: both lie inside the lock (taken before
    // reading, released at commit, before DONE is reported), so the two intervals cannot overlap
    long[][] spans = new long[2][2];
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Callable<DivisionImportReport>> jobs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        long[] span = spans[i];
        jobs.add(() -> importer.importCsv(new ByteArrayInputStream(BAICHENG), ATOMIC, (bytes, rows, phase) -> {
          if (phase != Phase.DONE) {
            if (span[0] == 0) {
              span[0] = System.nanoTime();
            }
            span[1] = System.nanoTime();
          }
        }));
      }
      List<DivisionImportReport> reports = new ArrayList<>();
      for (var f : threads.invokeAll(jobs)) {
        reports.add(f.get());
      }
      assertEquals(1231, reports.stream().mapToLong(DivisionImportReport::inserted).sum());
      assertEquals(1231, reports.stream().mapToLong(DivisionImportReport::unchanged).sum());
    } finally {
      threads.shutdownNow();
    }
    assertTrue(spans[0][1] < spans[1][0] || spans[1][1] < spans[0][0], "one import ran after the other");
    assertEquals(1231, db.count("SELECT count(*) FROM division"));
  }

  @Test
  void crlfLineEndsAndAByteOrderMarkAreAccepted() throws SQLException {
    byte[] file = concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
        JILIN_BAICHENG.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));

    DivisionImportReport report = run(file, ATOMIC);

    assertTrue(report.applied(), () -> report.errors().toString());
    assertEquals(2, report.inserted());
    assertEquals("白城市", db.string("SELECT name FROM division WHERE code = '220800000000'"));
  }

  /** An error as "line|code|English reason". */
  private static String shown(RowError e) {
    return e.line() + "|" + e.code() + "|" + e.reason();
  }

  @Test
  void aNameOfOnlyBlankCharactersIsEmpty() {
    for (String blank : java.util.List.of("\u3000", "\u3000\u3000", "\u00A0", "\u200B", "\uFEFF", " \u3000\u200B")) {
      assertEquals("nameEmpty", DivisionImporter.nameProblem(blank).key(),
          blank.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList().toString());
    }
    assertEquals(null, DivisionImporter.nameProblem("\u3000白城市\u3000"), "a name is otherwise kept as given");
  }
}
