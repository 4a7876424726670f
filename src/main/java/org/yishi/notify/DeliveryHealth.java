package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.config.AppConfig;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * What an operator needs to know about notification delivery, without addresses, webhook URLs or
 * secrets: the channels this node is configured with, the queue's depth and oldest unsent message,
 * and the failed messages (counts for {@code /ready}; a short list for admins, e.g. the work queue).
 */
public final class DeliveryHealth {
  private DeliveryHealth() {
  }

  /**
   * The {@code notifications} detail of {@code /ready}: {@code channels} {email, sms, robots (names)},
   * {@code queued}, {@code retrying}, {@code oldestQueuedSeconds} (null when none), {@code failed}
   * and {@code failedLast24h}. Never decides readiness: a full queue is a reason to look, not to
   * stop serving pages.
   */
  public static Future<JsonObject> detail(SqlClient client, AppConfig.NotifySettings settings, Instant now) {
    OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
    JsonObject channels = new JsonObject().put("email", settings.smtp().enabled()).put("sms", settings.aliyunSms().enabled() ? "aliyun" : settings.smsUrl().isEmpty() ? "off" : "gateway")
        .put("robots", new JsonArray(settings.robots().stream().map(AppConfig.Robot::name).toList()));
    return client.preparedQuery("""
            SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS queued,
                   (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0) AS retrying,
                   (SELECT min(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS oldest,
                   (SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL) AS failed,
                   (SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL AND failed_at > $1) AS failed_recent""")
        .execute(Tuple.of(at.minusHours(24)))
        .map(rows -> {
          Row r = rows.iterator().next();
          OffsetDateTime oldest = r.getOffsetDateTime("oldest");
          return new JsonObject().put("channels", channels)
              .put("queued", r.getLong("queued")).put("retrying", r.getLong("retrying"))
              .put("oldestQueuedSeconds", oldest == null ? null : Math.max(0, Duration.between(oldest, at).toSeconds()))
              .put("failed", r.getLong("failed")).put("failedLast24h", r.getLong("failed_recent"));
        });
  }

  /**
   * The most recent failed messages, newest first, for an admin's list (e.g. the work queue): each
   * {@code {id, channel, recipient, kind, failedAt, attempts, lastError, link}} where {@code link}
   * is the delivery log filtered to the failed messages. Robots appear by their name.
   */
  public static Future<JsonArray> recentFailures(SqlClient client, int limit) {
    return client.preparedQuery("""
            SELECT id, channel, recipient, kind, failed_at, attempts, last_error FROM outbox
             WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT $1""")
        .execute(Tuple.of(Math.max(1, Math.min(limit, 100))))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(new JsonObject().put("id", r.getLong("id")).put("channel", r.getString("channel"))
                .put("recipient", r.getString("recipient")).put("kind", r.getString("kind"))
                .put("failedAt", r.getOffsetDateTime("failed_at").toString()).put("attempts", r.getInteger("attempts"))
                .put("lastError", r.getString("last_error")).put("link", "/admin/notifications?status=failed"));
          }
          return out;
        });
  }

  /** The failed messages' count, for a badge (the work queue's admin section). */
  public static Future<Long> failedCount(SqlClient client) {
    return client.query("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }
}
