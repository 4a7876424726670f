package org.yishi.platform.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

import static org.yishi.platform.db.BackupFormat.ident;

/**
 * Reads a backup made by {@link BackupWriter} back into an empty database and checks it. Before
 * anything is written the whole backup is verified (every file's SHA-256, the format, a schema
 * version this jar knows), so a damaged or too new backup leaves the target untouched. The schema
 * comes from this jar's own migrations, applied up to the backup's version; the rows are loaded in
 * one transaction (user triggers off: the roll-up tables are restored as they were), then the
 * sequences. The check afterwards: every table's rows and checksum equal the manifest, the
 * statistics roll-up equals a rebuild from the restored rows, every attachment file is there.
 */
final class BackupRestorer {
  private final PrintStream out;
  private final Path backup;
  private Properties props;

  BackupRestorer(Path backup, PrintStream out) {
    this.backup = backup;
    this.out = out;
  }

  /** Verifies the backup; throws {@link BackupCommand.Refused} naming the first problem. */
  void verify() throws IOException {
    if (!Files.isDirectory(backup)) {
      throw new BackupCommand.Refused(backup + " is not a backup directory");
    }
    Path sums = backup.resolve(BackupFormat.SUMS);
    if (!Files.isRegularFile(sums) || !Files.isRegularFile(backup.resolve(BackupFormat.PROPERTIES))) {
      throw new BackupCommand.Refused(backup + " is not a complete backup (" + BackupFormat.SUMS + " or "
          + BackupFormat.PROPERTIES + " missing: the backup did not finish, or this is not a Yishi backup)");
    }
    Set<String> listed = new HashSet<>();
    for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(" {2}", 2);
      if (f.length != 2 || !f[0].matches("[0-9a-f]{64}") || f[1].contains("..") || f[1].startsWith("/")) {
        throw new BackupCommand.Refused(BackupFormat.SUMS + " is damaged (line: " + abbreviate(line) + ")");
      }
      Path file = backup.resolve(f[1]);
      if (!Files.isRegularFile(file)) {
        throw new BackupCommand.Refused("the backup is incomplete: " + f[1] + " is missing");
      }
      if (!BackupFormat.sha256(file).equals(f[0])) {
        throw new BackupCommand.Refused("the backup is damaged: " + f[1] + " does not match its checksum (truncated or edited)");
      }
      listed.add(f[1]);
    }
    for (String required : List.of(BackupFormat.PROPERTIES, BackupFormat.MANIFEST, BackupFormat.COLUMNS, BackupFormat.SEQUENCES)) {
      if (!listed.contains(required)) {
        throw new BackupCommand.Refused("the backup is incomplete: " + required + " is not in " + BackupFormat.SUMS);
      }
    }
    try (var walk = Files.walk(backup)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        String rel = backup.relativize(p).toString().replace('\\', '/');
        if (!rel.equals(BackupFormat.SUMS) && !listed.contains(rel)) {
          throw new BackupCommand.Refused("the backup holds a file its checksums do not list: " + rel);
        }
      }
    }
    props = new Properties();
    try (var r = Files.newBufferedReader(backup.resolve(BackupFormat.PROPERTIES), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    if (!BackupFormat.FORMAT.equals(props.getProperty("format"))) {
      throw new BackupCommand.Refused("backup format " + props.getProperty("format") + " is not one this jar reads ("
          + BackupFormat.FORMAT + ")");
    }
    if (schemaVersion() == null || !schemaVersion().matches("[0-9.]+")) {
      throw new BackupCommand.Refused("the backup names no schema version");
    }
    for (String table : manifest().keySet()) {
      if (!listed.contains(BackupFormat.TABLES + "/" + table + ".copy.gz")) {
        throw new BackupCommand.Refused("the backup is incomplete: the rows of table " + table + " are missing");
      }
    }
  }

  String schemaVersion() {
    return props.getProperty("schema_version");
  }

  String describe() {
    return "schema " + schemaVersion() + ", PostgreSQL " + props.getProperty("server_version") + ", taken "
        + props.getProperty("taken_at") + ", " + props.getProperty("tables") + " tables, " + props.getProperty("rows")
        + " rows, " + props.getProperty("files") + " files";
  }

  boolean hasFiles() {
    return Files.isDirectory(backup.resolve(BackupFormat.FILES));
  }

  /**
   * Refuses a backup whose schema this jar does not know (a newer release made it); reads the
   * migrations the jar carries, so it is asked before the target database is touched.
   */
  void checkSchemaKnown(Flyway flyway) {
    MigrationVersion wanted = MigrationVersion.fromVersion(schemaVersion());
    MigrationVersion newest = MigrationVersion.EMPTY;
    boolean known = false;
    for (MigrationInfo m : flyway.info().all()) {
      if (m.getVersion() == null) {
        continue;
      }
      known |= m.getVersion().equals(wanted);
      if (m.getVersion().compareTo(newest) > 0) {
        newest = m.getVersion();
      }
    }
    if (wanted.compareTo(newest) > 0) {
      throw new BackupCommand.Refused("the backup is of schema version " + wanted + ", newer than this jar knows ("
          + newest + "): restore it with the release that made it, or a newer one");
    }
    if (!known) {
      throw new BackupCommand.Refused("the backup's schema version " + wanted + " is not one of this jar's migrations");
    }
  }

  /** Loads the rows into {@code c}'s database, already migrated to the backup's schema version. */
  void load(Connection c) throws IOException, SQLException {
    c.setAutoCommit(false);
    BackupFormat.fixSessionSettings(c);
    Map<String, String> manifest = manifest();
    List<String> tables = BackupFormat.tables(c);
    if (!new TreeSet<>(tables).equals(new TreeSet<>(manifest.keySet()))) {
      Set<String> onlyBackup = new TreeSet<>(manifest.keySet());
      tables.forEach(onlyBackup::remove);
      Set<String> onlyDb = new TreeSet<>(tables);
      manifest.keySet().forEach(onlyDb::remove);
      throw new SQLException("the migrated schema's tables differ from the backup's (only in the backup: " + onlyBackup
          + ", only in the schema: " + onlyDb + ")");
    }
    Map<String, String> columns = tsv(BackupFormat.COLUMNS);
    try (Statement st = c.createStatement()) {
      for (String t : tables) {
        st.execute("ALTER TABLE public." + ident(t) + " DISABLE TRIGGER USER");
      }
      // rows the migrations seeded are replaced by the backup's
      st.execute("TRUNCATE " + String.join(", ", tables.stream().map(t -> "public." + ident(t)).toList()));
    }
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    for (String t : parentsFirst(c, tables)) {
      String cols = String.join(",", Arrays.stream(columns.getOrDefault(t, "").split(",")).map(BackupFormat::ident).toList());
      try (InputStream in = new GZIPInputStream(new BufferedInputStream(
          Files.newInputStream(backup.resolve(BackupFormat.TABLES).resolve(t + ".copy.gz")), 1 << 16))) {
        long n = copy.copyIn("COPY public." + ident(t) + " (" + cols + ") FROM STDIN", in);
        out.println("  " + t + ": " + n + " rows");
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT setval(to_regclass('public.' || quote_ident(?)), ?, ?) WHERE to_regclass('public.' || quote_ident(?)) IS NOT NULL")) {
      for (Map.Entry<String, String> e : tsv(BackupFormat.SEQUENCES).entrySet()) {
        String[] v = e.getValue().split("\t");
        ps.setString(1, e.getKey());
        ps.setLong(2, Long.parseLong(v[0]));
        ps.setBoolean(3, Boolean.parseBoolean(v[1]));
        ps.setString(4, e.getKey());
        ps.executeQuery().close();
      }
    }
    try (Statement st = c.createStatement()) {
      // deferred foreign-key checks run now: a table with pending trigger events cannot be altered
      st.execute("SET CONSTRAINTS ALL IMMEDIATE");
      for (String t : tables) {
        st.execute("ALTER TABLE public." + ident(t) + " ENABLE TRIGGER USER");
      }
    }
    c.commit();
  }

  /** Copies the attachment files into {@code filesDir}, each checked against its name (its SHA-256). */
  int copyFiles(Path filesDir) throws IOException {
    Path from = backup.resolve(BackupFormat.FILES);
    if (!Files.isDirectory(from)) {
      return 0;
    }
    int n = 0;
    try (var walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        Path target = BackupFormat.filePath(filesDir, p.getFileName().toString());
        Files.createDirectories(target.getParent());
        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        n++;
      }
    }
    return n;
  }

  /** The checks after a restore; prints one line each and answers the number of failed checks. */
  int check(Connection c, Path filesDir) throws IOException, SQLException {
    c.setAutoCommit(true);
    BackupFormat.fixSessionSettings(c);
    int failures = 0;
    Map<String, String> expected = manifest();
    Map<String, String> actual = BackupFormat.manifest(c);
    if (expected.equals(actual)) {
      long rows = expected.values().stream().mapToLong(v -> Long.parseLong(v.substring(0, v.indexOf('\t')))).sum();
      out.println("  tables: " + expected.size() + " tables, " + rows + " rows, counts and row checksums equal the backup's");
    } else {
      out.println("  tables: DIFFERENT from the backup (table: backup rows/checksum -> restored):");
      Set<String> all = new TreeSet<>(expected.keySet());
      all.addAll(actual.keySet());
      for (String t : all) {
        if (!String.valueOf(expected.get(t)).equals(String.valueOf(actual.get(t)))) {
          out.println("    " + t + ": " + expected.get(t) + " -> " + actual.get(t));
        }
      }
      failures++;
    }
    if (!BackupFormat.strings(c, "SELECT 1 FROM pg_proc WHERE proname = 'stats_rebuild'").isEmpty()) {
      c.setAutoCommit(false);
      String sum = "SELECT md5(coalesce(string_agg(s::text, E'\\n' ORDER BY s::text), '')) FROM stats_station_month s";
      String before = BackupFormat.strings(c, sum).get(0);
      BackupFormat.strings(c, "SELECT stats_rebuild() >= 0");
      String after = BackupFormat.strings(c, sum).get(0);
      c.rollback();
      c.setAutoCommit(true);
      if (before.equals(after)) {
        out.println("  statistics: the restored roll-up equals stats_rebuild() over the restored rows ("
            + BackupFormat.strings(c, "SELECT count(*) FROM stats_station_month").get(0) + " station-months)");
      } else {
        out.println("  statistics: the restored roll-up DIFFERS from stats_rebuild() (" + before + " vs " + after + ")");
        failures++;
      }
    }
    if (BackupFormat.hasAttachments(c)) {
      Set<String> missingAtBackup = new HashSet<>(Arrays.asList(props.getProperty("missing_files", "").split(",")));
      missingAtBackup.remove("");
      long[] inDb = BackupFormat.attachmentsInDatabase(c);
      List<String> onDisk = BackupFormat.attachmentsOnDisk(c);
      int bad = (int) inDb[1];
      for (String sha : onDisk) {
        Path f = filesDir == null ? null : BackupFormat.filePath(filesDir, sha);
        if (!missingAtBackup.contains(sha) && (f == null || !Files.isRegularFile(f) || !BackupFormat.sha256(f).equals(sha))) {
          bad++;
        }
      }
      if (bad == 0) {
        out.println("  attachments: " + inDb[0] + " file(s) in the database and " + (onDisk.size() - missingAtBackup.size())
            + " on disk, each with its size and SHA-256"
            + (missingAtBackup.isEmpty() ? "" : "; " + missingAtBackup.size() + " were already missing when the backup was taken"));
      } else {
        out.println("  attachments: " + bad + " of " + (inDb[0] + onDisk.size()) + " file(s) missing or damaged");
        failures++;
      }
    }
    return failures;
  }

  private Map<String, String> manifest() throws IOException {
    return tsv(BackupFormat.MANIFEST);
  }

  /** A two-or-more-column TSV of the backup as first column -> the rest. */
  private Map<String, String> tsv(String name) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(backup.resolve(name), StandardCharsets.UTF_8)) {
      int tab = line.indexOf('\t');
      if (tab > 0) {
        out.put(line.substring(0, tab), line.substring(tab + 1));
      }
    }
    return out;
  }

  /** The tables in an order where every foreign key's target is loaded before the table that refers to it. */
  private static List<String> parentsFirst(Connection c, List<String> tables) throws SQLException {
    Map<String, Set<String>> parents = new HashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
        SELECT ch.relname, pa.relname FROM pg_constraint k
          JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
          JOIN pg_namespace n ON n.oid = ch.relnamespace
         WHERE k.contype = 'f' AND n.nspname = 'public' AND ch.oid <> pa.oid""")) {
      while (rs.next()) {
        parents.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
      }
    }
    LinkedHashSet<String> order = new LinkedHashSet<>();
    List<String> pending = new ArrayList<>(tables);
    while (!pending.isEmpty()) {
      int before = order.size();
      for (var it = pending.iterator(); it.hasNext(); ) {
        String t = it.next();
        if (order.containsAll(parents.getOrDefault(t, Set.of()))) {
          order.add(t);
          it.remove();
        }
      }
      if (order.size() == before) {
        throw new SQLException("foreign keys form a cycle among " + pending + ": cannot order the load");
      }
    }
    return List.copyOf(order);
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
