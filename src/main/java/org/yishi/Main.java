package org.yishi;

import io.vertx.core.Vertx;
import org.yishi.platform.CommonPool;
import org.yishi.platform.Logging;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;
import org.yishi.platform.db.BackupCommand;
import org.yishi.platform.db.Database;

import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar yishi.jar} starts a node; {@code java -jar yishi.jar db} runs only the
 * embedded PostgreSQL (used by {@code scripts/cluster.sh} so that every node is equal and any
 * of them can be stopped); {@code backup} and {@code restore} take and restore backups
 * ({@link BackupCommand}). Exit status: 0 after a clean stop, 2 for bad configuration, 1 otherwise.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    CommonPool.configure(); // before anything starts the common pool
    Logging.init();
    AppConfig config;
    try {
      Vertx bootstrap = Vertx.vertx();
      try {
        config = AppConfig.load(bootstrap, System.getenv()).await();
      } finally {
        bootstrap.close().await();
      }
    } catch (ConfigException e) {
      fail(2, "invalid configuration: " + e.getMessage());
      return;
    }
    if (args.length > 0 && ("backup".equals(args[0]) || "restore".equals(args[0]))) {
      Logging.quiet();
      System.exit(new BackupCommand(config, System.out, System.err).run(args[0], java.util.List.of(args).subList(1, args.length)));
      return;
    }
    if (args.length > 0 && "db".equals(args[0])) {
      runDatabaseOnly(config);
      return;
    }
    Node node;
    try {
      node = Node.start(config).await();
    } catch (ConfigException e) {
      fail(2, "cannot start: " + e.getMessage());
      return;
    } catch (Exception e) { // await() rethrows checked causes too (e.g. an I/O error of the cluster)
      fail(1, "cannot start: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return;
    }
    System.out.println("Yishi is running at " + node.baseUrl() + "  (Ctrl-C or SIGTERM stops it)");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("Yishi is stopping: draining requests, leaving the cluster ...");
      node.close();
      System.out.println("Yishi stopped.");
    }, "yishi-shutdown"));
  }

  private static void runDatabaseOnly(AppConfig config) {
    if (!config.embeddedDatabase()) {
      fail(2, "invalid configuration: YISHI_PG_URL is set; 'db' runs only the embedded database");
      return;
    }
    try {
      var pg = Database.startEmbedded(config.dataDir().resolve("pg"), config.pgEmbeddedPort(),
          config.pgEmbeddedListen(), config.pgEmbeddedPassword(), config.zone());
      System.out.println("Yishi database is running: postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres"
          + (config.pgEmbeddedListen().equals(java.util.List.of("127.0.0.1")) ? ""
              : " (also on " + String.join(",", config.pgEmbeddedListen()) + ", password required)"));
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (Exception e) {
          System.err.println("yishi: database did not stop cleanly: " + e);
        }
        stopped.countDown();
      }, "yishi-db-shutdown"));
      stopped.await();
    } catch (ConfigException e) {
      fail(2, "cannot start: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void fail(int status, String message) {
    System.err.println("yishi: " + message);
    System.exit(status);
  }
}
