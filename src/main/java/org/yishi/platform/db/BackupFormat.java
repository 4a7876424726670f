package org.yishi.platform.db;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a backup directory holds and how both sides read the database, so that {@link BackupWriter}
 * and {@link BackupRestorer} agree byte for byte:
 * <pre>
 *   backup.properties   format, schema version, server version, time, totals
 *   manifest.tsv        per table: name, rows, MD5 of its rows (in the backup's snapshot)
 *   columns.tsv         per table: the columns its COPY data holds, in order
 *   sequences.tsv       per sequence: name, last value, is_called
 *   tables/NAME.copy.gz the table's rows, PostgreSQL COPY text format, gzipped
 *   files/xx/SHA256     the attachments' files, content-addressed as under YISHI_DATA_DIR/files
 *   SHA256SUMS          the SHA-256 of every file above (sha256sum -c reads it); written last
 * </pre>
 */
final class BackupFormat {
  static final String FORMAT = "1";
  static final String PROPERTIES = "backup.properties";
  static final String MANIFEST = "manifest.tsv";
  static final String COLUMNS = "columns.tsv";
  static final String SEQUENCES = "sequences.tsv";
  static final String SUMS = "SHA256SUMS";
  static final String TABLES = "tables";
  static final String FILES = "files";
  /** The table whose {@code sha256} column names the attachment files (when it exists). */
  static final String ATTACHMENT_TABLE = "attachment";

  private BackupFormat() {
  }

  /** Session settings under which row text, and so the checksums and COPY data, are the same everywhere. */
  static void fixSessionSettings(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';"
          + " SET extra_float_digits = 1; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'");
    }
  }

  /** The tables of the public schema (partitioned parents not included), by name. */
  static List<String> tables(Connection c) throws SQLException {
    return strings(c, """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname""");
  }

  /** The columns a COPY of the table carries: not dropped, not generated, in table order. */
  static List<String> columns(Connection c, String table) throws SQLException {
    try (var ps = c.prepareStatement("""
        SELECT a.attname FROM pg_attribute a
         WHERE a.attrelid = ('public.' || quote_ident(?))::regclass AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attgenerated = '' ORDER BY a.attnum""")) {
      ps.setString(1, table);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  /** Per table: rows and an MD5 of its rows in a fixed order (the same SQL as the scripts used before). */
  static Map<String, String> manifest(Connection c) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String table : tables(c)) {
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), ''))"
               + " FROM public." + ident(table) + " r")) {
        rs.next();
        out.put(table, rs.getLong(1) + "\t" + rs.getString(2));
      }
    }
    return out;
  }

  /** The schema version Flyway last applied, or null on a database without Yishi's schema. */
  static String schemaVersion(Connection c) throws SQLException {
    if (strings(c, "SELECT 1 FROM pg_class WHERE relname = 'flyway_schema_history' AND relkind = 'r'").isEmpty()) {
      return null;
    }
    List<String> v = strings(c, """
        SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL
         ORDER BY installed_rank DESC LIMIT 1""");
    return v.isEmpty() ? null : v.get(0);
  }

  static boolean hasAttachments(Connection c) throws SQLException {
    return !strings(c, "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public." + ATTACHMENT_TABLE
        + "') AND attname = 'sha256'").isEmpty();
  }

  /** The SHA-256 of the attachments whose bytes are not in the database (kept as files by earlier releases). */
  static List<String> attachmentsOnDisk(Connection c) throws SQLException {
    boolean inDatabase = !strings(c, "SELECT 1 FROM pg_class WHERE relname = 'file_content' AND relkind = 'r'").isEmpty();
    return strings(c, "SELECT DISTINCT sha256 FROM " + ATTACHMENT_TABLE + " a"
        + (inDatabase ? " WHERE NOT EXISTS (SELECT 1 FROM file_content f WHERE f.sha256 = a.sha256)" : "") + " ORDER BY 1");
  }

  /**
   * The attachments whose bytes are in the database: their number, and those whose chunks do not
   * add up to their size and SHA-256.
   */
  static long[] attachmentsInDatabase(Connection c) throws SQLException {
    if (strings(c, "SELECT 1 FROM pg_class WHERE relname = 'file_content' AND relkind = 'r'").isEmpty()) {
      return new long[] {0, 0};
    }
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
        SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM (
          SELECT f.sha256, coalesce(encode(sha256(string_agg(k.data, ''::bytea ORDER BY k.seq)), 'hex') = f.sha256
                 AND sum(length(k.data)) = f.size_bytes, false) AS ok
            FROM file_content f LEFT JOIN file_chunk k ON k.sha256 = f.sha256 GROUP BY f.sha256, f.size_bytes) x""")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  static List<String> strings(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  static String ident(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  /** Where a content-addressed file lives below a files directory. */
  static Path filePath(Path filesDir, String sha256) {
    return filesDir.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JDBC connection to a {@code postgresql://user:pass@host:port/db} URL. */
  static Connection connect(String url) throws SQLException {
    URI uri = URI.create(url);
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw new SQLException("not a postgresql:// URL");
    }
    Properties props = new Properties();
    String info = uri.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      props.setProperty("user", decode(colon < 0 ? info : info.substring(0, colon)));
      if (colon >= 0) {
        props.setProperty("password", decode(info.substring(colon + 1)));
      }
    }
    props.setProperty("ApplicationName", "yishi-backup");
    props.setProperty("connectTimeout", "10");
    String db = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "postgres" : decode(uri.getRawPath().substring(1));
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort())
        + "/" + db + query, props);
  }

  /** The URL without its password, for messages. */
  static String redact(String url) {
    return url.replaceFirst("(://[^:/@]+):[^@]*@", "$1:***@");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
