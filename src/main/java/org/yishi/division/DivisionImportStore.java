package org.yishi.division;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.yishi.platform.division.DivisionLevel;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The import's SQL, on one JDBC connection inside one transaction (blocking: the importer runs on
 * a worker thread, and the reactive client has no COPY). Rows are streamed with COPY into
 * temporary tables that vanish at commit or rollback, checked there set-wise, and merged into
 * {@code division} in the same transaction, so a failure leaves the previous data untouched.
 *
 * <p>Temporary tables: {@code division_staging} holds every row with a readable code (rows refused
 * on reading are kept as {@code refused} so their children can say so); {@code division_kept} one row
 * per code, at its highest level, with the {@code problem} found for it; {@code division_extra} the
 * other rows of repeated codes, each a quirk or a duplicate.
 */
final class DivisionImportStore {
  /** Serialises imports across the cluster: one advisory lock key for the whole feature. */
  private static final long IMPORT_LOCK = 0x79697368_6964_0001L;
  private static final int COPY_BUFFER = 1 << 18;

  /** Significant digits per depth, 1-based in SQL: ARRAY[2,4,6,9,12][depth]. */
  private static final String SIG = "(ARRAY[2,4,6,9,12])";
  private static final String LEVELS = "ARRAY['province','city','county','township','village']";

  private final Connection conn;
  private CopyIn copy;
  private final byte[] copyBuffer = new byte[COPY_BUFFER];
  private int copyLength;
  private final StringBuilder line = new StringBuilder(256);

  DivisionImportStore(Connection conn) {
    this.conn = conn;
  }

  /**
   * Opens the transaction: waits for any other node's import to finish, gives this bulk job more
   * sort and temporary memory than an ordinary query, and creates the staging table.
   */
  void begin() throws SQLException {
    conn.setAutoCommit(false);
    try (Statement st = conn.createStatement()) {
      // temp_buffers can only be set before the session first touches a temporary table
      st.execute("SET LOCAL temp_buffers = '128MB'");
      st.execute("SET LOCAL work_mem = '64MB'");
      st.execute("SET LOCAL maintenance_work_mem = '128MB'");
      st.execute("SELECT pg_advisory_xact_lock(" + IMPORT_LOCK + ")");
      st.execute("""
          CREATE TEMP TABLE division_staging (
            line        bigint   NOT NULL,
            code        char(12) NOT NULL,
            name        text,
            level       text,
            parent_code char(12),
            depth       smallint,
            self_parent boolean  NOT NULL,
            refused     boolean  NOT NULL
          ) ON COMMIT DROP""");
    }
  }

  /** Starts streaming rows into the staging table. */
  void startCopy() throws SQLException {
    copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(
        "COPY division_staging (line, code, name, level, parent_code, depth, self_parent, refused) "
            + "FROM STDIN (FORMAT csv)");
    copyLength = 0;
  }

