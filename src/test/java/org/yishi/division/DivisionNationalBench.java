package org.yishi.division;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.yishi.platform.division.DivisionLevel;

/**
 * The whole national file, imported into an empty database and then again. Not part of the
 * suite (the file is not in the repository, and the class name does not match Surefire's test
 * pattern); run it by name:
 * {@code mvn -B -q test -Dtest=DivisionNationalBench -Dsurefire.failIfNoSpecifiedTests=false -Dyishi.bench=/path/to/china-divisions.csv.gz}.
 * It prints the timings and asserts outcomes only, never durations.
 */
@EnabledIfSystemProperty(named = "yishi.bench", matches = ".+")
class DivisionNationalBench {

  @Test
  void nationalFileIntoAnEmptyDatabaseAndAgain() throws Exception {
    Path file = Path.of(System.getProperty("yishi.bench"));
    DivisionTestDb db = DivisionTestDb.create();
    DivisionImporter importer = new DivisionImporter(db.database::openJdbc);

    DivisionImportReport first = timed(importer, file, "empty database");
    assertTrue(first.applied());
    assertEquals(0, first.errorsTotal(), () -> first.errors().toString());
    assertEquals(665_276, first.rowsRead());
    assertEquals(665_271, first.inserted());
    assertEquals(4, first.quirksTotal(), "4 codes hold the 5 repeated rows");
    // one unit per code: the repeats of 东莞/中山/儋州 (county) and 金门 (township, village) fold away
    assertEquals(Map.of(DivisionLevel.PROVINCE, 31L, DivisionLevel.CITY, 342L, DivisionLevel.COUNTY, 2_975L,
        DivisionLevel.TOWNSHIP, 41_351L, DivisionLevel.VILLAGE, 620_572L), first.byLevel());
    assertEquals(665_271, db.count("SELECT count(*) FROM division"));

    DivisionImportReport second = timed(importer, file, "re-import");
    assertEquals(0, second.inserted());
    assertEquals(0, second.updated());
    assertEquals(665_271, second.unchanged());

    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = db.database.createPool(vertx);
      DivisionStore store = new DivisionStore(pool);
      time("search '白城' (2 characters) nationwide", () -> store.search("白城", null, 20, 0).await().total());
      time("search '洮北区' (3 characters) nationwide", () -> store.search("洮北区", null, 20, 0).await().total());
      time("search '社区' under 2208", () -> store.search("社区", "2208", 20, 0).await().total());
      time("search '社区' nationwide (page 1 of many)", () -> store.search("社区", null, 20, 0).await().total());
      time("children of 白城市", () -> store.children("220800000000", 20, 0).await().total());
      time("count by level nationwide", () -> store.countByLevel(null).await());
      time("ancestors of a village", () -> store.ancestors("220802001001").await().size());
      Map<DivisionLevel, Long> all = store.countByLevel(null).await();
      System.out.println("units per level: " + all);
    } finally {
      vertx.close().await();
    }
  }

  private static DivisionImportReport timed(DivisionImporter importer, Path file, String what) throws Exception {
    long t0 = System.nanoTime();
    DivisionImportReport report;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      report = importer.importCsv(in, DivisionImportMode.ATOMIC, (bytes, rows, phase) -> {
        if (phase != DivisionImportProgress.Phase.READING) {
          System.out.printf(Locale.ROOT, "  %s: %s at %.1f s%n", what, phase, (System.nanoTime() - t0) / 1e9);
        }
      });
    }
    System.out.printf(Locale.ROOT, "BENCH %s: %.1f s, rows %d, inserted %d, updated %d, unchanged %d, errors %d%n",
        what, (System.nanoTime() - t0) / 1e9, report.rowsRead(), report.inserted(), report.updated(),
        report.unchanged(), report.errorsTotal());
    return report;
  }

  private static void time(String what, Supplier<Object> query) {
    query.get(); // warm the plan and the cache once
    long t0 = System.nanoTime();
    Object result = query.get();
    System.out.printf(Locale.ROOT, "QUERY %s: %.1f ms -> %s%n", what, (System.nanoTime() - t0) / 1e6, result);
  }
}
