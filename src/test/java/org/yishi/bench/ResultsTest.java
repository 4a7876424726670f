package org.yishi.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The latency summary and the results file the benchmark prints its table from. */
class ResultsTest {

  @Test
  void summaryGivesPercentilesInMillisecondsAndTheRateWithoutErrors() {
    Histogram h = Summary.histogram();
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 100L); // 0.1 ms .. 100 ms
    }
    Summary s = Summary.of(h, 1000, 10, 2.0);
    assertEquals(50.0, s.p50(), 0.1);
    assertEquals(99.0, s.p99(), 0.1);
    assertEquals(100.0, s.max(), 0.1);
    assertEquals(495.0, s.rate(), 0.01, "(1000 - 10 errors) / 2 s");
    assertEquals(0, Summary.of(Summary.histogram(), 0, 0, 1).p99());
  }

  @Test
  void entriesAreAddedReplacedByNameAndPrintedWithRatios(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("results.json");
    Results.start(file, "city", "test");
    JsonObject e = Results.entry("rollup_city", "GET roll-up", 3000, "req/s");
    Results.ceiling(e, "GET /health", 20000, "req/s", true);
    Results.floor(e, "naive SQL", 20, "q/s");
    Results.target(e, "≥ 2,000 req/s", true);
    Results.add(file, e);
    JsonObject imp = Results.entry("import", "import", 30, "s");
    Results.ceiling(imp, "COPY", 15, "s", false);
    Results.add(file, imp);
    Results.add(file, Results.target(Results.entry("import", "import again", 40, "s"), "≤ 60 s", true));
    JsonObject doc = Results.read(file);
    assertEquals(2, doc.getJsonArray("benchmarks").size(), "same name replaces");
    JsonObject read = Results.find(file, "rollup_city");
    assertEquals(0.15, read.getDouble("ratio"), 1e-9);
    assertEquals(150.0, read.getDouble("times_floor"), 1e-9);
    assertNull(Results.find(file, "import").getValue("ratio"), "the replacement has no ceiling");
    String table = Results.table(doc);
    assertTrue(table.contains("| rollup_city | 3,000 req/s | 20,000 req/s (GET /health); floor 20 q/s (naive SQL) | 15% of ceiling; 150x floor | ≥ 2,000 req/s | met |"),
        table);
    assertTrue(table.contains("| import | 40 s |"), table);
  }
}
