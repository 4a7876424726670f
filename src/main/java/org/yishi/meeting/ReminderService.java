package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.config.AppConfig;

import java.time.Duration;
import java.time.ZoneId;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Meeting reminders, {@code leads} before each scheduled meeting: an in-app notification for the
 * station's coordinators and the district's staff, and a {@code meeting_reminder} notice queued in
 * the {@code outbox} ({@link Outbox#queue}): each coordinator by the channels chosen in their
 * preferences (e-mail by default, in their language, with a link back to the meeting), each invited
 * member with a mobile number (SMS), each of the five parties whose contact is a mobile number or an
 * e-mail address, and each group robot configured for the station or its district. Every reminder has a unique dedupe key, so
 * running this on several nodes at once, or twice, still creates each exactly once. The queued
 * messages are sent by the notify feature's delivery service.
 */
public final class ReminderService {
  private final Pool pool;
  private final List<Duration> leads;
  private final Duration recordAfter;
  private final List<AppConfig.Robot> robots;

  /**
   * @param recordAfter how long after a meeting's end its record is chased when none was filed
   * @param publicUrl   unused: links in messages are the outbox's ({@code YISHI_PUBLIC_URL}, set at start-up)
   * @param robots      the configured group robots (each gets the reminders of its station or district)
   * @param zone        unused: the times in messages are in the zone the node gave {@link Notices#zone}
   */
  public ReminderService(Pool pool, List<Duration> leads, Duration recordAfter, String publicUrl, List<AppConfig.Robot> robots,
                         ZoneId zone) {
    this.pool = pool;
    this.leads = leads;
    this.recordAfter = recordAfter;
    this.robots = robots;
  }

  /** Creates the reminders due at {@code now}; answers how many notifications and messages were new. */
  public Future<JsonObject> runOnce(Instant now) {
    OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
    Future<int[]> chain = Future.succeededFuture(new int[2]);
    for (Duration lead : leads) {
      String leadKey = lead.toHours() + "h";
      chain = chain.compose(counts -> notify(at, at.plus(lead), leadKey)
          .compose(n -> message(at, at.plus(lead), leadKey).map(m -> new int[] {counts[0] + n, counts[1] + m})));
    }
    return chain.compose(c -> recordReminders(at).map(r -> new JsonObject().put("notifications", c[0] + r).put("messages", c[1])));
  }

  /** Reminds the station's coordinators to file the record of a meeting that ended long enough ago without one. */
  private Future<Integer> recordReminders(OffsetDateTime now) {
    return pool.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT a.account_id, 'record_reminder', t.title,
                   s.name || ' · ' || to_char(m.starts_at AT TIME zone current_setting('TimeZone'), 'YYYY-MM-DD HH24:MI'),
                   '/meetings/' || m.id || '/record', 'record:' || m.id || ':' || a.account_id
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN account_station a ON a.station_id = m.station_id
             WHERE m.status = 'scheduled' AND m.ends_at <= $1
               AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(now.minus(recordAfter)))
        .compose(rows -> recordMails(now).map(n -> rows.rowCount()));
  }

  /**
   * The same chase by e-mail: one {@code record_overdue} notice per meeting (to the station's
   * coordinators with an address) during the week after it became due (older ones were queued
   * then), once: the meeting is noted in {@code reminder_queued} (lead {@code record}) in the same
   * transaction, so later runs skip it; the dedupe keys queue each message once however often this runs.
   */
  private Future<Integer> recordMails(OffsetDateTime now) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            SELECT m.id, m.station_id, t.title, s.name AS station, m.ends_at
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
             WHERE m.status = 'scheduled' AND m.ends_at <= $1 AND m.ends_at > $1 - interval '7 days'
               AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM reminder_queued q WHERE q.meeting_id = m.id AND q.lead = 'record')
             ORDER BY m.id""")
        .execute(Tuple.of(now.minus(recordAfter)))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          Long[] ids = new Long[rows.size()];
          int i = 0;
          for (Row r : rows) {
            ids[i++] = r.getLong("id");
            chain = chain.compose(n -> Outbox.queue(tx, Notices.recordOverdue(r.getLong("id"), r.getLong("station_id"),
                r.getString("title"), r.getString("station"), r.getOffsetDateTime("ends_at").toString())).map(k -> n + k));
          }
          // noted with the messages: the next ticks (thousands of meetings at city scale) skip them
          return chain.compose(n -> tx.preparedQuery("""
                  INSERT INTO reminder_queued (meeting_id, lead) SELECT unnest($1::bigint[]), 'record' ON CONFLICT DO NOTHING""")
              .execute(Tuple.of(ids)).map(n));
        }));
  }

  private Future<Integer> notify(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT a.id, 'meeting_reminder', t.title,
                   s.name || ' · ' || to_char(m.starts_at AT TIME zone current_setting('TimeZone'), 'YYYY-MM-DD HH24:MI'),
                   '/meetings/' || m.id, 'reminder:' || m.id || ':' || $3 || ':' || a.id
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN account a ON NOT a.disabled AND (
                     a.id IN (SELECT account_id FROM account_station WHERE station_id = m.station_id)
                  OR (a.role = 'district_staff' AND a.scope_code = s.district_code))
             WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(from, to, lead))
        .map(rows -> rows.rowCount());
  }

  /**
   * One {@code meeting_reminder} notice per meeting in the window, queued by the outbox like every
   * other kind: the coordinators by the channels they chose (quiet hours and digests are the delivery
   * job's), the invited members and the five parties as their contacts allow, and each group robot
   * of the station or its district. A transaction per meeting, which also notes it in
   * {@code reminder_queued}, so later runs (on any node) skip it; the dedupe keys queue each message once.
   */
  private Future<Integer> message(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            SELECT m.id, m.station_id, t.title, s.name AS station, m.starts_at, m.venue
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
             WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2
               AND NOT EXISTS (SELECT 1 FROM reminder_queued q WHERE q.meeting_id = m.id AND q.lead = $3)
             ORDER BY m.id""")
        .execute(Tuple.of(from, to, lead))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (Row r : rows) {
            long meeting = r.getLong("id");
            Notice notice = Notices.meetingReminder(meeting, lead, r.getLong("station_id"), r.getString("title"),
                r.getString("station"), r.getOffsetDateTime("starts_at").toString(), r.getString("venue"));
            // claimed and queued in one transaction: another node's run (or a later tick) skips it
            chain = chain.compose(n -> pool.withTransaction(tx -> tx.preparedQuery("""
                    INSERT INTO reminder_queued (meeting_id, lead) VALUES ($1, $2) ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(meeting, lead))
                .compose(claimed -> claimed.rowCount() == 0 ? Future.succeededFuture(0) : Outbox.queue(tx, notice, robots)))
                .map(k -> n + k));
          }
          return chain;
        });
  }
}
