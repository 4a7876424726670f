package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Meeting reminders, {@code leads} before each scheduled meeting: an in-app notification for the
 * station's coordinators and the district's staff, and an outbox message (SMS) for each invited
 * member with a phone and for each of the five parties whose contact is a mobile number or an
 * e-mail address (departments and residents are people outside Yishi). Every reminder has a unique dedupe key, so running this on several nodes
 * at once, or twice, still creates each exactly once. {@link #sendOutbox} then hands unsent
 * messages to the gateway spool, claiming them with {@code FOR UPDATE SKIP LOCKED} and marking them
 * sent in the same transaction: one node sends each message once.
 */
public final class ReminderService {
  private final Pool pool;
  private final List<Duration> leads;
  private final Path spool;
  private final Duration recordAfter;

  /**
   * @param spool       the file the SMS/e-mail gateway reads (one JSON line per message)
   * @param recordAfter how long after a meeting's end its record is chased when none was filed
   */
  public ReminderService(Pool pool, List<Duration> leads, Path spool, Duration recordAfter) {
    this.pool = pool;
    this.leads = leads;
    this.spool = spool;
    this.recordAfter = recordAfter;
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
                   s.name || ' · ' || to_char(m.starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                   '/meetings/' || m.id || '/record', 'record:' || m.id || ':' || a.account_id
              FROM meeting m
              JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              JOIN account_station a ON a.station_id = m.station_id
             WHERE m.status = 'scheduled' AND m.ends_at <= $1
               AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(now.minus(recordAfter)))
        .map(rows -> rows.rowCount());
  }

  private Future<Integer> notify(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT a.id, 'meeting_reminder', t.title,
                   s.name || ' · ' || to_char(m.starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
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
    return memberMessages(from, to, lead).compose(n -> partyMessages(from, to, lead).map(m -> n + m));
  }

  /**
   * The five parties (responder department, proposer, related parties, experts ...) whose contact is a
   * mobile number (SMS) or an e-mail address; other contacts (office landlines) are not messaged.
   */
  private Future<Integer> partyMessages(OffsetDateTime from, OffsetDateTime to, String lead) {
    return pool.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key)
            SELECT CASE WHEN p.contact LIKE '%@%' THEN 'email' ELSE 'sms' END, p.contact, '议事提醒',
                   p.name || '：' || s.name || '将于 '
                     || to_char(m.starts_at AT TIME ZONE 'Asia/Shanghai', 'MM月DD日 HH24:MI') || ' 就“' || t.title || '”开展协商，敬请参加。',
                   'reminder:' || m.id || ':' || $3 || ':party:' || p.id
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
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key)
            SELECT 'sms', mb.phone, '议事提醒',
                   mb.name || '委员：' || s.name || '将于 '
                     || to_char(m.starts_at AT TIME ZONE 'Asia/Shanghai', 'MM月DD日 HH24:MI') || ' 就“' || t.title || '”开展协商，敬请参加。',
                   'reminder:' || m.id || ':' || $3 || ':member:' || mb.id
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

  /**
   * Hands up to 100 unsent messages to the gateway spool and marks them sent by {@code node}, in one
   * transaction; concurrent senders skip each other's rows. Answers how many were sent.
   */
  public Future<Integer> sendOutbox(String node) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            UPDATE outbox SET sent_at = now(), sent_by = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED)
            RETURNING id, channel, recipient, subject, body, dedupe_key""")
        .execute(Tuple.of(node))
        .map(rows -> {
          StringBuilder lines = new StringBuilder();
          for (Row r : rows) {
            lines.append(new JsonObject().put("id", r.getLong("id")).put("channel", r.getString("channel"))
                .put("to", r.getString("recipient")).put("subject", r.getString("subject"))
                .put("body", r.getString("body")).put("key", r.getString("dedupe_key")).encode()).append('\n');
          }
          if (lines.length() > 0) {
            // written before the commit: if the commit fails the gateway may see a line twice and
            // drops it by its key; a message is never marked sent without having been handed over
            append(lines.toString());
          }
          return rows.rowCount();
        }));
  }

  private synchronized void append(String lines) {
    try {
      Files.createDirectories(spool.getParent());
      Files.writeString(spool, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException("the outbox spool cannot be written: " + spool, e);
    }
  }
}
