package org.yishi.report;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.platform.schedule.Cron;
import org.yishi.support.AccountFixtures;
import org.yishi.support.MovableClock;
import org.yishi.support.Sql;
import org.yishi.support.TempDirs;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The member generating a report is killed (SIGKILL of its process) while it holds the report lock
 * mid-generation: the two other members, blocked by the lock until then, take over and issue each
 * report of the period exactly once, complete.
 */
class ReportKillTest {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final List<Node> NODES = new ArrayList<>();
  private static Process held;

  @AfterAll
  static void stop() {
    if (held != null) {
      held.destroyForcibly();
    }
    NODES.forEach(Node::close);
  }

  private static void await(String what, java.util.function.BooleanSupplier done, int seconds) throws InterruptedException {
    for (int i = 0; i < seconds * 4; i++) {
      if (done.getAsBoolean()) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  @Test
  void killingTheGeneratingMemberStillYieldsExactlyOneCompleteReport() throws Exception {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    Sql sql = new Sql(pgUrl);
    List<Map<String, String>> envs = TestNodes.clusterEnvs(pgUrl, 3, Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "1",
        "YISHI_REPORT_CITY_QUARTERLY", "off", "YISHI_REPORT_CITY_YEARLY", "off", "YISHI_REPORT_DISTRICT_MONTHLY", "0 2 1 * *"));
    MovableClock clock = new MovableClock();
    NODES.add(TestNodes.start(envs.get(0), clock));
    AccountFixtures.create(NODES.get(0));

    // the held member runs with its clock at 02:40 on the next 1st of a month: the month's reports are due there
    ZonedDateTime fire = Cron.parse("0 2 1 * *").next(ZonedDateTime.now(SHANGHAI), SHANGHAI).orElseThrow().plusMinutes(40);
    String month = YearMonth.from(fire).minusMonths(1).toString();
    Path marker = TempDirs.create("yishi-held").resolve("held");
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
        HeldReportNode.class.getName(), String.valueOf(Duration.between(Instant.now(), fire.toInstant()).toMillis()),
        marker.toString()));
    pb.environment().keySet().removeIf(k -> k.startsWith("YISHI_"));
    pb.environment().putAll(envs.get(1));
    pb.redirectErrorStream(true).redirectOutput(marker.resolveSibling("node.log").toFile());
    held = pb.start();
    await("the held member to take the lock and start a report", () -> Files.exists(marker), 120);
    await("the held member's node id", () -> Files.exists(Path.of(marker + ".node")), 60);
    String heldNode = Files.readString(Path.of(marker + ".node"));

    // a third member joins, and the two in-process members reach the same time
    NODES.add(TestNodes.start(envs.get(2), clock));
    assertEquals(3, NODES.get(0).app().cluster().getNodes().size(), "three members");
    clock.now = fire.toInstant();
    Thread.sleep(3_000); // three ticks of each: the lock is held, so neither generates
    assertEquals(0, sql.count("SELECT count(*) FROM report"), "nothing is issued while the lock is held mid-generation");
    assertTrue(Files.readString(marker).startsWith("monthly:"), Files.readString(marker));

    held.destroyForcibly(); // SIGKILL
    assertTrue(held.waitFor(30, TimeUnit.SECONDS));
    await("the survivors to issue the month's three reports",
        () -> sql.count("SELECT count(*) FROM report WHERE kind = 'monthly' AND period = ?", month) == 3, 120);
    Thread.sleep(3_000);
    assertEquals(3, sql.count("SELECT count(*) FROM report"), "exactly one per unit, nothing twice");
    assertEquals(0, sql.count("SELECT count(*) FROM report WHERE generated_by = ?", heldNode), "none by the killed member");
    Set<String> survivors = Set.of(NODES.get(0).app().cluster().getNodeId(), NODES.get(1).app().cluster().getNodeId());
    for (int i = 0; i < 3; i++) {
      String by = (String) sql.value("SELECT generated_by FROM report ORDER BY id OFFSET ?", i);
      assertTrue(survivors.contains(by), by);
    }
    // complete: every counter of the roll-up, the child units, the summary
    JsonObject city = new JsonObject((String) sql.value("SELECT content::text FROM report WHERE unit_code = ?", AccountFixtures.BAICHENG));
    assertEquals(city.getJsonArray("counters").size(), city.getJsonObject("totals").size());
    assertTrue(city.getJsonArray("counters").size() >= 30);
    assertFalse(city.getJsonArray("children").isEmpty());
    assertTrue(city.getJsonObject("summary").getString("zh").contains("白城市共召开协商活动"));
    assertEquals(3, sql.count("SELECT count(*) FROM notification WHERE kind = 'report_ready'"),
        "city, 洮北区 and 洮南市 staff told once each");
  }
}
