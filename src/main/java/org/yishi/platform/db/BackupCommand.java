package org.yishi.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.yishi.platform.config.AppConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * {@code java -jar yishi.jar backup [--url URL | --data-dir DIR] [--files DIR] OUT} and
 * {@code java -jar yishi.jar restore BACKUP (--data-dir NEW_DIR | --url URL [--files DIR])}:
 * backups and restores that need nothing but the JDK and the jar (no pg_dump, no psql).
 * The database is {@code --url}, else {@code YISHI_PG_URL}, else the embedded one under the data
 * directory ({@code --data-dir}, else {@code YISHI_DATA_DIR}); a backup of an embedded database that
 * is not running starts it for the time of the backup. Exit status: 0 done (and, for a restore, its
 * check passed), 2 refused before anything was written (usage, a damaged or too new backup, a
 * target that is not empty), 1 failed (the partial backup removed; for a restore, the check's
 * findings printed).
 */
public final class BackupCommand {
  /** A refusal before anything was written: the message is the whole answer. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final AppConfig config;
  private final PrintStream out;
  private final PrintStream err;

  public BackupCommand(AppConfig config, PrintStream out, PrintStream err) {
    this.config = config;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code backup ARGS} or {@code restore ARGS}; answers the exit status. */
  public int run(String command, List<String> args) {
    try {
      Options o = Options.parse(command, args);
      return "backup".equals(command) ? backup(o) : restore(o);
    } catch (Refused e) {
      err.println("yishi " + command + ": " + e.getMessage());
      return 2;
    } catch (IOException | SQLException | RuntimeException e) {
      err.println("yishi " + command + ": failed: " + Database.rootMessage(e));
      return 1;
    }
  }

  private record Options(String url, Path dataDir, Path files, Path target) {
    static Options parse(String command, List<String> args) {
      String url = null;
      Path dataDir = null;
      Path files = null;
      Path target = null;
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        switch (a) {
          case "--url", "--data-dir", "--files" -> {
            if (i + 1 >= args.size()) {
              throw new Refused(a + " needs a value\n" + usage(command));
            }
            String v = args.get(++i);
            if ("--url".equals(a)) {
              url = v;
            } else if ("--data-dir".equals(a)) {
              dataDir = Path.of(v);
            } else {
              files = Path.of(v);
            }
          }
          default -> {
            if (a.startsWith("-") || target != null) {
              throw new Refused(usage(command));
            }
            target = Path.of(a);
          }
        }
      }
      if (target == null || (url != null && dataDir != null)) {
        throw new Refused(usage(command));
      }
      if ("restore".equals(command) && url == null && dataDir == null) {
        throw new Refused("name where to restore: --data-dir NEW_DIR (embedded database) or --url URL (an empty database)\n"
            + usage(command));
      }
      return new Options(url, dataDir, files, target);
    }

