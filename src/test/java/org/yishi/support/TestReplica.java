package org.yishi.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.yishi.platform.db.Database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * A real PostgreSQL streaming replica of an embedded primary, made as an operator would without
 * pg_basebackup (the embedded binaries carry only the server): a physical replication slot, an
 * online copy of the data directory between pg_backup_start and pg_backup_stop, the backup label,
 * standby.signal and primary_conninfo; then the copy starts as a hot standby and streams the WAL.
 */
public final class TestReplica {
  /** Directories whose contents a base backup leaves out (as pg_basebackup does). */
  private static final Set<String> EMPTY_DIRS = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem",
      "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");
  private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
      "backup_label", "tablespace_map");

  private TestReplica() {
  }

  /** Copies {@code primaryDir} (the running {@code primary}'s data) to {@code replicaDir} and starts it as a standby. */
  public static EmbeddedPostgres start(EmbeddedPostgres primary, Path primaryDir, Path replicaDir) {
    String slot = "yishi_replica";
    try (Connection c = DriverManager.getConnection(primary.getJdbcUrl("postgres", "postgres"));
         Statement st = c.createStatement()) {
      st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
      st.execute("SELECT pg_backup_start('yishi replica', true)");
      copy(primaryDir, replicaDir);
      String label;
      try (ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
        rs.next();
        label = rs.getString(1);
      }
      Files.writeString(replicaDir.resolve("backup_label"), label);
      Files.writeString(replicaDir.resolve("standby.signal"), "");
      Files.writeString(replicaDir.resolve("postgresql.auto.conf"),
          "primary_conninfo = 'host=127.0.0.1 port=" + primary.getPort() + " user=postgres application_name=yishi_replica'\n"
              + "primary_slot_name = '" + slot + "'\n",
          java.nio.file.StandardOpenOption.APPEND);
    } catch (SQLException e) {
      throw new IllegalStateException("base backup failed", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      // PostgreSQL refuses a data directory others may read
      Files.setPosixFilePermissions(replicaDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Database.startEmbedded(replicaDir, 0);
  }

  /** Waits until the replica has replayed everything the primary had written when called. */
  public static void awaitCatchUp(EmbeddedPostgres primary, EmbeddedPostgres replica) {
    try (Connection p = DriverManager.getConnection(primary.getJdbcUrl("postgres", "postgres"));
         Connection r = DriverManager.getConnection(replica.getJdbcUrl("postgres", "postgres"));
         Statement ps = p.createStatement(); Statement rs = r.createStatement()) {
      String lsn;
      try (ResultSet x = ps.executeQuery("SELECT pg_current_wal_lsn()")) {
        x.next();
        lsn = x.getString(1);
      }
      for (int i = 0; i < 600; i++) {
        try (ResultSet x = rs.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
          x.next();
          if (x.getBoolean(1)) {
            return;
          }
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("the replica did not reach " + lsn + " in 60 s");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Path target = to.resolve(from.relativize(dir).toString());
        Files.createDirectories(target);
        if (EMPTY_DIRS.contains(dir.getFileName().toString()) && !dir.equals(from)) {
          if ("pg_wal".equals(dir.getFileName().toString())) {
            Files.createDirectories(target.resolve("archive_status"));
          }
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (!SKIPPED_FILES.contains(file.getFileName().toString())) {
          try {
            Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
          } catch (NoSuchFileException gone) {
            // a temporary file removed while copying: the WAL replay recreates what matters
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
