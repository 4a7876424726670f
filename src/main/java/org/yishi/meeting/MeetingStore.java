package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.security.Jurisdiction;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

/** All SQL of meetings, their parties, invited members and history. Writes take the caller's transaction. */
public record MeetingStore(Pool pool, ZoneId zone) {
  private static final String COLUMNS = """
      m.id, m.topic_id, t.title AS topic_title, m.station_id, s.name AS station_name, m.division_code,
      m.starts_at, m.ends_at, m.venue, m.format, m.online_link, m.kind, m.research_plan, m.capacity_assessment,
      m.status, m.cancel_reason, m.version
      FROM meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id
      """;

  String time(OffsetDateTime t) {
    return org.yishi.platform.Times.iso(t, zone);
  }

  JsonObject toJson(Row r) {
    return new JsonObject().put("id", r.getLong("id")).put("topicId", r.getLong("topic_id"))
        .put("topicTitle", r.getString("topic_title")).put("stationId", r.getLong("station_id"))
        .put("stationName", r.getString("station_name")).put("divisionCode", r.getString("division_code"))
        .put("startsAt", time(r.getOffsetDateTime("starts_at"))).put("endsAt", time(r.getOffsetDateTime("ends_at")))
        .put("venue", r.getString("venue")).put("format", r.getString("format")).put("onlineLink", r.getString("online_link"))
        .put("kind", r.getString("kind")).put("researchPlan", r.getString("research_plan"))
        .put("capacityAssessment", r.getString("capacity_assessment")).put("status", r.getString("status"))
        .put("cancelReason", r.getString("cancel_reason")).put("version", r.getInteger("version"));
  }

  /** An approved topic's station and division (or null when missing / not approved). */
  public record TopicRef(long id, String title, long stationId, String divisionCode, String stationStatus) {
  }

  /** Reads the topic a meeting is for (the topic feature owns the table; this is a read). */
  public Future<TopicRef> approvedTopic(long topicId) {
    return pool.preparedQuery("""
            SELECT t.id, t.title, t.station_id, s.division_code, s.status FROM topic t JOIN station s ON s.id = t.station_id
             WHERE t.id = $1 AND t.status = 'approved'""")
        .execute(Tuple.of(topicId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new TopicRef(r.getLong(0), r.getString(1), r.getLong(2), r.getString(3), r.getString(4));
        });
  }

