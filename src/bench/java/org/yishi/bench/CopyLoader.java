package org.yishi.bench;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Streams the generator's COPY text into PostgreSQL: one connection and one thread per table, so
 * the tables load side by side while the generator keeps producing. Each connection runs with
 * {@code session_replication_role = replica}, which skips triggers (the roll-up triggers and the
 * foreign-key checks, which the generator satisfies by construction); checks, unique and exclusion
 * constraints are still enforced. Needs a superuser (the embedded database's {@code postgres}).
 */
public final class CopyLoader implements Generator.Sink, AutoCloseable {
  private static final byte[] END = new byte[0];

  private final Jdbc jdbc;
  private final Map<Generator.Table, Worker> workers = new EnumMap<>(Generator.Table.class);

  public CopyLoader(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  private final class Worker extends Thread {
    final Generator.Table table;
    final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(32);
    volatile Exception failure;
    long bytes;

    Worker(Generator.Table table) {
      super("copy-" + table.table);
      this.table = table;
      setDaemon(true);
    }

    @Override
    public void run() {
      try (Connection c = jdbc.open()) {
        try (Statement s = c.createStatement()) {
          s.execute("SET session_replication_role = replica");
        }
        try (PGCopyOutputStream out = new PGCopyOutputStream(c.unwrap(PGConnection.class), table.copySql(), 1 << 16)) {
          for (byte[] chunk = queue.take(); chunk != END; chunk = queue.take()) {
            out.write(chunk);
            bytes += chunk.length;
          }
        }
      } catch (Exception e) {
        failure = e;
        queue.clear();
      }
    }
  }

  @Override
  public void write(Generator.Table table, byte[] chunk) throws IOException {
    Worker w = workers.computeIfAbsent(table, t -> {
      Worker started = new Worker(t);
      started.start();
      return started;
    });
    if (w.failure != null) {
      throw new IOException("COPY " + table.table + " failed: " + w.failure.getMessage(), w.failure);
    }
    try {
      while (!w.queue.offer(chunk, 1, java.util.concurrent.TimeUnit.SECONDS)) {
        if (w.failure != null || !w.isAlive()) {
          throw new IOException("COPY " + table.table + " failed: " + w.failure, w.failure);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Ends every COPY (each commits) and waits for them; fails if any failed. */
  @Override
  public void close() throws IOException {
    IOException failed = null;
    for (Worker w : workers.values()) {
      try {
        if (w.isAlive()) {
          w.queue.put(END);
        }
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (w.failure != null && failed == null) {
        failed = new IOException("COPY " + w.table.table + " failed: " + w.failure.getMessage(), w.failure);
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** A JDBC connection factory for a {@code postgresql://user[:pass]@host:port/db} URL. */
  public record Jdbc(String url, String user, String password) {
    public static Jdbc of(String uri) {
      java.net.URI u = java.net.URI.create(uri.replaceFirst("^postgres(ql)?://", "http://"));
      String[] info = u.getUserInfo() == null ? new String[] {"postgres"} : u.getUserInfo().split(":", 2);
      return new Jdbc("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath(),
          info[0], info.length > 1 ? info[1] : null);
    }

    public Connection open() throws SQLException {
      java.util.Properties p = new java.util.Properties();
      p.setProperty("user", user);
      if (password != null) {
        p.setProperty("password", password);
      }
      p.setProperty("ApplicationName", "yishi-bench");
      return java.sql.DriverManager.getConnection(url, p);
    }

    public String host() {
      return java.net.URI.create(url.substring(5)).getHost();
    }

    public int port() {
      return java.net.URI.create(url.substring(5)).getPort();
    }

    public String database() {
      return java.net.URI.create(url.substring(5)).getPath().substring(1);
    }
  }
}
