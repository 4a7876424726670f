package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;

import java.time.OffsetDateTime;

/** SQL of meeting records (what happened at a meeting) and who attended. Writes take the caller's transaction. */
public final class RecordStore {
  /** What {@link #toJson} reads: named, so that the statements reading and returning them can be {@link Kept}. */
  private static final String COLUMNS = """
      meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members, attendance_residents,
      attendance_departments, attendance_experts, attendance_others, minutes, suggestions_count, consensus, status,
      return_reason, filed_at, updated_at, version""";
  private final java.time.ZoneId zone;

  RecordStore(java.time.ZoneId zone) {
    this.zone = zone;
  }

  JsonObject toJson(Row r) {
    OffsetDateTime start = r.getOffsetDateTime("actual_start");
    OffsetDateTime end = r.getOffsetDateTime("actual_end");
    return new JsonObject().put("meetingId", r.getLong("meeting_id")).put("held", r.getBoolean("held"))
        .put("notHeldReason", r.getString("not_held_reason"))
        .put("actualStart", org.yishi.platform.Times.iso(start, zone))
        .put("actualEnd", org.yishi.platform.Times.iso(end, zone))
        .put("attendance", new JsonObject().put("members", r.getInteger("attendance_members"))
            .put("residents", r.getInteger("attendance_residents")).put("departments", r.getInteger("attendance_departments"))
            .put("experts", r.getInteger("attendance_experts")).put("others", r.getInteger("attendance_others")))
        .put("minutes", r.getString("minutes")).put("suggestionsCount", r.getInteger("suggestions_count"))
        .put("consensus", r.getBoolean("consensus")).put("status", r.getString("status"))
        .put("returnReason", r.getString("return_reason"))
        .put("filedAt", org.yishi.platform.Times.iso(r.getOffsetDateTime("filed_at"), zone))
        .put("updatedAt", org.yishi.platform.Times.iso(r.getOffsetDateTime("updated_at"), zone))
        .put("version", r.getInteger("version"));
  }