    static String usage(String command) {
      return "backup".equals(command)
          ? "usage: java -jar yishi.jar backup [--url postgresql://… | --data-dir DIR] [--files DIR] OUT"
          : "usage: java -jar yishi.jar restore BACKUP (--data-dir NEW_DATA_DIR | --url postgresql://… [--files DIR])";
    }
  }

  // ---- backup

  private int backup(Options o) throws IOException, SQLException {
    Path dir = o.target();
    boolean created = !Files.exists(dir);
    if (!created) {
      if (!Files.isDirectory(dir)) {
        throw new Refused(dir + " exists and is not a directory");
      }
      try (var list = Files.list(dir)) {
        if (list.findAny().isPresent()) {
          throw new Refused(dir + " exists and is not empty: back up into a new or empty directory");
        }
      }
    }
    String url = o.url() != null ? o.url() : o.dataDir() == null ? config.pgUrl() : null;
    Path dataDir = o.dataDir() != null ? o.dataDir() : config.dataDir();
    Path files = o.files() != null ? o.files() : dataDir.resolve("files");
    EmbeddedPostgres started = null;
    try {
      Files.createDirectories(dir);
      Connection c;
      String where;
      if (url != null) {
        c = BackupFormat.connect(url);
        where = BackupFormat.redact(url);
      } else {
        Integer port = runningPort(dataDir.resolve("pg"));
        if (port == null) {
          if (!Files.isRegularFile(dataDir.resolve("pg").resolve("PG_VERSION"))) {
            throw new Refused("no database under " + dataDir.toAbsolutePath() + "/pg (name the node's data directory with --data-dir,"
                + " or an external database with --url)");
          }
          out.println("The embedded database under " + dataDir + "/pg is not running: starting it for the backup ...");
          started = Database.startEmbedded(dataDir.resolve("pg"), 0, java.util.List.of("127.0.0.1"), "", config.zone());
          port = started.getPort();
        }
        where = "the embedded database under " + dataDir.resolve("pg");
        c = BackupFormat.connect("postgresql://postgres@127.0.0.1:" + port + "/postgres");
      }
      out.println("Backing up " + where + " into " + dir + " ...");
      BackupWriter.Summary s;
      try (c) {
        s = new BackupWriter(out).write(c, dir, Files.isDirectory(files) ? files : null);
      }
      if (!s.missingFiles().isEmpty()) {
        err.println("yishi backup: warning: " + s.missingFiles().size() + " attachment file(s) named in the database were not found under "
            + files + " (listed in backup.properties): " + String.join(", ", s.missingFiles()));
      }
      out.println("Backup done: schema " + s.schemaVersion() + ", " + s.tables() + " tables, " + s.rows() + " rows, "
          + s.files() + " attachment file(s), " + sizeOf(dir) + " in " + dir);
      return 0;
    } catch (IOException | SQLException | RuntimeException e) {
      BackupWriter.removePartial(dir, created);
      if (!(e instanceof Refused)) {
        err.println("yishi backup: the partial backup in " + dir + " was removed");
      }
      throw e;
    } finally {
      if (started != null) {
        started.close();
      }
    }
  }

  /** The port of the embedded server running on {@code pgDir}, from its postmaster.pid; null when none runs. */
  static Integer runningPort(Path pgDir) throws IOException {
    Path pidFile = pgDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return null;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.size() < 4 || !lines.get(0).trim().matches("\\d+") || !lines.get(3).trim().matches("\\d+")) {
      return null;
    }
    boolean alive = ProcessHandle.of(Long.parseLong(lines.get(0).trim())).map(ProcessHandle::isAlive).orElse(false);
    return alive ? Integer.valueOf(lines.get(3).trim()) : null;
  }

  // ---- restore

  private int restore(Options o) throws IOException, SQLException {
    BackupRestorer restorer = new BackupRestorer(o.target(), out);
    restorer.verify();
    Path dataDir = o.dataDir();
    Path files = o.files() != null ? o.files() : dataDir == null ? null : dataDir.resolve("files");
    if (restorer.hasFiles() && files == null) {
      throw new Refused("the backup holds attachments: name their directory with --files DIR");
    }
    boolean createdDir = false;
    EmbeddedPostgres embedded = null;
    String url = o.url();
    if (dataDir != null) {
      if (Files.exists(dataDir)) {
        if (!Files.isDirectory(dataDir)) {
          throw new Refused(dataDir + " exists and is not a directory");
        }
        try (var list = Files.list(dataDir)) {
          if (list.findAny().isPresent()) {
            throw new Refused(dataDir + " is not empty: restore into a new, empty data directory (the existing data stays untouched)");
          }
        }
      } else {
        createdDir = true;
      }
    }
    out.println("Restoring " + o.target() + " (" + restorer.describe() + ") ...");
    boolean ok = false;
    boolean migrated = false;
    try {
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        embedded = Database.startEmbedded(dataDir.resolve("pg"), 0, java.util.List.of("127.0.0.1"), "", config.zone());
        url = "postgresql://postgres@127.0.0.1:" + embedded.getPort() + "/postgres";
      }
      try (Connection c = BackupFormat.connect(url)) {
        List<String> existing = BackupFormat.tables(c);
        if (!existing.isEmpty()) {
          throw new Refused("the target database " + BackupFormat.redact(url) + " is not empty (" + existing.size()
              + " tables): restore into an empty database");
        }
        restorer.checkSchemaKnown(flyway(url, null));
        migrated = true;
        flyway(url, restorer.schemaVersion()).migrate();
        out.println("Schema " + restorer.schemaVersion() + " created by this jar's migrations; loading rows ...");
        restorer.load(c);
        int copied = files == null ? 0 : restorer.copyFiles(files);
        if (copied > 0) {
          out.println("  " + copied + " attachment file(s) into " + files);
        }
        out.println("Checking ...");
        int failures = restorer.check(c, files);
        if (failures != 0) {
          out.println("Restore check FAILED (" + failures + " problem(s))");
          return 1;
        }
      }
      ok = true;
      out.println("Restore check passed." + (dataDir == null ? ""
          : " Start the node with YISHI_DATA_DIR=" + dataDir + " (it applies any newer migrations at start)."));
      return 0;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
      if (!ok && dataDir != null) {
        BackupWriter.removePartial(dataDir, createdDir);
        err.println("yishi restore: " + dataDir + " was emptied again: fix the problem and restore into it anew");
      } else if (!ok && migrated) {
        err.println("yishi restore: the target database may hold the schema without rows now: drop its tables before trying again");
      }
    }
  }

  private Flyway flyway(String url, String target) {
    java.net.URI uri = java.net.URI.create(url);
    String info = uri.getUserInfo();
    String user = info == null ? null : info.contains(":") ? info.substring(0, info.indexOf(':')) : info;
    String password = info == null || !info.contains(":") ? null : info.substring(info.indexOf(':') + 1);
    String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
    var flyway = Flyway.configure()
        .dataSource("jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort()) + "/" + db, user, password)
        .locations("classpath:db/migration")
        .placeholders(Database.placeholders(config.zone()));
    // a restore migrates to the backup's (maybe older) version: without the callbacks, which hold
    // the current definitions of the roll-up functions (afterMigrate__rollup_functions.sql) and
    // run when a node of this release starts on the restored database
    return (target == null ? flyway : flyway.target(target).skipDefaultCallbacks(true)).load();
  }

  private static String sizeOf(Path dir) throws IOException {
    long bytes;
    try (var walk = Files.walk(dir)) {
      bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    return bytes >= 1 << 20 ? String.format("%.1f MiB", bytes / 1048576.0) : String.format("%.1f KiB", bytes / 1024.0);
  }
}
