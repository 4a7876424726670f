package org.yishi.outcome;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.db.Rows;
import org.yishi.platform.db.Like;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * All SQL of outcomes and their history. Writes take the caller's transaction. Meetings, topics,
 * stations and accounts belong to other features and are only read here.
 */
public record OutcomeStore(Pool pool, ZoneId zone) {
  private static final String COLUMNS = """
      o.id, o.meeting_id, t.title AS meeting_title, m.starts_at AS meeting_starts_at, o.station_id,
      s.name AS station_name, s.district_code, o.division_code, o.content, o.form, o.responsible_unit, o.application,
      o.due_on, o.status, o.answer, o.reply, o.answered_at, o.implementation_evidence, o.implemented_at,
      o.satisfaction, o.satisfaction_comment, o.rated_at, o.effectiveness, o.closed_at, o.typical_case,
      o.typical_marked_at, o.overdue_escalated_at, o.created_by, o.created_at, o.updated_at, o.version,
      (o.status = 'referred' AND o.due_on < (now() AT TIME ZONE current_setting('TimeZone'))::date) AS overdue""";
  /** The columns of {@code outcome} that {@link #COLUMNS} reads: what the insert returns (a kept statement names them). */
  private static final String INSERTED = """
      id, meeting_id, station_id, division_code, content, form, responsible_unit, application, due_on, status, answer,
      reply, answered_at, implementation_evidence, implemented_at, satisfaction, satisfaction_comment, rated_at,
      effectiveness, closed_at, typical_case, typical_marked_at, overdue_escalated_at, created_by, created_at,
      updated_at, version""";
  /** What {@link #COLUMNS} reads beside the outcome ({@code o}): its meeting, topic and station. */
  private static final String JOINS = """
      JOIN meeting m ON m.id = o.meeting_id
      JOIN topic t ON t.id = m.topic_id
      JOIN station s ON s.id = o.station_id""";
  private static final String FROM = "FROM outcome o " + JOINS;
  private static final String WHERE = """
      WHERE """ + Jurisdiction.sqlInside("o.division_code", "o.station_id", 1, 2) + """
        AND ($3::text IS NULL OR o.status = $3)
        AND ($4::boolean IS NULL OR (o.status = 'referred' AND o.due_on < (now() AT TIME ZONE current_setting('TimeZone'))::date) = $4)
        AND ($5::bigint IS NULL OR o.meeting_id = $5)
        AND ($6::boolean IS NULL OR o.typical_case = $6)
        AND ($7::text IS NULL OR o.form = $7)
        AND ($8::text IS NULL OR o.content ILIKE $8 OR o.responsible_unit ILIKE $8 OR s.name ILIKE $8)""";

  String time(OffsetDateTime t) {
    return org.yishi.platform.Times.iso(t, zone);
  }

