package org.yishi.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.yishi.platform.db.Database;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (embedded binaries) per test JVM. Each test class takes a fresh database
 * in it, so classes never see each other's rows.
 */
public final class TestPostgres {
  private static EmbeddedPostgres server;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestPostgres() {
  }

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      // the cluster in a directory of its own, beside the access rules the start writes
      Path dir = TempDirs.createUnregistered("yishi-test-pg");
      server = Database.startEmbedded(dir.resolve("pg"), 0);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close();
        } catch (IOException ignored) {
          // the JVM is going away
        }
        TempDirs.delete(dir);
      }));
    }
    return server;
  }

  /** Creates an empty database and returns its {@code postgresql://} URL. */
  public static String freshDatabaseUrl() {
    String name = "yishi_t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    EmbeddedPostgres pg = server();
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
         Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/" + name;
  }

  /** A JDBC connection to a database given by its {@code postgresql://} URL (for assertions). */
  public static Connection jdbc(String url) throws SQLException {
    String rest = url.substring(url.indexOf('@') + 1);
    return DriverManager.getConnection("jdbc:postgresql://" + rest + "?user=postgres");
  }
}
