package org.yishi.demo;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.yishi.account.AccountService;
import org.yishi.platform.security.Role;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Member accounts for the demo city (issue 23): the two 洮北区 members who attended most over the
 * demo year get accounts ({@code demo-member}, {@code demo-member2}), with check-ins at the held
 * meetings they attended and answers to their invitations. Two meetings at a 洮北区 station with no
 * other demo meetings invite both: one going on now (its code scans at once after seeding) and one in
 * three days (its code opens {@code YISHI_CHECKIN_OPENS_MINUTES} before the start).
 */
final class DemoMembers {
  private final Pool pool;
  private final AccountService accounts;
  private final String password;

  private final ZoneId zone;

  DemoMembers(Pool pool, AccountService accounts, String password, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
    this.accounts = accounts;
    this.password = password;
  }

  Future<Void> write() {
    return pool.query("""
            SELECT a.member_id, mb.name FROM meeting_attendee a JOIN member mb ON mb.id = a.member_id
              JOIN committee c ON c.id = mb.committee_id
             WHERE c.division_code = '220802000000'
             GROUP BY a.member_id, mb.name ORDER BY count(*) DESC, a.member_id LIMIT 2""").execute()
        .compose(rows -> {
          List<Row> chosen = new ArrayList<>();
          rows.forEach(chosen::add);
          if (chosen.size() < 2) {
            return Future.succeededFuture();
          }
          long first = chosen.get(0).getLong(0);
          long second = chosen.get(1).getLong(0);
          return account("demo-member", chosen.get(0).getString(1), first)
              .compose(v -> account("demo-member2", chosen.get(1).getString(1), second))
              .compose(v -> pool.withTransaction(tx -> history(tx, new Long[] {first, second})
                  .compose(x -> meetings(tx, new Long[] {first, second}))));
        });
  }

  private Future<Void> account(String username, String name, long memberId) {
    return accounts.createSystemAccount(username, name, password, Role.MEMBER, "220802000000", java.util.Set.of())
        .compose(id -> pool.preparedQuery("UPDATE account SET member_id = $2 WHERE id = $1").execute(Tuple.of(id, memberId)))
        .mapEmpty();
  }

  /** Check-ins at the held meetings they attended (a few late, one marked by the coordinator) and their answers. */
  private Future<Void> history(SqlConnection tx, Long[] members) {
    return tx.preparedQuery("""
            INSERT INTO meeting_checkin (meeting_id, role, member_id, invited, arrival, minutes_off, source, at)
            SELECT a.meeting_id, 'members', a.member_id,
                   EXISTS (SELECT 1 FROM meeting_member mm WHERE mm.meeting_id = a.meeting_id AND mm.member_id = a.member_id),
                   CASE WHEN (a.meeting_id % 5) = 0 THEN 'late' ELSE 'on_time' END,
                   CASE WHEN (a.meeting_id % 5) = 0 THEN 12 ELSE -5 END,
                   CASE WHEN (a.meeting_id % 7) = 0 THEN 'coordinator' ELSE 'scan' END,
                   m.starts_at + CASE WHEN (a.meeting_id % 5) = 0 THEN interval '12 minutes' ELSE interval '-5 minutes' END
              FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id
             WHERE a.member_id = ANY($1) AND m.status = 'held'
            ON CONFLICT DO NOTHING""").execute(Tuple.of((Object) members))
        .compose(v -> tx.preparedQuery("""
            INSERT INTO meeting_member_reply (meeting_id, member_id, reply, at)
            SELECT mm.meeting_id, mm.member_id,
                   CASE WHEN EXISTS (SELECT 1 FROM meeting_attendee a WHERE a.meeting_id = mm.meeting_id AND a.member_id = mm.member_id)
                        THEN 'confirmed' ELSE 'declined' END,
                   m.starts_at - interval '2 days'
              FROM meeting_member mm JOIN meeting m ON m.id = mm.meeting_id
             WHERE mm.member_id = ANY($1) AND m.starts_at < now() AND m.status <> 'cancelled'
            ON CONFLICT DO NOTHING""").execute(Tuple.of((Object) members)))
        .compose(v -> contributions(tx, members));
  }

