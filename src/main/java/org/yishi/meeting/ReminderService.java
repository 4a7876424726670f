package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.web.I18n;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Locale;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Meeting reminders, {@code leads} before each scheduled meeting: an in-app notification for the
 * station's coordinators and the district's staff, and messages queued in the {@code outbox} for
 * people reached outside Yishi: each invited member with a phone (SMS), each of the five parties
 * whose contact is a mobile number or an e-mail address, each coordinator of the station with an
 * e-mail address (in the coordinator's language, with a link back to the meeting), and each group
 * robot configured for the station or its district. Every reminder has a unique dedupe key, so
 * running this on several nodes at once, or twice, still creates each exactly once. The queued
 * messages are sent by the notify feature's delivery service.
 */
public final class ReminderService {
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
  private final ZoneId zone;
  private final Pool pool;
  private final List<Duration> leads;
  private final Duration recordAfter;
  private final String publicUrl;
  private final List<AppConfig.Robot> robots;

  /**
   * @param recordAfter how long after a meeting's end its record is chased when none was filed
   * @param publicUrl   the address people open Yishi at (links in messages)
   * @param robots      the configured group robots (each gets the reminders of its station or district)
   */
  public ReminderService(Pool pool, List<Duration> leads, Duration recordAfter, String publicUrl, List<AppConfig.Robot> robots,
                         ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
    this.leads = leads;
    this.recordAfter = recordAfter;
    this.publicUrl = publicUrl;
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
   * then); the dedupe keys queue each message once however often this runs.
   */
  private Future<Integer> recordMails(OffsetDateTime now) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            SELECT m.id, m.station_id, t.title, s.name AS station, m.ends_at
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
             WHERE m.status = 'scheduled' AND m.ends_at <= $1 AND m.ends_at > $1 - interval '7 days'
               AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)
             ORDER BY m.id""")
        .execute(Tuple.of(now.minus(recordAfter)))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (Row r : rows) {
            chain = chain.compose(n -> Outbox.queue(tx, Notices.recordOverdue(r.getLong("id"), r.getLong("station_id"),
                r.getString("title"), r.getString("station"), r.getOffsetDateTime("ends_at").toString())).map(k -> n + k));
          }
          return chain;
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

  private Future<Integer> message(OffsetDateTime from, OffsetDateTime to, String lead) {
    return memberMessages(from, to, lead).compose(n -> partyMessages(from, to, lead).map(m -> n + m))
        .compose(n -> coordinatorMails(from, to, lead).map(m -> n + m))
        .compose(n -> robotMessages(from, to, lead).map(m -> n + m));
  }

  /** The station's coordinators with an e-mail address, in their language, with a link to the meeting. */
  private Future<Integer> coordinatorMails(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            SELECT m.id AS meeting, t.title, s.name AS station, m.starts_at, m.venue, a.id AS account, a.email,
                   a.display_name, a.locale
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN account_station x ON x.station_id = m.station_id
              JOIN account a ON a.id = x.account_id AND NOT a.disabled AND a.email IS NOT NULL
             WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2
               AND NOT EXISTS (SELECT 1 FROM outbox o
                                WHERE o.dedupe_key = 'reminder:' || m.id || ':' || $3 || ':account:' || a.id)""")
        .execute(Tuple.of(from, to, lead))
        .compose(rows -> {
          List<Tuple> batch = new ArrayList<>();
          for (Row r : rows) {
            Locale locale = I18n.fromTag(r.getString("locale") == null ? "zh-CN" : r.getString("locale"));
            String link = publicUrl + "/meetings/" + r.getLong("meeting");
            String when = r.getOffsetDateTime("starts_at").atZoneSameInstant(zone).format(WHEN);
            batch.add(Tuple.of("email", r.getString("email"),
                I18n.t(locale, "notify.reminder.subject", r.getString("title"), when),
                I18n.t(locale, "notify.reminder.mail", r.getString("display_name"), r.getString("station"), when,
                    r.getString("title"), r.getString("venue"), link),
                "reminder:" + r.getLong("meeting") + ":" + lead + ":account:" + r.getLong("account"))
                .addLong(r.getLong("account")).addString(link).addString(I18n.tag(locale)));
          }
          return insert(batch);
        });
  }

  /** One message per meeting for each robot whose station or district it is (robots speak Chinese). */
  private Future<Integer> robotMessages(OffsetDateTime from, OffsetDateTime to, String lead) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (AppConfig.Robot robot : robots) {
      String[] scope = robot.scope().split(":");
      String where = scope[0].equals("station") ? "m.station_id = $4" : "s.district_code = $4";
      chain = chain.compose(n -> pool.preparedQuery("""
              SELECT m.id AS meeting, t.title, s.name AS station, m.starts_at, m.venue
                FROM meeting m
                JOIN topic t ON t.id = m.topic_id
                JOIN station s ON s.id = m.station_id
               WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2 AND %s
                 AND NOT EXISTS (SELECT 1 FROM outbox o
                                  WHERE o.dedupe_key = 'reminder:' || m.id || ':' || $3 || ':robot:' || $5)""".formatted(where))
          .execute(Tuple.of(from, to, lead, scope[0].equals("station") ? (Object) Long.valueOf(scope[1]) : scope[1], robot.name()))
          .compose(rows -> {
            List<Tuple> batch = new ArrayList<>();
            for (Row r : rows) {
              String link = publicUrl + "/meetings/" + r.getLong("meeting");
              String when = r.getOffsetDateTime("starts_at").atZoneSameInstant(zone).format(WHEN);
              batch.add(Tuple.of("robot", robot.name(), I18n.t(I18n.ZH, "notify.reminder.subject", r.getString("title"), when),
                  I18n.t(I18n.ZH, "notify.reminder.robot", r.getString("station"), when, r.getString("title"),
                      r.getString("venue"), link),
                  "reminder:" + r.getLong("meeting") + ":" + lead + ":robot:" + robot.name())
                  .addValue(null).addString(link).addString("zh-CN"));
            }
            return insert(batch).map(m -> n + m);
          }));
    }
    return chain;
  }

  private Future<Integer> insert(List<Tuple> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return pool.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, account_id, link, locale, kind)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'meeting_reminder')
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .executeBatch(batch)
        .map(rows -> {
          int n = 0;
          for (var r = rows; r != null; r = r.next()) {
            n += r.rowCount();
          }
          return n;
        });
  }

  /**
   * The five parties (responder department, proposer, related parties, experts ...) whose contact is a
   * mobile number (SMS) or an e-mail address; other contacts (office landlines) are not messaged.
   */
  private Future<Integer> partyMessages(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
            SELECT CASE WHEN p.contact LIKE '%@%' THEN 'email' ELSE 'sms' END, p.contact, '议事提醒',
                   p.name || '：' || s.name || '将于 '
                     || to_char(m.starts_at AT TIME zone current_setting('TimeZone'), 'MM月DD日 HH24:MI') || ' 就“' || t.title || '”开展协商，敬请参加。',
                   'reminder:' || m.id || ':' || $3 || ':party:' || p.id, 'meeting_reminder', 'zh-CN'
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN meeting_participant p ON p.meeting_id = m.id
             WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2
               AND (p.contact ~ '^1[3-9][0-9]{9}$' OR p.contact ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$')
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(from, to, lead))
        .map(rows -> rows.rowCount());
  }

  private Future<Integer> memberMessages(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
            SELECT 'sms', mb.phone, '议事提醒',
                   mb.name || '委员：' || s.name || '将于 '
                     || to_char(m.starts_at AT TIME zone current_setting('TimeZone'), 'MM月DD日 HH24:MI') || ' 就“' || t.title || '”开展协商，敬请参加。',
                   'reminder:' || m.id || ':' || $3 || ':member:' || mb.id, 'meeting_reminder', 'zh-CN'
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.active
              JOIN member mb ON mb.id = mm.member_id AND mb.phone IS NOT NULL
             WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.starts_at <= $2
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(from, to, lead))
        .map(rows -> rows.rowCount());
  }
}
