package org.yishi.report;

import org.yishi.platform.notify.Notices;
import org.yishi.platform.db.Rows;
import org.yishi.platform.notify.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.security.Access;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.security.Jurisdiction;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * All SQL of reports: issued snapshots (table {@code report}, immutable by trigger), the admins'
 * schedule overrides, and the in-app notifications that a report is ready. Committees, divisions and
 * accounts belong to other features and are only read here.
 */
public record ReportStore(Pool pool, ZoneId zone) {
  private static final String SUMMARY = """
      id, kind, unit_code, unit_name, unit_level, period, period_from, period_to, version, trigger, requested_by,
      generated_by, generated_at, generation_ms,
      version = (SELECT max(version) FROM report l WHERE l.kind = r.kind AND l.unit_code = r.unit_code AND l.period = r.period) AS latest""";

  /** A report to issue: where it lies, what it covers, and its snapshot. */
  record Issue(ReportPeriod period, String unitCode, String unitName, String unitLevel, String trigger, Long requestedBy,
               String node, long generationMs, JsonObject content, String notifyTitle) {
  }

  String time(OffsetDateTime t) {
    return org.yishi.platform.Times.iso(t, zone);
  }

  private JsonObject summary(Row r) {
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "kind", "unit_code", "unit_name", "unit_level", "period", "version", "latest",
        "trigger", "requested_by", "generated_by");
    Rows.times(json, r, zone, "generated_at");
    Rows.columns(json, r, "generation_ms");
    return json;
  }

  /**
   * Issues version 1 of a scheduled (or caught-up, or demo) report and notifies its readers, in one
   * transaction; when that period already has a report (another node issued it) nothing is written.
   * Answers the new report's id, or null when it existed.
   */
  public Future<Long> issueFirst(Issue issue) {
    return pool.withTransaction(tx -> insert(tx, issue, "1")
        .compose(id -> id == null ? Future.succeededFuture((Long) null) : notifyReaders(tx, id, issue).map(n -> id)));
  }

  /**
   * Issues the next version of a report (a regeneration), and notifies its readers, in one
   * transaction. Answers {@code {id, version}}, or null when a concurrent regeneration took that
   * version number (the caller tries again).
   */
  public Future<JsonObject> issueNext(Issue issue) {
    return pool.withTransaction(tx -> insert(tx, issue,
            "(SELECT coalesce(max(version), 0) + 1 FROM report WHERE kind = $1 AND unit_code = $2 AND period = $5)")
        .compose(id -> id == null ? Future.succeededFuture((JsonObject) null)
            : notifyReaders(tx, id, issue).compose(n -> tx.preparedQuery("SELECT version FROM report WHERE id = $1")
                .execute(Tuple.of(id)).map(rows -> new JsonObject().put("id", id)
                    .put("version", rows.iterator().next().getInteger(0))))));
  }

  private Future<Long> insert(SqlClient tx, Issue i, String version) {
    return tx.preparedQuery("""
            INSERT INTO report (kind, unit_code, unit_name, unit_level, period, period_from, period_to, version, trigger,
                                requested_by, generated_by, generation_ms, content)
            VALUES ($1, $2, $3, $4, $5, $6, $7, """ + version + """
            , $8, $9, $10, $11, $12)
            ON CONFLICT ON CONSTRAINT report_period_version_key DO NOTHING
            RETURNING id""")
        .execute(Tuple.tuple().addString(i.period().kind().key()).addString(i.unitCode()).addString(i.unitName())
            .addString(i.unitLevel()).addString(i.period().key()).addLocalDate(i.period().from().atDay(1))
            .addLocalDate(i.period().to().atDay(1)).addString(i.trigger()).addLong(i.requestedBy())
            .addString(i.node()).addInteger((int) Math.min(Integer.MAX_VALUE, i.generationMs())).addValue(i.content()))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /**
   * "Report ready" notifications for the staff whose own unit the report is about (city staff for
   * their city's reports, district staff for their district's), each once ({@code report:<id>:<account>}).
   */
  private Future<Integer> notifyReaders(SqlClient tx, long id, Issue issue) {
    return tx.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT a.id, 'report_ready', $2, $3, '/reports/' || $1::bigint, 'report:' || $1::bigint || ':' || a.id
              FROM account a
             WHERE NOT a.disabled AND a.role IN ('city_staff', 'district_staff') AND a.scope_code = $4
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(id, issue.notifyTitle(), issue.unitName() + " · " + issue.period().key(), issue.unitCode()))
        .compose(rows -> Outbox.queue(tx, Notices.reportIssued(id, issue.unitCode(), issue.unitName(), issue.period().key()))
            .map(n -> rows.rowCount()));
  }

  /** One report with its snapshot, or null. */
  public Future<JsonObject> byId(long id) {
    return pool.preparedQuery("SELECT " + SUMMARY + ", content FROM report r WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return summary(r).put("content", r.getJsonObject("content"));
        });
  }

  /** Where a report lies, for the route's jurisdiction check; null when there is none. */
  public Future<Access.Scope> scopeOf(long id) {
    return pool.preparedQuery(Kept.sql("SELECT unit_code FROM report WHERE id = $1")).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : Access.Scope.division(rows.iterator().next().getString(0)));
  }

  /** Every version of one report (kind, unit, period), newest first. */
  public Future<JsonArray> versions(String kind, String unitCode, String period) {
    return pool.preparedQuery("SELECT " + SUMMARY + " FROM report r WHERE kind = $1 AND unit_code = $2 AND period = $3 ORDER BY version DESC")
        .execute(Tuple.of(kind, unitCode, period))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(summary(r)));
          return out;
        });
  }

  /** List filters; null fields do not filter. {@code prefix} is the caller's jurisdiction ("" for all). */
  public record Filter(String prefix, String kind, String unitCode, String period) {
  }

  /** A page of report versions inside the jurisdiction, newest period first: {@code {"items","total"}}. */
  public Future<JsonObject> list(Filter f, PageRequest page) {
    String where = """

         WHERE """ + Jurisdiction.sqlInside("unit_code", 1) + """
        AND ($2::text IS NULL OR kind = $2)
           AND ($3::text IS NULL OR unit_code = $3) AND ($4::text IS NULL OR period = $4)""";
    Tuple args = Tuple.of(f.prefix(), f.kind(), f.unitCode(), f.period());
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM report r" + where).execute(args)
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + SUMMARY + " FROM report r" + where
            + " ORDER BY period_to DESC, kind, length(rtrim(unit_code, '0')), unit_code, version DESC LIMIT $5 OFFSET $6")
        .execute(Tuple.of(f.prefix(), f.kind(), f.unitCode(), f.period(), page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(summary(r)));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** Which of these (unit, period) pairs of a kind already have a report: keys {@code unit|period}. */
  public Future<Set<String>> existing(String kind, List<String> periods) {
    return pool.preparedQuery("SELECT DISTINCT unit_code, period FROM report WHERE kind = $1 AND period = ANY($2)")
        .execute(Tuple.tuple().addString(kind).addArrayOfString(periods.toArray(new String[0])))
        .map(rows -> {
          Set<String> out = new HashSet<>();
          rows.forEach(r -> out.add(r.getString(0) + "|" + r.getString(1)));
          return out;
        });
  }

  /** When this installation started (the first migration); no catch-up reaches back before it. */
  public Future<Instant> installedAt() {
    return pool.query("SELECT value::timestamptz FROM app_setting WHERE key = 'installed_at'").execute()
        .map(rows -> rows.size() == 0 ? Instant.EPOCH : rows.iterator().next().getOffsetDateTime(0).toInstant());
  }

  /** One schedule override as stored. */
  public record ScheduleRow(String id, String cron, boolean enabled, String updatedAt, int version) {
  }

  /** The admins' schedule overrides, by schedule id. */
  public Future<Map<String, ScheduleRow>> scheduleOverrides() {
    return pool.query("SELECT id, cron, enabled, updated_at, version FROM report_schedule").execute()
        .map(rows -> {
          Map<String, ScheduleRow> out = new HashMap<>();
          rows.forEach(r -> out.put(r.getString(0), new ScheduleRow(r.getString(0), r.getString(1), r.getBoolean(2),
              time(r.getOffsetDateTime(3)), r.getInteger(4))));
          return out;
        });
  }

  /**
   * Saves a schedule override if {@code version} is the current one (0 while there is no override
   * yet); false when it is stale (another admin saved in between).
   */
  public Future<Boolean> saveSchedule(SqlClient tx, String id, String cron, boolean enabled, long actorId, int version) {
    return tx.preparedQuery("""
            INSERT INTO report_schedule AS s (id, cron, enabled, updated_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET cron = $2, enabled = $3, updated_by = $4, updated_at = now(), version = s.version + 1
             WHERE s.version = $5
            RETURNING version""")
        .execute(Tuple.of(id, cron, enabled, actorId, version))
        .map(rows -> rows.size() > 0);
  }
}
