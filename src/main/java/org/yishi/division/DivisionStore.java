package org.yishi.division;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.division.Page;
import org.yishi.platform.db.Like;
import org.yishi.platform.http.AppException;
import org.yishi.platform.reliability.ReferenceCache;
import org.yishi.platform.web.Text;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All reads of {@code division} and all access to the import job table {@code division_import},
 * on the shared reactive pool: every method returns a future and may be called from an event loop
 * or a worker thread. (The import itself writes through {@link DivisionImporter}, over JDBC.)
 *
 * <p>Arguments that cannot be valid (a code that is not 12 digits where one is required, a page
 * size outside 1..{@value #MAX_PAGE}, an empty search) fail the future with a
 * {@link AppException} of kind {@code MALFORMED}.
 */
public final class DivisionStore implements Divisions {
  /** Largest page a caller may ask for. */
  public static final int MAX_PAGE = 500;
  private static final String COLUMNS = "code, name, level, parent_code";
  private static final String LEVEL_ORDER =
      "array_position(ARRAY['province','city','county','township','village'], level)";
  private static final String JOB_COLUMNS = "id, status, mode, filename, started_by, started_at, finished_at,"
      + " bytes_total, bytes_read, rows_read, phase, updated_at, failure, report";
  private static final String PHASE_ORDER = "ARRAY['reading','validating','merging','done']";

  /** The reference-cache set of divisions ({@link ReferenceCache}); an applied import changes it. */
  static final String CACHE = "divisions";

  private final Pool pool;
  private final ReferenceCache cache;

  /** A store over the node's shared pool ({@code app.pool()}). */
  public DivisionStore(Pool pool) {
    this.pool = pool;
    this.cache = ReferenceCache.of(pool);
  }

  /**
   * Tells every node that the divisions changed (after an applied import), so that the units,
   * children and chains they cache are read again.
   */
  public void changed() {
    cache.changed(CACHE);
  }

  /** The unit with this code, if any (empty also for a string that is not a code). Cached (reference data). */
  public Future<Optional<Division>> find(String code) {
    if (!DivisionCode.isCode(code)) {
      return Future.succeededFuture(Optional.empty());
    }
    return cache.get(CACHE, "find:" + code, () -> pool.preparedQuery("SELECT " + COLUMNS + " FROM division WHERE code = $1")
        .execute(Tuple.of(code))
        .map(rows -> first(rows).map(DivisionStore::division)));
  }

  /** Whether a unit with this code exists. */
  public Future<Boolean> exists(String code) {
    if (!DivisionCode.isCode(code)) {
      return Future.succeededFuture(false);
    }
    return pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM division WHERE code = $1)")
        .execute(Tuple.of(code))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /**
   * The units directly below {@code parentCode} in code order, one page of them, with the total.
   * A {@code null} parent lists the provinces. Cached (reference data).
   */
  public Future<Page<Division>> children(String parentCode, int limit, int offset) {
    return cache.get(CACHE, "children:" + parentCode + ":" + limit + ":" + offset,
        () -> childrenFromDatabase(parentCode, limit, offset));
  }

  private Future<Page<Division>> childrenFromDatabase(String parentCode, int limit, int offset) {
    Optional<AppException> bad = pageProblem(limit, offset);
    if (bad.isEmpty() && parentCode != null && !DivisionCode.isCode(parentCode)) {
      bad = Optional.of(AppException.malformed("parent code must be 12 digits"));
    }
    if (bad.isPresent()) {
      return Future.failedFuture(bad.get());
    }
    String where = parentCode == null ? "parent_code IS NULL" : "parent_code = $3";
    Tuple pageArgs = parentCode == null ? Tuple.of(limit, offset) : Tuple.of(limit, offset, parentCode);
    Future<RowSet<Row>> items = pool.preparedQuery("SELECT " + COLUMNS + " FROM division WHERE " + where
        + " ORDER BY code LIMIT $1 OFFSET $2").execute(pageArgs);
    Future<RowSet<Row>> total = parentCode == null
        ? pool.query("SELECT count(*) FROM division WHERE parent_code IS NULL").execute()
        : pool.preparedQuery("SELECT count(*) FROM division WHERE parent_code = $1").execute(Tuple.of(parentCode));
    return page(items, total, limit, offset);
  }

  /**
   * Units whose name contains {@code fragment} (case-insensitive; {@code %} and {@code _} match
   * themselves), optionally only those whose code starts with {@code prefix} (e.g. {@code 2208}
   * for 白城市 and everything below it; {@link DivisionCode#prefix} gives a unit's prefix).
   * Higher levels first, then by code.
   */
  public Future<Page<Division>> search(String fragment, String prefix, int limit, int offset) {
    Optional<AppException> bad = pageProblem(limit, offset);
    if (bad.isEmpty() && (Text.blank(fragment) || fragment.length() > DivisionImporter.MAX_NAME_LENGTH)) {
      bad = Optional.of(AppException.malformed("search text must have 1 to " + DivisionImporter.MAX_NAME_LENGTH + " characters"));
    }
    if (bad.isEmpty() && prefix != null && !prefix.isEmpty() && !DivisionCode.isPrefix(prefix)) {
      bad = Optional.of(AppException.malformed("code prefix must be 1 to 12 digits"));
    }
    if (bad.isPresent()) {
      return Future.failedFuture(bad.get());
    }
    String p = prefix == null ? "" : prefix;
    String pattern = Like.contains(fragment);
    String where = " FROM division WHERE name ILIKE $1 ESCAPE '\\' AND code BETWEEN $2 AND $3";
    Tuple args = Tuple.of(pattern, DivisionCode.rangeLow(p), DivisionCode.rangeHigh(p));
    Future<RowSet<Row>> items = pool.preparedQuery("SELECT " + COLUMNS + where
            + " ORDER BY " + LEVEL_ORDER + ", code LIMIT $4 OFFSET $5")
        .execute(Tuple.of(pattern, DivisionCode.rangeLow(p), DivisionCode.rangeHigh(p), limit, offset));
    Future<RowSet<Row>> total = pool.preparedQuery("SELECT count(*)" + where).execute(args);
    return page(items, total, limit, offset);
  }

  /**
   * The chain from the province down to the unit itself ({@code [吉林省, 白城市, 洮北区]} for
   * 洮北区); empty when the code is unknown. Cached (reference data).
   */
  public Future<List<Division>> ancestors(String code) {
    if (!DivisionCode.isCode(code)) {
      return Future.succeededFuture(List.of());
    }
    // the depth guard keeps a corrupted (cyclic) parent chain from recursing for ever
    return cache.get(CACHE, "ancestors:" + code, () -> pool.preparedQuery("""
            WITH RECURSIVE chain AS (
              SELECT code, name, level, parent_code, 0 AS hops FROM division WHERE code = $1
              UNION ALL
              SELECT d.code, d.name, d.level, d.parent_code, c.hops + 1
                FROM division d JOIN chain c ON d.code = c.parent_code
               WHERE c.hops < 8
            )
            SELECT code, name, level, parent_code FROM chain ORDER BY hops DESC""")
        .execute(Tuple.of(code))
        .map(DivisionStore::divisions));
  }

  /**
   * The townships and villages/communities under a district (by code prefix), in code order so
   * each township is followed by its villages: the choices of the station registration form.
   */
  public Future<List<Division>> stationSites(String districtPrefix) {
    if (!DivisionCode.isPrefix(districtPrefix)) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery("""
            SELECT code, name, level, parent_code FROM division
             WHERE code LIKE $1 || '%' AND level IN ('township', 'village') ORDER BY code""")
        .execute(Tuple.of(districtPrefix))
        .map(DivisionStore::divisions);
  }

  /**
   * How many units of each level have a code starting with {@code prefix} (all five levels, zero
   * when none); a {@code null} or empty prefix counts the whole table.
   */
  public Future<Map<DivisionLevel, Long>> countByLevel(String prefix) {
    String p = prefix == null ? "" : prefix;
    if (!p.isEmpty() && !DivisionCode.isPrefix(p)) {
      return Future.failedFuture(AppException.malformed("code prefix must be 1 to 12 digits"));
    }
    return pool.preparedQuery("SELECT level, count(*) FROM division WHERE code BETWEEN $1 AND $2 GROUP BY level")
        .execute(Tuple.of(DivisionCode.rangeLow(p), DivisionCode.rangeHigh(p)))
        .map(rows -> {
          Map<DivisionLevel, Long> counts = new EnumMap<>(DivisionLevel.class);
          for (DivisionLevel l : DivisionLevel.values()) {
            counts.put(l, 0L);
          }
          rows.forEach(r -> counts.put(DivisionLevel.fromKey(r.getString(0)).orElseThrow(), r.getLong(1)));
          return counts;
        });
  }

  // ---- import jobs ----------------------------------------------------------------------------

  /**
   * Records a new import as {@code queued} and returns its id.
   *
   * @param bytesTotal size of the upload when known, else {@code null}
   */
  public Future<Long> createImportJob(DivisionImportMode mode, String filename, String startedBy, Long bytesTotal) {
    return pool.preparedQuery("INSERT INTO division_import (mode, filename, started_by, bytes_total)"
            + " VALUES ($1, $2, $3, $4) RETURNING id")
        .execute(Tuple.of(mode.key(), filename, startedBy, bytesTotal))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Records progress and marks the job {@code running}. Meant to be fired from the importer's
   * progress callback without waiting: late or reordered updates never move counters or the phase
   * backwards, and never touch a finished job.
   */
  public Future<Void> updateImportProgress(long id, long bytesRead, long rowsRead, DivisionImportProgress.Phase phase) {
    return pool.preparedQuery("""
            UPDATE division_import
               SET status = 'running',
                   bytes_read = greatest(bytes_read, $2),
                   rows_read = greatest(rows_read, $3),
                   phase = CASE WHEN array_position(%1$s, $4) >= coalesce(array_position(%1$s, phase), 0)
                                THEN $4 ELSE phase END,
                   updated_at = now()
             WHERE id = $1 AND status IN ('queued', 'running')""".formatted(PHASE_ORDER))
        .execute(Tuple.of(id, bytesRead, rowsRead, phase.key()))
        .mapEmpty();
  }

  /** Ends a job with its report: {@code succeeded} when the report says it was applied, else {@code failed}. */
  public Future<Void> finishImportJob(long id, DivisionImportReport report) {
    return pool.preparedQuery("""
            UPDATE division_import
               SET status = $2, report = $3, rows_read = $4, phase = 'done',
                   finished_at = now(), updated_at = now()
             WHERE id = $1""")
        .execute(Tuple.of(id, report.applied() ? "succeeded" : "failed", report.toJson(), report.rowsRead()))
        .mapEmpty();
  }

  /**
   * Like {@link #finishImportJob(long, DivisionImportReport)}, and appends {@code audit} to the audit
   * log in the same transaction.
   */
  public Future<Void> finishImportJob(long id, DivisionImportReport report, AuditEntry audit) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            UPDATE division_import
               SET status = $2, report = $3, rows_read = $4, phase = 'done',
                   finished_at = now(), updated_at = now()
             WHERE id = $1""")
        .execute(Tuple.of(id, report.applied() ? "succeeded" : "failed", report.toJson(), report.rowsRead()))
        .compose(rows -> AuditLog.record(tx, audit)));
  }

  /**
   * Records that the node running (or holding, queued) this job is alive, without other change:
   * an import can spend minutes in one phase, or waiting for another node's import.
   */
  public Future<Void> heartbeatImportJob(long id) {
    return pool.preparedQuery("UPDATE division_import SET updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')")
        .execute(Tuple.of(id))
        .mapEmpty();
  }

  /**
   * Fails every unfinished job whose last write is older than {@code after} (its node stopped), with
   * {@code failure} as the reason; {@code updated_at} keeps the time of that last write. Returns how
   * many jobs it failed.
   */
  public Future<Integer> expireStaleImportJobs(Duration after, String failure) {
    return pool.preparedQuery("""
            UPDATE division_import
               SET status = 'failed', failure = $2, finished_at = now()
             WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)""")
        .execute(Tuple.of((double) after.toSeconds(), failure))
        .map(RowSet::rowCount);
  }

  /** Ends a job that could not produce a report (database failure, shutdown) as {@code failed}. */
  public Future<Void> failImportJob(long id, String failure) {
    return pool.preparedQuery("""
            UPDATE division_import
               SET status = 'failed', failure = $2, finished_at = now(), updated_at = now()
             WHERE id = $1 AND status IN ('queued', 'running')""")
        .execute(Tuple.of(id, failure))
        .mapEmpty();
  }

  /** The job with this id, if any. */
  public Future<Optional<DivisionImportJob>> findImportJob(long id) {
    return pool.preparedQuery("SELECT " + JOB_COLUMNS + " FROM division_import WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> first(rows).map(DivisionStore::job));
  }

  /** The most recent jobs, newest first. */
  public Future<List<DivisionImportJob>> recentImportJobs(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      return Future.failedFuture(AppException.malformed("limit must be 1 to " + MAX_PAGE));
    }
    return pool.preparedQuery("SELECT " + JOB_COLUMNS + " FROM division_import ORDER BY started_at DESC, id DESC LIMIT $1")
        .execute(Tuple.of(limit))
        .map(rows -> {
          List<DivisionImportJob> jobs = new ArrayList<>();
          rows.forEach(r -> jobs.add(job(r)));
          return jobs;
        });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static Optional<AppException> pageProblem(int limit, int offset) {
    if (limit < 1 || limit > MAX_PAGE) {
      return Optional.of(AppException.malformed("limit must be 1 to " + MAX_PAGE));
    }
    if (offset < 0) {
      return Optional.of(AppException.malformed("offset must not be negative"));
    }
    return Optional.empty();
  }

  private static Future<Page<Division>> page(Future<RowSet<Row>> items, Future<RowSet<Row>> total, int limit, int offset) {
    return Future.all(items, total).map(both -> new Page<>(divisions(items.result()),
        total.result().iterator().next().getLong(0), limit, offset));
  }

  private static Optional<Row> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }

  private static List<Division> divisions(RowSet<Row> rows) {
    List<Division> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(division(r)));
    return out;
  }

  private static Division division(Row r) {
    return new Division(r.getString("code"), r.getString("name"),
        DivisionLevel.fromKey(r.getString("level")).orElseThrow(), r.getString("parent_code"));
  }

  private static DivisionImportJob job(Row r) {
    return new DivisionImportJob(
        r.getLong("id"),
        r.getString("status"),
        DivisionImportMode.fromKey(r.getString("mode")).orElseThrow(),
        r.getString("filename"),
        r.getString("started_by"),
        r.getOffsetDateTime("started_at"),
        r.getOffsetDateTime("finished_at"),
        r.getLong("bytes_total"),
        r.getLong("bytes_read"),
        r.getLong("rows_read"),
        r.getString("phase"),
        r.getOffsetDateTime("updated_at"),
        r.getString("failure"),
        r.getJsonObject("report"));
  }
}