  /** The record of a meeting with its attendees, or null. */
  public Future<JsonObject> byMeeting(SqlClient client, long meetingId) {
    return client.preparedQuery(Kept.sql("SELECT " + COLUMNS + " FROM meeting_record WHERE meeting_id = $1")).execute(Tuple.of(meetingId))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture()
            : client.preparedQuery(Kept.sql("""
                    SELECT a.member_id, m.name FROM meeting_attendee a JOIN member m ON m.id = a.member_id
                     WHERE a.meeting_id = $1 ORDER BY m.name"""))
                .execute(Tuple.of(meetingId))
                .map(att -> {
                  JsonArray ids = new JsonArray();
                  JsonArray names = new JsonArray();
                  att.forEach(a -> {
                    ids.add(a.getLong(0));
                    names.add(a.getString(1));
                  });
                  return toJson(rows.iterator().next()).put("attendedMemberIds", ids).put("attendedMemberNames", names);
                }));
  }

  /** What is filed. */
  public record Values(boolean held, String notHeldReason, OffsetDateTime actualStart, OffsetDateTime actualEnd,
                       int members, int residents, int departments, int experts, int others, String minutes,
                       int suggestions, Boolean consensus) {
  }

  private static Tuple tuple(long meetingId, Values v) {
    return Tuple.tuple().addLong(meetingId).addBoolean(v.held()).addString(v.notHeldReason())
        .addOffsetDateTime(v.actualStart()).addOffsetDateTime(v.actualEnd()).addInteger(v.members())
        .addInteger(v.residents()).addInteger(v.departments()).addInteger(v.experts()).addInteger(v.others())
        .addString(v.minutes()).addInteger(v.suggestions()).addBoolean(v.consensus());
  }

  /** Files the first record and answers it as stored (without attendees); null when one exists already (no failed statement). */
  public Future<JsonObject> insert(SqlClient tx, long meetingId, Values v, long filedBy) {
    return tx.preparedQuery(Kept.sql("""
            INSERT INTO meeting_record (meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members,
                   attendance_residents, attendance_departments, attendance_experts, attendance_others, minutes,
                   suggestions_count, consensus, filed_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (meeting_id) DO NOTHING
            RETURNING\s""" + COLUMNS))
        .execute(tuple(meetingId, v).addLong(filedBy)).map(rows -> rows.size() == 1 ? toJson(rows.iterator().next()) : null);
  }

  /** Corrects a returned record if {@code version} is current and answers it as stored (without attendees); null otherwise. */
  public Future<JsonObject> correct(SqlClient tx, long meetingId, Values v, int version, long filedBy) {
    return tx.preparedQuery(Kept.sql("""
            UPDATE meeting_record SET held = $2, not_held_reason = $3, actual_start = $4, actual_end = $5,
                   attendance_members = $6, attendance_residents = $7, attendance_departments = $8, attendance_experts = $9,
                   attendance_others = $10, minutes = $11, suggestions_count = $12, consensus = $13, filed_by = $14,
                   status = 'filed', return_reason = NULL, filed_at = now(), updated_at = now(), version = version + 1
             WHERE meeting_id = $1 AND version = $15 AND status = 'returned'
            RETURNING\s""" + COLUMNS))
        .execute(tuple(meetingId, v).addLong(filedBy).addInteger(version))
        .map(rows -> rows.size() == 1 ? toJson(rows.iterator().next()) : null);
  }

  /**
   * Replaces the meeting's attendees and puts them on {@code record} as {@link #byMeeting} does
   * ({@code attendedMemberIds}, {@code attendedMemberNames}, by name), from the insert itself.
   * {@code firstFiling}: the meeting has no record yet, so no attendees either (only a record's
   * filing writes them): nothing to delete.
   */
  public Future<JsonObject> setAttendees(SqlClient tx, long meetingId, Long[] memberIds, JsonObject record, boolean firstFiling) {
    JsonArray ids = new JsonArray();
    JsonArray names = new JsonArray();
    // both statements sent at once (pipelined, in order); both answered before this completes
    Future<?> delete = firstFiling ? Future.succeededFuture()
        : tx.preparedQuery(Kept.sql("DELETE FROM meeting_attendee WHERE meeting_id = $1")).execute(Tuple.of(meetingId));
    Future<?> insert = memberIds.length == 0 ? Future.succeededFuture()
        : tx.preparedQuery(Kept.sql("""
                WITH a AS (INSERT INTO meeting_attendee (meeting_id, member_id) SELECT $1, unnest($2::bigint[]) RETURNING member_id)
                SELECT a.member_id, m.name FROM a JOIN member m ON m.id = a.member_id ORDER BY m.name"""))
            .execute(Tuple.tuple().addLong(meetingId).addArrayOfLong(memberIds))
            .map(att -> {
              att.forEach(a -> {
                ids.add(a.getLong(0));
                names.add(a.getString(1));
              });
              return null;
            });
    return Future.join(delete, insert).map(v -> record.put("attendedMemberIds", ids).put("attendedMemberNames", names));
  }

  /** Returns a filed record for correction; false when there is no filed record at that version. */
  public Future<Boolean> returnForCorrection(SqlClient tx, long meetingId, String reason, int version) {
    return tx.preparedQuery(Kept.sql("""
            UPDATE meeting_record SET status = 'returned', return_reason = $2, updated_at = now(), version = version + 1
             WHERE meeting_id = $1 AND status = 'filed' AND version = $3"""))
        .execute(Tuple.of(meetingId, reason, version)).map(rows -> rows.rowCount() == 1);
  }

  /** Marks the meeting held or not held (the record decides). */
  public Future<Void> setMeetingStatus(SqlClient tx, long meetingId, boolean held) {
    return tx.preparedQuery(Kept.sql("UPDATE meeting SET status = $2, updated_at = now() WHERE id = $1"))
        .execute(Tuple.of(meetingId, held ? "held" : "not_held")).mapEmpty();
  }
}
