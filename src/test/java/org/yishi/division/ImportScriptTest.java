package org.yishi.division;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yishi.app.Node;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code scripts/import-divisions.sh} run as an operator runs it (bash + curl) against a real node. */
class ImportScriptTest {
  private static final Path SCRIPT = Path.of("scripts/import-divisions.sh");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create();
  @FromNode private static Node node;
  private static DivisionTestDb db;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    String pgUrl = NODE.pgUrl();
    db = DivisionTestDb.attach(pgUrl);
  }

  private record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private Run run(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("YISHI_URL", node.baseUrl());
    pb.environment().put("YISHI_ADMIN_PASSWORD", TestNodes.ADMIN_PASSWORD);
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    Path out = tmp.resolve("out-" + System.nanoTime());
    Path err = tmp.resolve("err-" + System.nanoTime());
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the script did not finish within 120 s");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Path write(String name, byte[] content) throws IOException {
    Path f = tmp.resolve(name);
    Files.write(f, content);
    return f;
  }

  @Test
  void importsTheSliceShowsTheReportAndReimportsAGzipOfIt() throws Exception {
    Path slice = write("baicheng.csv", DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    Run first = run(Map.of(), slice.toString());
    assertEquals(0, first.exit(), first.toString());
    assertTrue(first.out().contains("Uploading " + slice + " (62041 bytes)"), first.toString());
    assertTrue(first.out().matches("(?s).*Import \\d+: succeeded \\(mode atomic\\).*"), first.toString());
    assertTrue(first.out().contains("Inserted: 1,231"), first.toString());
    assertTrue(first.out().contains("Units by level: province 1, city 1, county 6, township 126, village 1,097"), first.toString());
    assertTrue(first.out().contains("Bad rows: 0"), first.toString());
    assertEquals(1231, db.count("SELECT count(*) FROM division"));

    Path gz = write("白城 slice.csv.gz", DivisionFixtures.gzip(DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV)));
    Run again = run(Map.of(), "--mode", "skip-invalid", gz.toString());
    assertEquals(0, again.exit(), again.toString());
    assertTrue(again.out().contains("(mode skip_invalid)") && again.out().contains("Unchanged: 1,231"), again.toString());
    assertTrue(again.out().contains("File: 白城 slice.csv.gz"), "the file name travels url-encoded: " + again);
    assertEquals(0, db.count("SELECT count(*) FROM division_import WHERE status <> 'succeeded'"));
  }

  @Test
  void aFileWithBadRowsFailsAndListsThem() throws Exception {
    Path bad = write("bad-rows.csv", DivisionTestDb.resource("/division/bad-rows.csv"));
    String before = db.checksum();
    Run atomic = run(Map.of(), bad.toString());
    assertEquals(1, atomic.exit(), atomic.toString());
    assertTrue(atomic.out().contains("Applied: no, nothing was changed"), atomic.toString());
    assertTrue(atomic.out().contains("line 7: code '2208020010' is not 12 digits"), atomic.toString());
    assertTrue(atomic.out().contains("line 18 (229901000000): parent 229900000000 is not in the file nor in the database"), atomic.toString());
    assertTrue(atomic.err().contains("failed; nothing was applied"), atomic.toString());
    assertEquals(before, db.checksum());

    Path header = write("header.csv", "code;name;level;parent_code\n".getBytes(StandardCharsets.UTF_8));
    Run refused = run(Map.of(), "--mode=skip-invalid", header.toString());
    assertEquals(1, refused.exit(), refused.toString());
    assertTrue(refused.out().contains("File refused: wrong header"), refused.toString());
  }

  @Test
  void refusalsEndWithANonZeroStatusAndAReason() throws Exception {
    Path slice = write("baicheng.csv", DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    long jobs = db.count("SELECT count(*) FROM division_import");

    Run wrongPassword = run(Map.of("YISHI_ADMIN_PASSWORD", "not-the-password"), slice.toString());
    assertEquals(3, wrongPassword.exit(), wrongPassword.toString());
    assertTrue(wrongPassword.err().contains("sign-in as admin refused (401)"), wrongPassword.toString());

    Run noPassword = run(Map.of("YISHI_ADMIN_PASSWORD", ""), slice.toString());
    assertEquals(2, noPassword.exit(), noPassword.toString());
    Run missing = run(Map.of(), tmp.resolve("nope.csv").toString());
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.err().contains("no readable file"), missing.toString());
    Run badMode = run(Map.of(), "--mode", "sometimes", slice.toString());
    assertEquals(2, badMode.exit(), badMode.toString());
    Run usage = run(Map.of());
    assertEquals(2, usage.exit(), usage.toString());
    assertTrue(usage.err().startsWith("usage: scripts/import-divisions.sh"), usage.toString());
    Run unreachable = run(Map.of("YISHI_URL", "http://127.0.0.1:" + TestNodes.freePort()), slice.toString());
    assertEquals(4, unreachable.exit(), unreachable.toString());

    // 50 MB: refused by its length before curl sends it (Expect: 100-continue), nothing stored
    Path big = tmp.resolve("big.csv");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(50L * 1024 * 1024);
    }
    Run tooLarge = run(Map.of(), big.toString());
    assertEquals(4, tooLarge.exit(), tooLarge.toString());
    assertTrue(tooLarge.err().contains("HTTP 413") && tooLarge.err().contains("YISHI_IMPORT_MAX_BYTES"), tooLarge.toString());
    assertEquals(jobs, db.count("SELECT count(*) FROM division_import"), "no job for any of these");
    assertFalse(tooLarge.out().contains("Import "), tooLarge.toString());
  }
}
