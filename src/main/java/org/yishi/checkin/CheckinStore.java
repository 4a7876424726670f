package org.yishi.checkin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

/** SQL of check-ins at meetings. Writes take the caller's transaction. */
public final class CheckinStore {
  private final ZoneId zone;

  CheckinStore(ZoneId zone) {
    this.zone = zone;
  }
  /** The roles of the record's attendance, in its order. */
  public static final List<String> ROLES = List.of("members", "residents", "departments", "experts", "others");

  /** What check-in needs to know of a meeting. */
  public record MeetingRef(long id, long stationId, String divisionCode, OffsetDateTime startsAt, OffsetDateTime endsAt,
                           String status, String recordStatus, String title, String stationName, String venue) {
    /** Check-in closes when the record is filed (a returned record opens it again for corrections). */
    public boolean filed() {
      return "filed".equals(recordStatus);
    }

    JsonObject toJson(ZoneId zone) {
      return new JsonObject().put("id", id).put("stationId", stationId).put("title", title).put("stationName", stationName)
          .put("venue", venue).put("startsAt", time(startsAt, zone)).put("endsAt", time(endsAt, zone)).put("status", status)
          .put("recordFiled", filed());
    }
  }

  /** A time as shown: in the node's zone. */
  String time(OffsetDateTime t) {
    return time(t, zone);
  }

  static String time(OffsetDateTime t, ZoneId zone) {
    return t == null ? null : t.atZoneSameInstant(zone).toOffsetDateTime().toString();
  }

  ZoneId zone() {
    return zone;
  }

