package org.yishi.platform.db;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static org.yishi.platform.db.BackupFormat.ident;

/**
 * Writes one consistent backup of a running database into a new directory (layout:
 * {@link BackupFormat}). Every table, the manifest, the sequences' values and the list of
 * attachments are read in one {@code REPEATABLE READ READ ONLY} transaction, so they all see the
 * same snapshot while the nodes go on writing. Nothing but the JDK and the jar is needed: COPY runs
 * through the JDBC driver. On any failure (a full disk among them) the partial backup is removed.
 */
final class BackupWriter {
  private final PrintStream out;
  private final Map<String, String> sums = new TreeMap<>();

  BackupWriter(PrintStream out) {
    this.out = out;
  }

  /** Facts of a finished backup, for the closing line. */
  record Summary(int tables, long rows, int files, List<String> missingFiles, String schemaVersion) {
  }

  Summary write(Connection c, Path dir, Path filesDir) throws IOException, SQLException {
    c.setAutoCommit(false);
    BackupFormat.fixSessionSettings(c);
    try (Statement st = c.createStatement()) {
      st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    }
    String schema = BackupFormat.schemaVersion(c);
    if (schema == null) {
      throw new SQLException("the database has no Yishi schema (no flyway_schema_history): nothing to back up");
    }
    String server = BackupFormat.strings(c, "SHOW server_version").get(0);
    Files.createDirectories(dir.resolve(BackupFormat.TABLES));

    // the manifest first: it also pins the transaction's snapshot before any COPY
    Map<String, String> manifest = BackupFormat.manifest(c);
    StringBuilder columns = new StringBuilder();
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    long rows = 0;
    for (Map.Entry<String, String> e : manifest.entrySet()) {
      String table = e.getKey();
      List<String> cols = BackupFormat.columns(c, table);
      columns.append(table).append('\t').append(String.join(",", cols)).append('\n');
      String file = BackupFormat.TABLES + "/" + table + ".copy.gz";
      try (OutputStream raw = digesting(dir, file);
           GZIPOutputStream gz = new GZIPOutputStream(raw, 1 << 16)) {
        copy.copyOut("COPY public." + ident(table) + " (" + String.join(",", cols.stream().map(BackupFormat::ident).toList())
            + ") TO STDOUT", gz);
      }
      long n = Long.parseLong(e.getValue().substring(0, e.getValue().indexOf('\t')));
      rows += n;
      out.println("  " + table + ": " + n + " rows");
    }
    writeText(dir, BackupFormat.COLUMNS, columns.toString());
    StringBuilder manifestText = new StringBuilder();
    manifest.forEach((t, v) -> manifestText.append(t).append('\t').append(v).append('\n'));
    writeText(dir, BackupFormat.MANIFEST, manifestText.toString());

    // sequences are not transactional: read after the data, their values are at least what the data used
    StringBuilder seqs = new StringBuilder();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT sequencename, coalesce(last_value, 1), last_value IS NOT NULL FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")) {
      while (rs.next()) {
        seqs.append(rs.getString(1)).append('\t').append(rs.getLong(2)).append('\t').append(rs.getBoolean(3)).append('\n');
      }
    }
    writeText(dir, BackupFormat.SEQUENCES, seqs.toString());

    // the attachments the snapshot names: content-addressed, never rewritten
    List<String> missing = new ArrayList<>();
    int files = 0;
    if (BackupFormat.hasAttachments(c)) {
      // the bytes of most are rows of file_content/file_chunk; those an earlier release kept on disk are copied
      for (String sha : BackupFormat.attachmentsOnDisk(c)) {
        Path src = filesDir == null ? null : BackupFormat.filePath(filesDir, sha);
        if (src == null || !Files.isRegularFile(src)) {
          missing.add(sha);
          continue;
        }
        String rel = BackupFormat.FILES + "/" + sha.substring(0, 2) + "/" + sha;
        Path target = dir.resolve(rel);
        Files.createDirectories(target.getParent());
        Files.copy(src, target, StandardCopyOption.COPY_ATTRIBUTES);
        String actual = BackupFormat.sha256(target);
        if (!actual.equals(sha)) {
          Files.delete(target);
          missing.add(sha);
          continue;
        }
        sums.put(rel, actual);
        files++;
      }
    }
    c.commit();

    String props = "format=" + BackupFormat.FORMAT + "\n"
        + "schema_version=" + schema + "\n"
        + "server_version=" + server + "\n"
        + "taken_at=" + Instant.now() + "\n"
        + "tables=" + manifest.size() + "\n"
        + "rows=" + rows + "\n"
        + "files=" + files + "\n"
        + "missing_files=" + String.join(",", missing) + "\n";
    writeText(dir, BackupFormat.PROPERTIES, props);
    // the checksums last: a backup without them is incomplete and restore refuses it
    StringBuilder sumText = new StringBuilder();
    sums.forEach((f, s) -> sumText.append(s).append("  ").append(f).append('\n'));
    Path tmp = dir.resolve(BackupFormat.SUMS + ".tmp");
    Files.writeString(tmp, sumText, StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(BackupFormat.SUMS), StandardCopyOption.ATOMIC_MOVE);
    return new Summary(manifest.size(), rows, files, missing, schema);
  }

  private void writeText(Path dir, String name, String text) throws IOException {
    try (OutputStream o = digesting(dir, name)) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A file in the backup whose SHA-256 is recorded when it is closed. */
  private OutputStream digesting(Path dir, String name) throws IOException {
    MessageDigest md = BackupFormat.sha256();
    OutputStream file = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16);
    return new DigestOutputStream(file, md) {
      private boolean closed;

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        super.close();
        sums.put(name, HexFormat.of().formatHex(md.digest()));
      }
    };
  }

  /** Removes a partial backup: its files, and the directory when this run created it. */
  static void removePartial(Path dir, boolean created) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .filter(p -> created || !p.equals(dir))
          .forEach(p -> {
            try {
              Files.deleteIfExists(p);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("yishi backup: could not remove the partial backup in " + dir + ": " + e.getMessage());
    }
  }
}
