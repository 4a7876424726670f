package org.yishi.division;

import org.yishi.division.DivisionImportProgress.Phase;
import org.yishi.division.DivisionImportReport.Quirk;
import org.yishi.division.DivisionImportReport.RowError;
import org.yishi.platform.db.JdbcSource;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.web.Text;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Imports the administrative-division CSV ({@code code,name,level,parent_code}, plain or gzip) into
 * {@code division}. Blocking: run it on a worker thread ({@code vertx.executeBlocking}).
 *
 * <p>Rows are checked one by one while they stream into a temporary table over COPY, then checked
 * together (repeats, parents) and merged with one {@code INSERT … ON CONFLICT} — all in one
 * transaction, so a failure at any point leaves the previous data as it was. Imports from several
 * nodes wait for each other. See docs/divisions.md for the rules and the report.
 */
public final class DivisionImporter {
  private static final Logger LOG = Logger.getLogger(DivisionImporter.class.getName());

  /** The only header accepted, on line 1. */
  public static final String HEADER = "code,name,level,parent_code";
  /** Errors (and quirks) listed in a report; beyond this they are only counted. */
  public static final int MAX_DETAILS = 1000;
  /** Longest name accepted, in characters (Unicode code points). */
  public static final int MAX_NAME_LENGTH = 100;
  /** Default cap on the decompressed size of a file: the national file is 37 MB. */
  public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
  private static final int PROGRESS_EVERY_ROWS = 16_384;
  /** Below this many changed rows the planner statistics are left to autovacuum. */
  private static final long ANALYZE_AFTER_CHANGES = 10_000;

  private final JdbcSource connections;
  private final long maxBytes;

  /** An importer with the default 256 MB cap on the decompressed input. */
  public DivisionImporter(JdbcSource connections) {
    this(connections, DEFAULT_MAX_BYTES);
  }

  /** An importer refusing inputs larger than {@code maxBytes} once decompressed. */
  public DivisionImporter(JdbcSource connections, long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    this.connections = connections;
    this.maxBytes = maxBytes;
  }

  /**
   * Reads the whole input and applies it according to {@code mode}. Problems with the file (bad
   * rows, a wrong header, truncated gzip, too large) are reported, never thrown: the report says
   * whether anything was applied. The input stream is read to its end (or to the first unreadable
   * byte) but not closed.
   *
   * @throws SQLException when the database fails; nothing is applied then either
   */
  public DivisionImportReport importCsv(InputStream input, DivisionImportMode mode, DivisionImportProgress progress)
      throws SQLException {
    long started = System.nanoTime();
    Run run = new Run(mode, progress == null ? DivisionImportProgress.NONE : progress);
    try (Connection conn = connections.open()) {
      DivisionImportStore store = new DivisionImportStore(conn);
      try {
        DivisionImportReport report = run.execute(input, store, conn);
        return withDuration(report, started);
      } catch (SQLException | RuntimeException e) {
        store.cancelCopy();
        rollbackQuietly(conn);
        throw e;
      }
    }
  }

  private static DivisionImportReport withDuration(DivisionImportReport r, long started) {
    long ms = (System.nanoTime() - started) / 1_000_000;
    return new DivisionImportReport(r.rowsRead(), r.inserted(), r.updated(), r.unchanged(), r.absentKept(),
        r.byLevel(), r.quirks(), r.quirksTotal(), r.errors(), r.errorsTotal(), r.fileError(), r.applied(),
        r.mode(), ms);
  }

  private static void rollbackQuietly(Connection conn) {
    try {
      conn.rollback();
    } catch (SQLException e) {
      LOG.log(Level.FINE, "rollback after a failed import", e);
    }
  }

  /** The state of one import. */
  private final class Run {
    private final DivisionImportMode mode;
    private final DivisionImportProgress progress;
    private final List<RowError> rowErrors = new ArrayList<>();
    private long rowErrorCount;
    private long rowsRead;
    private long bytesRead;

    Run(DivisionImportMode mode, DivisionImportProgress progress) {
      this.mode = mode;
      this.progress = progress;
    }

