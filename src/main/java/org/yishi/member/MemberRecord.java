package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * A member's record (履职档案) for one year, counted from the rows themselves: meetings invited to
 * (not cancelled), meetings attended (named as attendee in a held meeting's filed record, the same
 * rows the statistics roll-up counts), check-ins, invitations confirmed/declined, outcomes of the
 * meetings attended; and from the topic and outcome features, topics proposed, suggestions made and
 * adopted, typical cases ({@link MemberContributions}). Years run by the meeting's start in the
 * configured zone.
 */
public final class MemberRecord {
  private MemberRecord() {
  }

  /** The record, with the counts of topics and outcomes naming the member from {@code contributions}. */
  public static Future<JsonObject> of(Pool pool, MemberContributions contributions, long memberId, int year) {
    return Future.all(counts(pool, memberId, year), contributions.counts(java.util.List.of(memberId), year))
        .map(all -> MemberContributions.into(all.resultAt(0), all.resultAt(1), memberId));
  }

  private static Future<JsonObject> counts(Pool pool, long memberId, int year) {
    return pool.preparedQuery("WITH " + org.yishi.platform.Times.yearWindowSql(2) + """
                        SELECT
              (SELECT count(*) FROM meeting_member mm JOIN meeting m ON m.id = mm.meeting_id, y
                WHERE mm.member_id = $1 AND mm.active AND m.status <> 'cancelled'
                  AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS invited,
              (SELECT count(*) FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id, y
                WHERE a.member_id = $1 AND m.status = 'held' AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS attended,
              (SELECT count(*) FROM meeting_checkin c JOIN meeting m ON m.id = c.meeting_id, y
                WHERE c.member_id = $1 AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS checkins,
              (SELECT count(*) FROM meeting_checkin c JOIN meeting m ON m.id = c.meeting_id, y
                WHERE c.member_id = $1 AND c.arrival = 'late' AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS late,
              (SELECT count(*) FROM meeting_checkin c JOIN meeting m ON m.id = c.meeting_id, y
                WHERE c.member_id = $1 AND NOT c.invited AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS uninvited,
              (SELECT count(*) FROM meeting_member_reply rp JOIN meeting m ON m.id = rp.meeting_id, y
                WHERE rp.member_id = $1 AND rp.reply = 'confirmed' AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS confirmed,
              (SELECT count(*) FROM meeting_member_reply rp JOIN meeting m ON m.id = rp.meeting_id, y
                WHERE rp.member_id = $1 AND rp.reply = 'declined' AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS declined,
              (SELECT count(*) FROM outcome o JOIN meeting_attendee a ON a.meeting_id = o.meeting_id
                 JOIN meeting m ON m.id = o.meeting_id, y
                WHERE a.member_id = $1 AND m.starts_at >= y.from_at AND m.starts_at < y.to_at) AS outcomes""")
        .execute(Tuple.of(memberId, year))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new JsonObject().put("memberId", memberId).put("year", year)
              .put("invited", r.getLong("invited")).put("attended", r.getLong("attended"))
              .put("checkins", r.getLong("checkins")).put("late", r.getLong("late")).put("uninvited", r.getLong("uninvited"))
              .put("confirmed", r.getLong("confirmed")).put("declined", r.getLong("declined"))
              .put("outcomes", r.getLong("outcomes"));
        });
  }
}
