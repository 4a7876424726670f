package org.yishi.report;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;

/**
 * A node run as its own process by {@link ReportKillTest}: configured from the environment like any
 * node, with its clock moved by {@code args[0]} milliseconds, and held mid-generation: when its
 * scheduler has taken the report lock and is about to build the first report, it writes that
 * report's key to {@code args[1]} and never goes on, so the test can kill it there.
 */
public final class HeldReportNode {
  private HeldReportNode() {
  }

  public static void main(String[] args) throws Exception {
    Duration offset = Duration.ofMillis(Long.parseLong(args[0]));
    Path marker = Path.of(args[1]);
    ReportService.beforeScheduledIssue = key -> {
      try {
        Files.writeString(marker, key + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return Promise.<Void>promise().future(); // held: the lock stays taken, nothing is written
    };
    AppConfig config = AppConfig.from(new JsonObject(), System.getenv());
    Node node = org.yishi.support.TestNodes.start(config, Clock.offset(Clock.systemUTC(), offset));
    Files.writeString(Path.of(args[1] + ".node"), node.app().cluster().getNodeId(), StandardCharsets.UTF_8);
    Thread.currentThread().join(); // until killed
  }
}