  /** Stages a row that passed the row checks. */
  void stage(long lineNo, String code, String name, DivisionLevel level, String parentCode) throws SQLException {
    line.setLength(0);
    line.append(lineNo).append(',').append(code).append(",\"");
    // CSV quoting: the name is the only free text; a quote is doubled
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '"') {
        line.append('"');
      }
      line.append(c);
    }
    line.append("\",").append(level.key()).append(',');
    if (parentCode != null) {
      line.append(parentCode);
    }
    line.append(',').append(level.depth()).append(',').append(code.equals(parentCode) ? 't' : 'f').append(",f\n");
    write(line);
  }

  /** Stages the code of a refused row, so that its children report "parent refused", not "missing". */
  void stageRefused(long lineNo, String code) throws SQLException {
    line.setLength(0);
    line.append(lineNo).append(',').append(code).append(",,,,,f,t\n");
    write(line);
  }

  private void write(CharSequence text) throws SQLException {
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    if (copyLength + bytes.length > copyBuffer.length) {
      flushCopy();
    }
    System.arraycopy(bytes, 0, copyBuffer, copyLength, bytes.length);
    copyLength += bytes.length;
  }

  private void flushCopy() throws SQLException {
    if (copyLength > 0) {
      copy.writeToCopy(copyBuffer, 0, copyLength);
      copyLength = 0;
    }
  }

  /** Ends the COPY; returns the rows staged. */
  long endCopy() throws SQLException {
    flushCopy();
    long rows = copy.endCopy();
    copy = null;
    return rows;
  }

  /** Abandons a COPY in progress (the transaction is rolled back afterwards). */
  void cancelCopy() {
    if (copy != null && copy.isActive()) {
      try {
        copy.cancelCopy();
      } catch (SQLException ignored) {
        // the rollback that follows discards everything anyway
      }
    }
    copy = null;
  }

  /**
   * Keeps one row per code (the highest level, then the first line), and sorts the other rows of
   * repeated codes into quirks and duplicates. A repeat is a quirk when it sits at a lower level,
   * names the code itself as parent, carries the same name, and is the first repeat at that level:
   * the shape of 东莞市/中山市/儋州市 (city and county) and 金门县 (county, township, village).
   */
  void resolveRepeats() throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE INDEX ON division_staging (code)");
      st.execute("ANALYZE division_staging");
      st.execute("""
          CREATE TEMP TABLE division_kept ON COMMIT DROP AS
          SELECT DISTINCT ON (code) line, code, name, level, parent_code, depth, self_parent,
                 CASE WHEN self_parent THEN 'self_parent' END AS problem,
                 NULL::bigint AS ref_line, NULL::text AS ref_level
            FROM division_staging
           WHERE NOT refused
           ORDER BY code, depth, line""");
      st.execute("CREATE UNIQUE INDEX ON division_kept (code)");
      st.execute("ANALYZE division_kept");
      st.execute("""
          CREATE TEMP TABLE division_extra ON COMMIT DROP AS
          SELECT s.line, s.code, s.name, s.level, s.depth,
                 k.line AS kept_line, k.level AS kept_level, s.depth = k.depth AS same_level,
                 (s.depth > k.depth AND s.self_parent AND NOT k.self_parent AND s.name = k.name
                  AND row_number() OVER (PARTITION BY s.code, s.depth ORDER BY s.line) = 1) AS quirk
            FROM division_staging s
            JOIN division_kept k ON k.code = s.code
           WHERE NOT s.refused AND s.line <> k.line""");
    }
  }

  /**
   * Checks every kept row's parent: present in the file or the database, and of the level just
   * above, or of a higher level when the code itself skips the levels between (a township of
   * 东莞市 has county digits 00). Then refuses, level by level, the rows below a refused row whose
   * code the database does not already hold.
   */
  void checkParents() throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.executeUpdate("""
          WITH checked AS (
            SELECT c.code, c.depth, c.parent_code,
                   coalesce(p.depth, array_position(%2$s, d.level)) AS pd,
                   coalesce(p.level, d.level) AS plevel
              FROM division_kept c
              LEFT JOIN division_kept p ON p.code = c.parent_code
              LEFT JOIN division d ON d.code = c.parent_code
             WHERE c.parent_code IS NOT NULL AND c.problem IS NULL
          ), bad AS (
            SELECT code, plevel,
                   (SELECT min(r.line) FROM division_staging r WHERE r.refused AND r.code = checked.parent_code) AS refused_line,
                   pd
              FROM checked
             WHERE pd IS NULL
                OR NOT (pd = depth - 1
                        OR (pd < depth - 1
                            AND substr(code, %1$s[pd] + 1, %1$s[depth - 1] - %1$s[pd]) ~ '^0+$'))
          )
          UPDATE division_kept c
             SET problem = CASE WHEN bad.pd IS NOT NULL THEN 'parent_level'
                                WHEN bad.refused_line IS NOT NULL THEN 'parent_refused'
                                ELSE 'parent_missing' END,
                 ref_line = bad.refused_line,
                 ref_level = bad.plevel
            FROM bad
           WHERE c.code = bad.code""".formatted(SIG, LEVELS));
      // a refused unit takes its subtree with it; five levels at most
      for (int i = 0; i < DivisionLevel.values().length; i++) {
        int n = st.executeUpdate("""
            UPDATE division_kept c
               SET problem = 'parent_refused', ref_line = p.line, ref_level = p.level
              FROM division_kept p
             WHERE p.code = c.parent_code AND p.problem IS NOT NULL AND c.problem IS NULL
               AND NOT EXISTS (SELECT 1 FROM division d WHERE d.code = c.parent_code)""");
        if (n == 0) {
          break;
        }
      }
    }
  }

  /** A problem found set-wise, before it is worded. */
  record Problem(long line, String code, String level, String parentCode, String kind, Long refLine, String refLevel) {
  }

  /** How many rows have a set-wise problem. */
  long countProblems() throws SQLException {
    try (Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("""
             SELECT (SELECT count(*) FROM division_kept WHERE problem IS NOT NULL)
                  + (SELECT count(*) FROM division_extra WHERE NOT quirk)""")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The first {@code limit} set-wise problems by line. */
  List<Problem> problems(int limit) throws SQLException {
    List<Problem> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement("""
        SELECT line, code, level, parent_code, problem, ref_line, ref_level
          FROM division_kept WHERE problem IS NOT NULL
        UNION ALL
        SELECT line, code, level, NULL, CASE WHEN same_level THEN 'duplicate' ELSE 'bad_repeat' END,
               kept_line, kept_level
          FROM division_extra WHERE NOT quirk
        ORDER BY line
        LIMIT ?""")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long ref = rs.getLong(6);
          out.add(new Problem(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.wasNull() ? null : ref, rs.getString(7)));
        }
      }
    }
    return out;
  }

  /** How many codes were resolved as quirks. */
  long countQuirks() throws SQLException {
    try (Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(DISTINCT code) FROM division_extra WHERE quirk")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** A code seen at several levels: the kept row and the repeats folded into it. */
  record QuirkRows(String code, String name, String keptLevel, long keptLine, List<String> repeatLevels,
                   List<Long> repeatLines) {
  }

  /** The first {@code limit} quirks, in the order of their kept rows. */
  List<QuirkRows> quirks(int limit) throws SQLException {
    List<QuirkRows> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement("""
        SELECT k.code, k.name, k.level, k.line,
               array_agg(e.level ORDER BY e.depth), array_agg(e.line ORDER BY e.depth)
          FROM division_extra e
          JOIN division_kept k ON k.code = e.code
         WHERE e.quirk
         GROUP BY k.code, k.name, k.level, k.line
         ORDER BY k.line
         LIMIT ?""")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new QuirkRows(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
              List.of((String[]) array(rs.getArray(5))), List.of((Long[]) array(rs.getArray(6)))));
        }
      }
    }
    return out;
  }

  private static Object array(Array a) throws SQLException {
    try {
      return a.getArray();
    } finally {
      a.free();
    }
  }

  /** Accepted units (one per code, no problem) per level. */
  Map<DivisionLevel, Long> acceptedByLevel() throws SQLException {
    Map<DivisionLevel, Long> counts = new EnumMap<>(DivisionLevel.class);
    try (Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery(
             "SELECT level, count(*) FROM division_kept WHERE problem IS NULL GROUP BY level")) {
      while (rs.next()) {
        counts.put(DivisionLevel.fromKey(rs.getString(1)).orElseThrow(), rs.getLong(2));
      }
    }
    return counts;
  }

  /** Inserted and updated rows of a merge. */
  record Merged(long inserted, long updated) {
  }

  /**
   * Inserts new units and updates those whose name, level or parent changed; an identical row is
   * not written, so re-importing a file leaves {@code updated_at} alone. {@code xmax = 0} marks a
   * row this statement inserted rather than updated.
   */
  Merged merge() throws SQLException {
    try (Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("""
             WITH merged AS (
               INSERT INTO division AS d (code, name, level, parent_code)
               SELECT code, name, level, parent_code FROM division_kept WHERE problem IS NULL
               ON CONFLICT (code) DO UPDATE
                  SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
                      updated_at = now()
                WHERE (d.name, d.level, d.parent_code)
                      IS DISTINCT FROM (excluded.name, excluded.level, excluded.parent_code)
               RETURNING (xmax = 0) AS inserted
             )
             SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged""")) {
      rs.next();
      return new Merged(rs.getLong(1), rs.getLong(2));
    }
  }

  /** Units in the database that the file does not mention at all (they are kept). */
  long countAbsentFromFile() throws SQLException {
    try (Statement st = conn.createStatement();
         ResultSet rs = st.executeQuery("""
             SELECT count(*) FROM division d
              WHERE NOT EXISTS (SELECT 1 FROM division_staging s WHERE s.code = d.code)""")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Refreshes planner statistics after a large change; outside the import transaction. */
  void analyze() throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("ANALYZE division");
    }
  }
}