  /** The meeting, or null; {@code lock}: held against a record being filed meanwhile (FOR SHARE). */
  public Future<MeetingRef> meeting(SqlClient client, long id, boolean lock) {
    return client.preparedQuery("""
            SELECT m.id, m.station_id, m.division_code, m.starts_at, m.ends_at, m.status, r.status AS record_status,
                   t.title, s.name AS station_name, m.venue
              FROM meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id
              LEFT JOIN meeting_record r ON r.meeting_id = m.id
             WHERE m.id = $1""" + (lock ? " FOR SHARE OF m" : ""))
        .execute(Tuple.of(id))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new MeetingRef(r.getLong(0), r.getLong(1), r.getString(2), r.getOffsetDateTime(3), r.getOffsetDateTime(4),
              r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getString(9));
        });
  }

  /** Where a meeting lies: {station id, division code}, or null. */
  public Future<Object[]> scopeOf(SqlClient client, long id) {
    return client.preparedQuery(Kept.sql("SELECT station_id, division_code FROM meeting WHERE id = $1")).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : new Object[] {rows.iterator().next().getLong(0), rows.iterator().next().getString(1)});
  }

  JsonObject toJson(Row r) {
    return new JsonObject().put("id", r.getLong("id")).put("meetingId", r.getLong("meeting_id")).put("role", r.getString("role"))
        .put("memberId", r.getLong("member_id")).put("memberName", r.getString("member_name")).put("name", r.getString("name"))
        .put("invited", r.getBoolean("invited")).put("arrival", r.getString("arrival"))
        .put("minutesFromStart", r.getInteger("minutes_off")).put("source", r.getString("source"))
        .put("at", time(r.getOffsetDateTime("at")));
  }

  private static final String SELECT = """
      SELECT c.id, c.meeting_id, c.role, c.member_id, mb.name AS member_name, c.name, c.invited, c.arrival, c.minutes_off,
             c.source, c.at
        FROM meeting_checkin c LEFT JOIN member mb ON mb.id = c.member_id
      """;

  /** One check-in by id. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery(SELECT + " WHERE c.id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** A member's check-in at a meeting, or null. */
  public Future<JsonObject> ofMember(SqlClient client, long meetingId, long memberId) {
    return client.preparedQuery(SELECT + " WHERE c.meeting_id = $1 AND c.member_id = $2").execute(Tuple.of(meetingId, memberId))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** A device's check-in at a meeting, or null. */
  public Future<JsonObject> ofDevice(SqlClient client, long meetingId, String deviceKey) {
    return client.preparedQuery(SELECT + " WHERE c.meeting_id = $1 AND c.device_key = $2").execute(Tuple.of(meetingId, deviceKey))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** Every check-in of a meeting, members first, then by time. The optional guests' phone numbers are never listed. */
  public Future<JsonArray> list(SqlClient client, long meetingId) {
    return client.preparedQuery(SELECT + " WHERE c.meeting_id = $1 ORDER BY c.role, c.at, c.id").execute(Tuple.of(meetingId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(toJson(r)));
          return out;
        });
  }

  /** Attendance by role counted from the check-ins, and the members checked in. */
  public Future<JsonObject> attendance(SqlClient client, long meetingId) {
    return client.preparedQuery("""
            SELECT role, count(*), array_agg(member_id ORDER BY member_id) FILTER (WHERE member_id IS NOT NULL)
              FROM meeting_checkin WHERE meeting_id = $1 GROUP BY role""")
        .execute(Tuple.of(meetingId))
        .map(rows -> {
          JsonObject counts = new JsonObject();
          ROLES.forEach(role -> counts.put(role, 0));
          JsonArray members = new JsonArray();
          rows.forEach(r -> {
            counts.put(r.getString(0), r.getLong(1).intValue());
            Long[] ids = r.getArrayOfLongs(2);
            if (ids != null) {
              for (Long id : ids) {
                members.add(id);
              }
            }
          });
          return new JsonObject().put("attendance", counts).put("memberIds", members);
        });
  }

  /** Checks a member in unless already in; the new row's id, or null when there was one. */
  public Future<Long> insertMember(SqlClient tx, long meetingId, long memberId, String arrival, int minutesOff, String source) {
    return tx.preparedQuery("""
            INSERT INTO meeting_checkin (meeting_id, role, member_id, invited, arrival, minutes_off, source)
            VALUES ($1, 'members', $2,
                    EXISTS (SELECT 1 FROM meeting_member WHERE meeting_id = $1 AND member_id = $2 AND active), $3, $4, $5)
            ON CONFLICT (meeting_id, member_id) WHERE member_id IS NOT NULL DO NOTHING RETURNING id""")
        .execute(Tuple.of(meetingId, memberId, arrival, minutesOff, source))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** Checks a guest's device in unless already in; the new row's id, or null when there was one. */
  public Future<Long> insertGuest(SqlClient tx, long meetingId, String role, String deviceKey, String name, String phone,
                                  String arrival, int minutesOff, String source) {
    return tx.preparedQuery("""
            INSERT INTO meeting_checkin (meeting_id, role, device_key, name, phone, arrival, minutes_off, source)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (meeting_id, device_key) WHERE device_key IS NOT NULL DO NOTHING RETURNING id""")
        .execute(Tuple.tuple().addLong(meetingId).addString(role).addString(deviceKey).addString(name).addString(phone)
            .addString(arrival).addInteger(minutesOff).addString(source))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** Removes one check-in of a meeting; whether there was one. */
  public Future<Boolean> delete(SqlClient tx, long meetingId, long checkinId) {
    return tx.preparedQuery("DELETE FROM meeting_checkin WHERE id = $2 AND meeting_id = $1").execute(Tuple.of(meetingId, checkinId))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Active members eligible at the meeting's station whose name contains {@code q}, with whether they are checked in. */
  public Future<JsonArray> searchMembers(SqlClient client, long meetingId, String districtCode, String q) {
    String city = districtCode.substring(0, 4) + "00000000";
    String district = districtCode.substring(0, 6) + "000000";
    return client.preparedQuery("""
            SELECT mb.id, mb.name, mb.sector,
                   EXISTS (SELECT 1 FROM meeting_checkin c WHERE c.meeting_id = $1 AND c.member_id = mb.id) AS checked_in,
                   EXISTS (SELECT 1 FROM meeting_member mm WHERE mm.meeting_id = $1 AND mm.member_id = mb.id AND mm.active) AS invited
              FROM member mb JOIN committee c ON c.id = mb.committee_id
             WHERE mb.active AND c.division_code IN ($2, $3)
               AND ($4 = '' OR strpos(mb.name, $4) > 0)
             ORDER BY invited DESC, mb.name LIMIT 50""")
        .execute(Tuple.of(meetingId, district, city, q == null ? "" : q))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("name", r.getString(1))
              .put("sector", r.getString(2)).put("checkedIn", r.getBoolean(3)).put("invited", r.getBoolean(4))));
          return out;
        });
  }
}