    DivisionImportReport execute(InputStream input, DivisionImportStore store, Connection conn) throws SQLException {
      store.begin();
      store.startCopy();
      DivisionReason fileError = read(input, store);
      if (fileError != null) {
        store.cancelCopy();
        conn.rollback();
        return refused(fileError);
      }
      store.endCopy();

      report(Phase.VALIDATING);
      store.resolveRepeats();
      store.checkParents();
      long problemCount = store.countProblems();
      List<RowError> errors = firstErrors(store.problems(MAX_DETAILS));
      long errorsTotal = rowErrorCount + problemCount;
      long quirksTotal = store.countQuirks();
      List<Quirk> quirks = store.quirks(MAX_DETAILS).stream().map(DivisionImporter::describe).toList();
      Map<DivisionLevel, Long> byLevel = store.acceptedByLevel();
      long accepted = byLevel.values().stream().mapToLong(Long::longValue).sum();

      if (mode == DivisionImportMode.ATOMIC && errorsTotal > 0) {
        conn.rollback();
        report(Phase.DONE);
        return new DivisionImportReport(rowsRead, 0, 0, 0, 0, byLevel, quirks, quirksTotal, errors, errorsTotal,
            null, false, mode, 0);
      }

      report(Phase.MERGING);
      DivisionImportStore.Merged merged = store.merge();
      long absent = store.countAbsentFromFile();
      conn.commit();
      if (merged.inserted() + merged.updated() >= ANALYZE_AFTER_CHANGES) {
        conn.setAutoCommit(true);
        store.analyze();
      }
      report(Phase.DONE);
      return new DivisionImportReport(rowsRead, merged.inserted(), merged.updated(),
          accepted - merged.inserted() - merged.updated(), absent, byLevel, quirks, quirksTotal, errors,
          errorsTotal, null, true, mode, 0);
    }

    /** Streams the rows into staging; returns why the whole file is refused, or {@code null}. */
    private DivisionReason read(InputStream input, DivisionImportStore store) throws SQLException {
      DivisionCsvReader reader;
      try {
        reader = new DivisionCsvReader(input, maxBytes);
      } catch (IOException e) {
        return fileError(1, DivisionReason.of("unreadable", message(e)));
      }
      long lastLine = 0;
      try {
        if (!reader.next()) {
          return fileError(1, DivisionReason.of("empty", HEADER));
        }
        lastLine = 1;
        if (reader.error() != null || !HEADER.equals(reader.text())) {
          return fileError(1, reader.error() != null ? reader.error() : DivisionReason.of("wrongHeader", abbreviate(reader.text()), HEADER));
        }
        while (reader.next()) {
          lastLine = reader.line();
          if (reader.blank()) {
            continue;
          }
          rowsRead++;
          checkAndStage(reader, store);
          if (rowsRead % PROGRESS_EVERY_ROWS == 0) {
            bytesRead = reader.bytesRead();
            report(Phase.READING);
          }
        }
        bytesRead = reader.bytesRead();
        report(Phase.READING);
        return null;
      } catch (DivisionCsvReader.InputTooLargeException e) {
        return fileError(lastLine + 1, DivisionReason.of("tooLarge", DivisionCsvReader.describeBytes(e.max()), lastLine));
      } catch (IOException e) {
        return fileError(lastLine + 1, DivisionReason.of(reader.gzip() ? "gzipCorrupt" : "truncated", lastLine, message(e)));
      }
    }

    /** Records why the whole file is refused; listed even when the row errors before it filled the list. */
    private DivisionReason fileError(long line, DivisionReason reason) {
      rowErrorCount++;
      rowErrors.add(new RowError(line, null, reason));
      return reason;
    }

    private DivisionImportReport refused(DivisionReason reason) {
      report(Phase.DONE);
      return new DivisionImportReport(rowsRead, 0, 0, 0, 0, Map.of(), List.of(), 0, List.copyOf(rowErrors),
          rowErrorCount, reason.english(), false, mode, 0);
    }

    /** The row checks that need no other row; a row failing one is reported with the first reason. */
    private void checkAndStage(DivisionCsvReader r, DivisionImportStore store) throws SQLException {
      long line = r.line();
      if (r.error() != null) {
        addRowError(new RowError(line, null, r.error()));
        return;
      }
      if (r.fieldCount() != 4) {
        addRowError(new RowError(line, null, DivisionReason.of("columns", HEADER, r.fieldCount())));
        return;
      }
      String code = r.field(0);
      if (!DivisionCode.isCode(code)) {
        addRowError(new RowError(line, null, DivisionReason.of("codeDigits", abbreviate(code))));
        return;
      }
      DivisionReason reason = rowProblem(code, r.field(1), r.field(2), r.field(3));
      if (reason != null) {
        addRowError(new RowError(line, code, reason));
        store.stageRefused(line, code);
        return;
      }
      String parent = r.field(3).isEmpty() ? null : r.field(3);
      store.stage(line, code, r.field(1), DivisionLevel.fromKey(r.field(2)).orElseThrow(), parent);
    }

    private void addRowError(RowError e) {
      rowErrorCount++;
      if (rowErrors.size() < MAX_DETAILS) {
        rowErrors.add(e);
      }
    }

    /** Row errors (in line order) and set-wise problems merged by line, the first {@link #MAX_DETAILS}. */
    private List<RowError> firstErrors(List<DivisionImportStore.Problem> problems) {
      List<RowError> all = new ArrayList<>(rowErrors);
      problems.forEach(p -> all.add(new RowError(p.line(), p.code(), describe(p))));
      all.sort(Comparator.comparingLong(RowError::line));
      return List.copyOf(all.subList(0, Math.min(all.size(), MAX_DETAILS)));
    }