  /** Approved topics of the stations inside a jurisdiction, for the scheduling form. */
  public Future<JsonArray> approvedTopics(Jurisdiction j) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    return pool.preparedQuery("""
            SELECT t.id, t.title, s.name FROM topic t JOIN station s ON s.id = t.station_id
             WHERE t.status = 'approved' AND """ + Jurisdiction.sqlInside("t.division_code", "t.station_id", 1, 2) + """
             ORDER BY t.id DESC LIMIT 500""")
        .execute(Tuple.tuple().addString(prefix).addArrayOfLong(ids))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("title", r.getString(1)).put("stationName", r.getString(2))));
          return out;
        });
  }

  public Future<JsonObject> byId(SqlClient client, long id) {
    return rowById(client, id).compose(m -> m == null ? Future.succeededFuture() : details(client, m));
  }

  private static final String ROW_BY_ID = Kept.sql("SELECT " + COLUMNS + " WHERE m.id = $1");

  /**
   * The meeting's own row (as {@link #byId} without its parties, members and history), or null: one
   * statement, for writes that need its state only (filing its record).
   */
  public Future<JsonObject> rowById(SqlClient client, long id) {
    return client.preparedQuery(ROW_BY_ID).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  private Future<JsonObject> details(SqlClient client, JsonObject m) {
    long id = m.getLong("id");
    Future<JsonArray> parties = client.preparedQuery(
            "SELECT role, name, organisation, contact FROM meeting_participant WHERE meeting_id = $1 ORDER BY id")
        .execute(Tuple.of(id)).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("role", r.getString(0)).put("name", r.getString(1))
              .put("organisation", r.getString(2)).put("contact", r.getString(3))));
          return out;
        });
    Future<JsonArray> members = client.preparedQuery("""
            SELECT mm.member_id, mb.name, mb.sector FROM meeting_member mm JOIN member mb ON mb.id = mm.member_id
             WHERE mm.meeting_id = $1 ORDER BY mb.name""")
        .execute(Tuple.of(id)).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("name", r.getString(1)).put("sector", r.getString(2))));
          return out;
        });
    Future<JsonArray> history = client.preparedQuery(
            "SELECT action, reason, actor_name, at, before, after FROM meeting_history WHERE meeting_id = $1 ORDER BY at, id")
        .execute(Tuple.of(id)).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("action", r.getString(0)).put("reason", r.getString(1))
              .put("actorName", r.getString(2)).put("at", time(r.getOffsetDateTime(3)))));
          return out;
        });
    return Future.all(parties, members, history).map(v -> m.put("participants", parties.result())
        .put("members", members.result()).put("history", history.result()));
  }

  /** Where a meeting lies, for the route's scope check: {station id, division code}, or null. */
  public Future<Object[]> scopeOf(long id) {
    return pool.preparedQuery(Kept.sql("SELECT station_id, division_code FROM meeting WHERE id = $1")).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : new Object[] {rows.iterator().next().getLong(0), rows.iterator().next().getString(1)});
  }

  /** Meetings inside a jurisdiction overlapping [from, to), optionally of one station or district prefix. */
  public Future<JsonArray> between(Jurisdiction j, Long stationId, String within, OffsetDateTime from, OffsetDateTime to,
                                   boolean includeCancelled) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    return pool.preparedQuery("SELECT " + COLUMNS + """
             WHERE """ + Jurisdiction.sqlInside("m.division_code", "m.station_id", 1, 2) + """
               AND ($3::bigint IS NULL OR m.station_id = $3) AND ($4 = '' OR m.division_code LIKE $4 || '%')
               AND m.starts_at < $6 AND m.ends_at > $5 AND ($7 OR m.status <> 'cancelled')
             ORDER BY m.starts_at, m.id LIMIT 2000""")
        .execute(Tuple.tuple().addString(prefix).addArrayOfLong(ids).addLong(stationId).addString(within == null ? "" : within)
            .addOffsetDateTime(from).addOffsetDateTime(to).addBoolean(includeCancelled))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(toJson(r)));
          return out;
        });
  }

  /** The values of a new meeting. */
  public record MeetingValues(long topicId, long stationId, String divisionCode, OffsetDateTime startsAt,
                              OffsetDateTime endsAt, String venue, String format, String onlineLink, String kind,
                              String researchPlan, String capacityAssessment) {
  }

  public Future<Long> insert(SqlClient tx, MeetingValues v, long createdBy) {
    return tx.preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, online_link, kind,
                                 research_plan, capacity_assessment, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id""")
        .execute(Tuple.tuple().addLong(v.topicId()).addLong(v.stationId()).addString(v.divisionCode())
            .addOffsetDateTime(v.startsAt()).addOffsetDateTime(v.endsAt()).addString(v.venue()).addString(v.format())
            .addString(v.onlineLink()).addString(v.kind()).addString(v.researchPlan()).addString(v.capacityAssessment())
            .addLong(createdBy))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The meeting's five-party list becomes {@code parties}. */
  public Future<Void> replaceParticipants(SqlClient tx, long meetingId, List<JsonObject> parties) {
    return tx.preparedQuery("DELETE FROM meeting_participant WHERE meeting_id = $1").execute(Tuple.of(meetingId))
        .compose(v -> addParticipants(tx, meetingId, parties));
  }

  public Future<Void> addParticipants(SqlClient tx, long meetingId, List<JsonObject> parties) {
    if (parties.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = parties.stream().map(p -> Tuple.of(meetingId, p.getString("role"), p.getString("name"),
        p.getString("organisation"), p.getString("contact"))).toList();
    return tx.preparedQuery("INSERT INTO meeting_participant (meeting_id, role, name, organisation, contact) VALUES ($1, $2, $3, $4, $5)")
        .executeBatch(batch).mapEmpty();
  }

  public Future<Void> addMembers(SqlClient tx, long meetingId, Long[] memberIds, OffsetDateTime starts, OffsetDateTime ends) {
    if (memberIds.length == 0) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery("""
            INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at) SELECT $1, unnest($2::bigint[]), $3, $4""")
        .execute(Tuple.tuple().addLong(meetingId).addArrayOfLong(memberIds).addOffsetDateTime(starts).addOffsetDateTime(ends))
        .mapEmpty();
  }

  /** Moves a meeting (and its members' bookings) if {@code version} is current; false when stale. */
  public Future<Boolean> reschedule(SqlClient tx, long id, int version, OffsetDateTime starts, OffsetDateTime ends) {
    return tx.preparedQuery("""
            UPDATE meeting SET starts_at = $3, ends_at = $4, updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2 AND status = 'scheduled'""")
        .execute(Tuple.of(id, version, starts, ends))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : tx.preparedQuery("UPDATE meeting_member SET starts_at = $2, ends_at = $3 WHERE meeting_id = $1")
                .execute(Tuple.of(id, starts, ends)).map(v -> true));
  }

  public Future<Boolean> cancel(SqlClient tx, long id, String reason) {
    return tx.preparedQuery("""
            UPDATE meeting SET status = 'cancelled', cancel_reason = $2, updated_at = now(), version = version + 1
             WHERE id = $1 AND status = 'scheduled'""")
        .execute(Tuple.of(id, reason))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : tx.preparedQuery("UPDATE meeting_member SET active = false WHERE meeting_id = $1").execute(Tuple.of(id)).map(v -> true));
  }

  public Future<Void> addHistory(SqlClient tx, long meetingId, String action, JsonObject before, JsonObject after,
                                 String reason, String actor) {
    return tx.preparedQuery("""
            INSERT INTO meeting_history (meeting_id, action, before, after, reason, actor_name) VALUES ($1, $2, $3, $4, $5, $6)""")
        .execute(Tuple.of(meetingId, action, before, after, reason, actor)).mapEmpty();
  }

  /** The meeting of a station overlapping [starts, ends), other than {@code exceptId} (to explain a clash), or null. */
  public Future<JsonObject> stationClash(long stationId, OffsetDateTime starts, OffsetDateTime ends, Long exceptId) {
    return pool.preparedQuery("SELECT " + COLUMNS + """
             WHERE m.station_id = $1 AND m.status <> 'cancelled' AND m.starts_at < $3 AND m.ends_at > $2
               AND ($4::bigint IS NULL OR m.id <> $4)
             ORDER BY m.starts_at LIMIT 1""")
        .execute(Tuple.tuple().addLong(stationId).addOffsetDateTime(starts).addOffsetDateTime(ends).addLong(exceptId))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /**
   * The meeting that holds one of these members at a time overlapping [starts, ends), other than
   * {@code exceptId}, with that member ({@code memberId}, {@code memberName}); null when none (to
   * explain a clash).
   */
  public Future<JsonObject> memberClash(Long[] memberIds, OffsetDateTime starts, OffsetDateTime ends, Long exceptId) {
    return pool.preparedQuery("SELECT mm.member_id AS clash_member_id, mb.name AS clash_member_name, " + COLUMNS + """
             JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.active JOIN member mb ON mb.id = mm.member_id
             WHERE mm.member_id = ANY($1) AND mm.starts_at < $3 AND mm.ends_at > $2 AND ($4::bigint IS NULL OR m.id <> $4)
             ORDER BY mm.starts_at, mm.member_id LIMIT 1""")
        .execute(Tuple.tuple().addArrayOfLong(memberIds).addOffsetDateTime(starts).addOffsetDateTime(ends).addLong(exceptId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return toJson(r).put("memberId", r.getLong("clash_member_id")).put("memberName", r.getString("clash_member_name"));
        });
  }
}