  JsonObject toJson(Row r) {
    LocalDate due = r.getLocalDate("due_on");
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "meeting_id", "meeting_title", "station_id", "station_name", "district_code",
        "division_code", "content", "form", "responsible_unit", "application", "status", "answer", "reply",
        "implementation_evidence", "satisfaction", "satisfaction_comment", "effectiveness", "overdue", "created_by",
        "version");
    Rows.times(json, r, zone, "meeting_starts_at", "answered_at", "implemented_at", "rated_at", "closed_at",
        "typical_marked_at", "overdue_escalated_at", "created_at", "updated_at");
    return json.put("dueOn", due == null ? null : due.toString()).put("typical", r.getBoolean("typical_case"));
  }

  /** One outcome, or null. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + "\nWHERE o.id = $1").execute(Tuple.of(id))
        .map(rows -> Rows.first(rows, this::toJson));
  }

  /** Locks the outcome row in {@code tx} and reads it (null when there is none). */
  public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
    return Rows.lockThenRead(tx, "outcome", id, this::byId);
  }

  /** Where an outcome lies (its station and division), for the route's jurisdiction check; null when none. */
  public Future<Access.Scope> scopeOf(long id) {
    return Rows.scopeOf(pool, "outcome", id);
  }

  /** The meeting an outcome is for, as far as this feature needs it (a read of the meetings' table). */
  public record MeetingRef(long id, String title, long stationId, String stationName, String divisionCode,
                           String status, boolean started, String startsAt) {
  }

  /** A meeting, or null; {@code started} when its start lies in the past. */
  public Future<MeetingRef> meeting(long meetingId) {
    return pool.preparedQuery("""
            SELECT m.id, t.title, m.station_id, s.name, m.division_code, m.status, m.starts_at <= now(), m.starts_at
              FROM meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id
             WHERE m.id = $1""")
        .execute(Tuple.of(meetingId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new MeetingRef(r.getLong(0), r.getString(1), r.getLong(2), r.getString(3), r.getString(4),
              r.getString(5), r.getBoolean(6), time(r.getOffsetDateTime(7)));
        });
  }

  /** Meetings inside a jurisdiction that may take outcomes (held, or started and not cancelled), newest first. */
  public Future<JsonArray> meetingsTakingOutcomes(Jurisdiction j) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    return pool.preparedQuery("""
            SELECT m.id, t.title, s.name, m.starts_at FROM meeting m JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
             WHERE (m.status = 'held' OR (m.status = 'scheduled' AND m.starts_at <= now()))
               AND """ + Jurisdiction.sqlInside("m.division_code", "m.station_id", 1, 2) + """
             ORDER BY m.starts_at DESC, m.id DESC LIMIT 200""")
        .execute(Tuple.tuple().addString(prefix).addArrayOfLong(ids))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("title", r.getString(1))
              .put("stationName", r.getString(2)).put("startsAt", time(r.getOffsetDateTime(3)))));
          return out;
        });
  }

  /** List filters; null fields do not filter. */
  public record Filter(OutcomeStatus status, Boolean overdue, Long meetingId, Boolean typical, String form, String q) {
  }

  private static Tuple filterArgs(Jurisdiction j, Filter f) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    String like = Like.contains(f.q());
    return Tuple.tuple().addString(prefix).addArrayOfLong(ids)
        .addString(f.status() == null ? null : f.status().key()).addBoolean(f.overdue()).addLong(f.meetingId())
        .addBoolean(f.typical()).addString(f.form()).addString(like);
  }

  /** A page of outcomes inside the jurisdiction: the most urgent first (by due date), {@code {"items","total"}}. */
  public Future<JsonObject> list(Jurisdiction j, Filter f, PageRequest page) {
    Future<Long> total = pool.preparedQuery("SELECT count(*)\n" + FROM + "\n" + WHERE).execute(filterArgs(j, f))
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + "\n" + WHERE
            + "\nORDER BY (o.status = 'closed'), o.due_on, o.id DESC LIMIT $9 OFFSET $10")
        .execute(filterArgs(j, f).addInteger(page.size()).addInteger(page.offset()))
        .map(rows -> Rows.all(rows, this::toJson));
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /**
   * Outcomes under the division {@code prefix} marked as typical cases (典型案例) at or after
   * {@code from} and before {@code until} and still marked, oldest mark first: {@code {"items","total"}}
   * with at most {@code limit} items.
   */
  public Future<JsonObject> typicalMarked(String prefix, Instant from, Instant until, int limit) {
    Tuple args = Tuple.tuple().addString(prefix).addOffsetDateTime(from.atOffset(ZoneOffset.UTC))
        .addOffsetDateTime(until.atOffset(ZoneOffset.UTC));
    String where = "\nWHERE o.typical_case AND o.division_code LIKE $1 || '%' AND o.typical_marked_at >= $2 AND o.typical_marked_at < $3";
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM outcome o" + where).execute(args)
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + where
            + "\nORDER BY o.typical_marked_at, o.id LIMIT $4")
        .execute(Tuple.tuple().addString(prefix).addOffsetDateTime(from.atOffset(ZoneOffset.UTC))
            .addOffsetDateTime(until.atOffset(ZoneOffset.UTC)).addInteger(limit))
        .map(rows -> Rows.all(rows, this::toJson));
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** The stored values of a new or edited outcome. */
  public record OutcomeValues(String content, String form, String responsibleUnit, String application, LocalDate dueOn) {
  }

  /** Inserts an outcome of a meeting (station and division code copied from the meeting). */
  public Future<Long> insert(SqlClient tx, long meetingId, OutcomeValues v, long createdBy) {
    return tx.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, application,
                                 due_on, created_by)
            SELECT m.id, m.station_id, m.division_code, $2, $3, $4, $5, $6, $7 FROM meeting m WHERE m.id = $1
            RETURNING id""")
        .execute(Tuple.tuple().addLong(meetingId).addString(v.content()).addString(v.form())
            .addString(v.responsibleUnit()).addString(v.application()).addLocalDate(v.dueOn()).addLong(createdBy))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Inserts outcomes of one meeting and their "create" history rows in one statement (a record's
   * outcomes, issue 25) and answers them as the other reads do ({@code COLUMNS}), in the order of {@code values} (ids
   * are drawn in the order the rows are inserted), from the statement itself (nothing read back).
   */
  public Future<List<JsonObject>> insertAll(SqlClient tx, long meetingId, List<OutcomeValues> values, long createdBy,
                                      String actorName) {
    int n = values.size();
    String[] content = new String[n];
    String[] form = new String[n];
    String[] unit = new String[n];
    String[] application = new String[n];
    java.time.LocalDate[] due = new java.time.LocalDate[n];
    for (int i = 0; i < n; i++) {
      OutcomeValues v = values.get(i);
      content[i] = v.content();
      form[i] = v.form();
      unit[i] = v.responsibleUnit();
      application[i] = v.application();
      due[i] = v.dueOn();
    }
    // with their "create" history rows in the same statement (the foreign key is checked at its end)
    return tx.preparedQuery(Kept.sql("""
            WITH o AS (
              INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, application,
                                   due_on, created_by)
              SELECT m.id, m.station_id, m.division_code, v.content, v.form, v.unit, v.application, v.due, $7
                FROM meeting m, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::date[])
                     WITH ORDINALITY AS v (content, form, unit, application, due, i)
               WHERE m.id = $1 ORDER BY v.i
              RETURNING\s""" + INSERTED + """
            ),
            h AS (
              INSERT INTO outcome_history (outcome_id, action, from_status, to_status, note, actor_id, actor_name)
              SELECT id, 'create', NULL, $8, NULL, $7, $9 FROM o)
            SELECT\s""" + COLUMNS + "\n  FROM o " + JOINS + "\n ORDER BY o.id"))
        .execute(Tuple.tuple().addLong(meetingId).addArrayOfString(content).addArrayOfString(form)
            .addArrayOfString(unit).addArrayOfString(application).addArrayOfLocalDate(due).addLong(createdBy)
            .addString(OutcomeStatus.REFERRED.key()).addString(actorName))
        .map(rows -> Rows.all(rows, this::toJson).stream().map(o -> (JsonObject) o).toList());
  }

  /** Edits a referred outcome if {@code version} is current; false when stale or no longer referred. */
  public Future<Boolean> update(SqlClient tx, long id, int version, OutcomeValues v) {
    return tx.preparedQuery("""
            UPDATE outcome SET content = $3, form = $4, responsible_unit = $5, application = $6, due_on = $7,
                   updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2 AND status = 'referred'""")
        .execute(Tuple.tuple().addLong(id).addInteger(version).addString(v.content()).addString(v.form())
            .addString(v.responsibleUnit()).addString(v.application()).addLocalDate(v.dueOn()))
        .map(rows -> rows.rowCount() == 1);
  }

  /** What a step of the loop records (fields a step does not use are null and left as they are). */
  public record StepValues(String answer, String reply, String evidence, String satisfaction, String satisfactionComment,
                           String effectiveness) {
  }

  /** Takes a step of the loop if {@code version} is current and the status is {@code from}; false otherwise. */
  public Future<Boolean> step(SqlClient tx, long id, int version, OutcomeStatus from, OutcomeStatus.Action action,
                              StepValues v) {
    Tuple args = Tuple.tuple().addLong(id).addInteger(version).addString(from.key()).addString(action.to.key());
    String set = switch (action) {
      case ANSWER -> {
        args.addString(v.answer()).addString(v.reply());
        yield "answer = $5, reply = $6, answered_at = now()";
      }
      case IMPLEMENT -> {
        args.addString(v.evidence());
        yield "implementation_evidence = $5, implemented_at = now()";
      }
      case CLOSE -> {
        args.addString(v.satisfaction()).addString(v.satisfactionComment()).addString(v.effectiveness());
        yield "satisfaction = $5, satisfaction_comment = $6, rated_at = now(), effectiveness = $7, closed_at = now()";
      }
    };
    return tx.preparedQuery("UPDATE outcome SET status = $4, " + set + ",\n"
            + "updated_at = now(), version = version + 1\nWHERE id = $1 AND version = $2 AND status = $3")
        .execute(args)
        .map(rows -> rows.rowCount() == 1);
  }

  /** Marks or unmarks a typical case if {@code version} (when given) is current; false when stale. */
  public Future<Boolean> setTypical(SqlClient tx, long id, Integer version, boolean typical, long actorId) {
    return tx.preparedQuery("""
            UPDATE outcome SET typical_case = $3,
                   typical_marked_by = CASE WHEN $3 THEN $4::bigint ELSE NULL END,
                   typical_marked_at = CASE WHEN $3 THEN now() ELSE NULL END,
                   updated_at = now(), version = version + 1
             WHERE id = $1 AND ($2::integer IS NULL OR version = $2)""")
        .execute(Tuple.tuple().addLong(id).addInteger(version).addBoolean(typical).addLong(actorId))
        .map(rows -> rows.rowCount() == 1);
  }

  public Future<Void> addHistory(SqlClient tx, long outcomeId, String action, OutcomeStatus from, OutcomeStatus to,
                                 String note, Long actorId, String actorName) {
    return tx.preparedQuery("""
            INSERT INTO outcome_history (outcome_id, action, from_status, to_status, note, actor_id, actor_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7)""")
        .execute(Tuple.tuple().addLong(outcomeId).addString(action).addString(from == null ? null : from.key())
            .addString(to == null ? null : to.key()).addString(note).addLong(actorId).addString(actorName))
        .mapEmpty();
  }

  /** An outcome's changes, oldest first. */
  public Future<JsonArray> history(long outcomeId) {
    return pool.preparedQuery("""
            SELECT action, from_status, to_status, note, actor_name, at FROM outcome_history
             WHERE outcome_id = $1 ORDER BY at, id""")
        .execute(Tuple.of(outcomeId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("action", r.getString("action"))
              .put("fromStatus", r.getString("from_status")).put("toStatus", r.getString("to_status"))
              .put("note", r.getString("note")).put("actorName", r.getString("actor_name"))
              .put("at", time(r.getOffsetDateTime("at")))));
          return out;
        });
  }

  // ---------------------------------------------------------------- overdue escalation

  /**
   * Claims the outcomes still referred past their due date at {@code now} (calendar dates in the node's zone) that
   * were never escalated, setting {@code overdue_escalated_at}. A concurrent claim of the same row
   * waits for this one and then no longer matches, so each outcome is claimed once.
   */
  public Future<List<Long>> claimOverdue(SqlClient tx, Instant now, int limit) {
    return tx.preparedQuery("""
            UPDATE outcome SET overdue_escalated_at = $1::timestamptz
             WHERE id IN (SELECT id FROM outcome
                           WHERE status = 'referred' AND overdue_escalated_at IS NULL
                             AND due_on < ($1::timestamptz AT TIME ZONE current_setting('TimeZone'))::date
                           ORDER BY due_on, id LIMIT $2)
               AND status = 'referred' AND overdue_escalated_at IS NULL
            RETURNING id""")
        .execute(Tuple.tuple().addOffsetDateTime(now.atOffset(ZoneOffset.UTC)).addInteger(limit))
        .map(rows -> {
          List<Long> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getLong(0)));
          return ids;
        });
  }

  /**
   * In-app notifications of an overdue outcome for the district staff of its station's district,
   * each with the unique key {@code overdue:<outcome>:<account>}: created once, however often asked.
   */
  public Future<Integer> notifyOverdue(SqlClient tx, List<Long> outcomeIds) {
    return tx.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT a.id, 'outcome_overdue', o.responsible_unit || ' · ' || to_char(o.due_on, 'YYYY-MM-DD'),
                   s.name || ' · ' || left(o.content, 100), '/outcomes/' || o.id, 'overdue:' || o.id || ':' || a.id
              FROM outcome o
              JOIN station s ON s.id = o.station_id
              JOIN account a ON NOT a.disabled AND a.role = 'district_staff' AND a.scope_code = s.district_code
             WHERE o.id = ANY($1)
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.tuple().addArrayOfLong(outcomeIds.toArray(new Long[0])))
        .map(rows -> rows.rowCount());
  }

  // ---------------------------------------------------------------- members named on outcomes

  /** The members named on an outcome: {@code suggesters} and {@code typicalMembers}, each a list of {id, name}. */
  public Future<JsonObject> members(SqlClient client, long id) {
    return client.preparedQuery("""
            SELECT om.role, m.id, m.name FROM outcome_member om JOIN member m ON m.id = om.member_id
             WHERE om.outcome_id = $1 ORDER BY m.name, m.id""")
        .execute(Tuple.of(id))
        .map(rows -> {
          JsonArray suggesters = new JsonArray();
          JsonArray typical = new JsonArray();
          rows.forEach(r -> ("suggester".equals(r.getString(0)) ? suggesters : typical)
              .add(new JsonObject().put("id", r.getLong(1)).put("name", r.getString(2))));
          return new JsonObject().put("suggesters", suggesters).put("typicalMembers", typical);
        });
  }

  /** Replaces the members named on an outcome in one role ({@code suggester} or {@code typical}). */
  public Future<Void> replaceMembers(SqlClient tx, long id, String role, List<Long> memberIds, long namedBy) {
    return tx.preparedQuery("DELETE FROM outcome_member WHERE outcome_id = $1 AND role = $2").execute(Tuple.of(id, role))
        .compose(v -> tx.preparedQuery("""
                INSERT INTO outcome_member (outcome_id, role, member_id, named_by)
                SELECT $1, $2, x, $4 FROM unnest($3::bigint[]) AS x ON CONFLICT DO NOTHING""")
            .execute(Tuple.tuple().addLong(id).addString(role).addArrayOfLong(memberIds.toArray(new Long[0])).addLong(namedBy)))
        .mapEmpty();
  }

  /**
   * For each of {@code memberIds} named on outcomes of meetings starting in {@code year}: {@code suggested}
   * (outcomes naming them as suggester), {@code adopted} (of those, answered adopted or partly adopted,
   * or implemented) and {@code typical} (typical cases naming them). Members named on none are absent.
   */
  public Future<java.util.Map<Long, JsonObject>> memberCounts(List<Long> memberIds, int year) {
    return pool.preparedQuery("WITH " + org.yishi.platform.Times.yearWindowSql(2) + """

            SELECT om.member_id,
                   count(*) FILTER (WHERE om.role = 'suggester') AS suggested,
                   count(*) FILTER (WHERE om.role = 'suggester'
                                      AND (o.answer IN ('adopted', 'partly_adopted') OR o.implemented_at IS NOT NULL)) AS adopted,
                   count(*) FILTER (WHERE om.role = 'typical' AND o.typical_case) AS typical
              FROM outcome_member om JOIN outcome o ON o.id = om.outcome_id JOIN meeting m ON m.id = o.meeting_id, y
             WHERE om.member_id = ANY($1) AND m.starts_at >= y.from_at AND m.starts_at < y.to_at
             GROUP BY om.member_id""")
        .execute(Tuple.tuple().addArrayOfLong(memberIds.toArray(new Long[0])).addInteger(year))
        .map(rows -> {
          java.util.Map<Long, JsonObject> out = new java.util.HashMap<>();
          rows.forEach(r -> out.put(r.getLong(0), new JsonObject().put("suggested", r.getLong(1))
              .put("adopted", r.getLong(2)).put("typical", r.getLong(3))));
          return out;
        });
  }
}