    private void report(Phase phase) {
      try {
        progress.update(bytesRead, rowsRead, phase);
      } catch (RuntimeException e) {
        // progress is informational; a failing listener must not fail the import
        LOG.log(Level.WARNING, "division import progress listener failed", e);
      }
    }
  }

  /**
   * Why a row with a 12-digit code is refused on its own, or {@code null}. Repeats that name the
   * code itself as parent skip the shape checks: whether they are an accepted quirk depends on the
   * other rows of the code.
   */
  static DivisionReason rowProblem(String code, String name, String levelKey, String parentCode) {
    Optional<DivisionLevel> found = DivisionLevel.fromKey(levelKey);
    if (found.isEmpty()) {
      return DivisionReason.of("unknownLevel", abbreviate(levelKey));
    }
    DivisionLevel level = found.get();
    DivisionReason nameProblem = nameProblem(name);
    if (nameProblem != null) {
      return nameProblem;
    }
    if (level == DivisionLevel.PROVINCE) {
      return parentCode.isEmpty() ? null
          : DivisionReason.of("provinceParent", abbreviate(parentCode));
    }
    if (parentCode.isEmpty()) {
      return DivisionReason.of("parentEmpty", DivisionReason.level(level), DivisionReason.level(level.above()));
    }
    if (!DivisionCode.isCode(parentCode)) {
      return DivisionReason.of("parentDigits", abbreviate(parentCode));
    }
    if (parentCode.equals(code)) {
      return null;
    }
    if (!DivisionCode.fitsLevel(code, level)) {
      return level == DivisionLevel.VILLAGE
          ? DivisionReason.of("codeLevelVillage", code, DivisionReason.level(level), level.segmentStart() + 1, level.significantDigits())
          : DivisionReason.of("codeLevel", code, DivisionReason.level(level), level.segmentStart() + 1, level.significantDigits(),
              level.significantDigits() + 1);
    }
    String expected = DivisionCode.parentOf(code, level);
    if (!expected.equals(parentCode)) {
      return DivisionReason.of("parentMismatch", parentCode, code, expected);
    }
    return null;
  }

  /** Why a name is refused, or {@code null}. Names are otherwise stored exactly as given. */
  static DivisionReason nameProblem(String name) {
    if (Text.blank(name)) {
      return DivisionReason.of("nameEmpty");
    }
    int length = name.codePointCount(0, name.length());
    if (length > MAX_NAME_LENGTH) {
      return DivisionReason.of("nameTooLong", MAX_NAME_LENGTH, length);
    }
    for (int i = 0, pos = 1; i < name.length(); pos++) {
      int cp = name.codePointAt(i);
      int type = Character.getType(cp);
      if (type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        return DivisionReason.of("nameControl", String.format("U+%04X", cp), pos);
      }
      i += Character.charCount(cp);
    }
    return null;
  }

  private static DivisionReason describe(DivisionImportStore.Problem p) {
    String parent = p.parentCode();
    return switch (p.kind()) {
      case "self_parent" -> DivisionReason.of("selfParent");
      case "parent_missing" -> DivisionReason.of("parentMissing", parent);
      case "parent_refused" -> DivisionReason.of("parentRefused", parent, p.refLine(), DivisionReason.level(p.level()));
      case "parent_level" -> DivisionReason.of("parentLevel", parent, DivisionReason.level(p.refLevel()),
          DivisionReason.level(p.level()), DivisionReason.level(DivisionLevel.fromKey(p.level()).orElseThrow().above()));
      case "duplicate" -> DivisionReason.of("duplicate", p.code(), p.refLine());
      case "bad_repeat" -> DivisionReason.of("badRepeat", p.code(), DivisionReason.level(p.refLevel()), p.refLine());
      default -> throw new IllegalStateException("unknown import problem " + p.kind());
    };
  }

  private static Quirk describe(DivisionImportStore.QuirkRows q) {
    List<DivisionLevel> levels = new ArrayList<>();
    levels.add(DivisionLevel.fromKey(q.keptLevel()).orElseThrow());
    q.repeatLevels().forEach(l -> levels.add(DivisionLevel.fromKey(l).orElseThrow()));
    List<Long> lines = new ArrayList<>();
    lines.add(q.keptLine());
    lines.addAll(q.repeatLines());
    DivisionReason resolution = DivisionReason.of(q.repeatLevels().size() == 1 ? "quirkOne" : "quirkMany",
        DivisionReason.level(q.keptLevel()), q.keptLine(), DivisionReason.levels(q.repeatLevels()), q.code());
    return new Quirk(q.code(), q.name(), List.copyOf(levels), levels.get(0), List.copyOf(lines), resolution);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