  /**
   * What their records count beyond attendance: three topics of 洮北区 each proposed (put forward
   * this year), the suggestions in three outcomes of the last year's meetings each attended (adopted ones first) and
   * one typical case each. Typical cases are only named, never marked here, so the roll-up's
   * {@code typical_cases} stays as the history wrote it.
   */
  private Future<Void> contributions(SqlConnection tx, Long[] members) {
    Tuple each = Tuple.of((Object) members);
    return tx.preparedQuery("""
            UPDATE topic t SET proposer_member_id = pick.member_id
              FROM (SELECT x.member_id, p.id FROM unnest($1::bigint[]) WITH ORDINALITY AS x(member_id, n),
                      LATERAL (SELECT id FROM topic WHERE division_code LIKE '220802%'
                                 AND status IN ('submitted', 'approved', 'rejected') AND proposer_member_id IS NULL
                                 AND created_at >= date_trunc('year', now())
                               ORDER BY id OFFSET (x.n - 1) * 3 LIMIT 3) p) pick
             WHERE t.id = pick.id""").execute(each)
        .compose(v -> tx.preparedQuery("""
            INSERT INTO outcome_member (outcome_id, member_id, role)
            SELECT p.id, x, 'suggester' FROM unnest($1::bigint[]) x,
                   LATERAL (SELECT o.id FROM outcome o JOIN meeting_attendee a ON a.meeting_id = o.meeting_id AND a.member_id = x
                              JOIN meeting m ON m.id = o.meeting_id
                             WHERE m.starts_at >= now() - interval '1 year'
                             ORDER BY (o.answer IN ('adopted', 'partly_adopted')) IS TRUE DESC, o.id LIMIT 3) p
            ON CONFLICT DO NOTHING""").execute(each))
        .compose(v -> tx.preparedQuery("""
            INSERT INTO outcome_member (outcome_id, member_id, role)
            SELECT p.id, x, 'typical' FROM unnest($1::bigint[]) x,
                   LATERAL (SELECT o.id FROM outcome o JOIN meeting m ON m.id = o.meeting_id
                             WHERE o.typical_case AND o.division_code LIKE '220802%' AND m.starts_at >= now() - interval '1 year'
                             ORDER BY EXISTS (SELECT 1 FROM meeting_attendee a WHERE a.meeting_id = o.meeting_id AND a.member_id = x) DESC, o.id
                             LIMIT 1) p
            ON CONFLICT DO NOTHING""").execute(each))
        .mapEmpty();
  }

  /** A meeting on now and one in three days at the 洮北区 station with the fewest meetings, both inviting the demo members. */
  private Future<Void> meetings(SqlConnection tx, Long[] members) {
    OffsetDateTime now = OffsetDateTime.now(zone).withSecond(0).withNano(0);
    return tx.query("""
            SELECT s.id, s.division_code FROM station s
             WHERE s.division_code LIKE '220802%' AND s.status = 'active'
             ORDER BY (SELECT count(*) FROM meeting m WHERE m.station_id = s.id), s.id LIMIT 1""").execute()
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          long station = rows.iterator().next().getLong(0);
          String division = rows.iterator().next().getString(1);
          return meeting(tx, station, division, "社区议事厅扫码签到演示", now.minusMinutes(20), members)
              .compose(v -> meeting(tx, station, division, "小区充电桩安装协商", now.plusDays(3).withHour(15).withMinute(0), members));
        });
  }

  private Future<Void> meeting(SqlConnection tx, long station, String division, String title, OffsetDateTime start, Long[] members) {
    OffsetDateTime end = start.plusMinutes(120);
    return tx.preparedQuery("""
            INSERT INTO topic (station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, status)
            VALUES ($1, $2, $3, 'livelihood', 'residents', true, '群众关切', true, '适合协商', 'approved') RETURNING id""")
        .execute(Tuple.of(station, division, title))
        .compose(t -> tx.preparedQuery("""
                INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
                VALUES ($1, $2, $3, $4, $5, '议事室一楼大厅', 'on_site', 'grassroots', 'scheduled') RETURNING id""")
            .execute(Tuple.tuple().addLong(t.iterator().next().getLong(0)).addLong(station).addString(division)
                .addOffsetDateTime(start).addOffsetDateTime(end)))
        .map(m -> m.iterator().next().getLong(0))
        // the five parties of a consultation, as on every demo meeting
        .compose(id -> tx.preparedQuery("INSERT INTO meeting_participant (meeting_id, role, name, organisation) VALUES ($1, $2, $3, $4)")
            .executeBatch(List.of(Tuple.of(id, "host", "社区党委书记赵敏", "社区居委会"), Tuple.of(id, "proposer", "居民代表孙德胜", "幸福里小区"),
                Tuple.of(id, "responder", "区发改局能源科", "区发改局"), Tuple.of(id, "related", "小区业主委员会", "幸福里小区业委会"),
                Tuple.of(id, "expert_resident", "电气工程师钱立新", "市供电公司"))).map(id))
        .compose(id -> tx.preparedQuery("""
                INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at)
                SELECT $1, x, $2, $3 FROM unnest($4::bigint[]) x ON CONFLICT DO NOTHING""")
            .execute(Tuple.tuple().addLong(id).addOffsetDateTime(start).addOffsetDateTime(end).addArrayOfLong(members)))
        .mapEmpty();
  }
}
