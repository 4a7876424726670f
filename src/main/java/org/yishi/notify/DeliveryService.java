package org.yishi.notify;

import org.yishi.platform.notify.MessageTemplates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.config.AppConfig;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Sends the queued messages of the {@code outbox} table. Any node may run it (from the scheduler
 * job): it claims due rows with {@code FOR UPDATE SKIP LOCKED}, hands each to its channel while the
 * rows stay locked, and records the outcome in the same transaction: accepted ({@code sent_at},
 * the gateway's reply), tried again later with exponential backoff (timeouts, refused connections,
 * 5xx), or failed with the gateway's reason. A node killed after a gateway accepted a message and
 * before the commit leaves the row unsent: another node sends it again (same Message-ID / key).
 */
public final class DeliveryService {
  private static final Logger LOG = Logger.getLogger(DeliveryService.class.getName());
  private final Pool pool;
  private final AppConfig.NotifySettings settings;
  // the channels of the settings last read (replaced as a whole when an admin changes them)
  private volatile Map<String, Channel> channels = Map.of();
  private volatile Map<String, AppConfig.Robot> robots = Map.of();
  private EmailChannel email;
  private AppConfig.NotifySettings applied;
  private final HttpChannels http;
  private final Vertx vertx;
  private final java.util.function.Supplier<Future<AppConfig.NotifySettings>> source;

  private final java.time.ZoneId zone;

  /** A delivery service in the default zone (tests). */
  public DeliveryService(Vertx vertx, Pool pool, AppConfig.NotifySettings settings, java.util.function.Supplier<Instant> clock) {
    this(vertx, pool, settings, clock, AppConfig.DEFAULT_ZONE);
  }

  /** @param zone the node's zone: the hour of the daily digest and quiet hours are local times */
  public DeliveryService(Vertx vertx, Pool pool, AppConfig.NotifySettings settings, java.util.function.Supplier<Instant> clock,
                         java.time.ZoneId zone) {
    this(vertx, pool, settings, clock, zone, () -> Future.succeededFuture(settings));
  }

  /**
   * @param source the channel settings in effect (the database's over the environment's,
   *               {@link ChannelSettings}); read before each run, channels rebuilt when they changed
   */
  public DeliveryService(Vertx vertx, Pool pool, AppConfig.NotifySettings settings, java.util.function.Supplier<Instant> clock,
                         java.time.ZoneId zone, java.util.function.Supplier<Future<AppConfig.NotifySettings>> source) {
    this.zone = zone;
    this.pool = pool;
    this.settings = settings;
    this.vertx = vertx;
    this.source = source;
    this.http = new HttpChannels(vertx, settings.timeoutSeconds(), clock);
    configure(settings);
  }

  /** Reads the settings in effect and rebuilds the channels if they changed. */
  public Future<Void> refresh() {
    return source.get().map(s -> {
      configure(s);
      return null;
    });
  }

  private synchronized void configure(AppConfig.NotifySettings s) {
    if (s.equals(applied)) {
      return;
    }
    Map<String, AppConfig.Robot> byName = new HashMap<>();
    s.robots().forEach(r -> byName.put(r.name(), r));
    Map<String, Channel> built = new HashMap<>();
    EmailChannel previous = email;
    email = s.smtp().enabled() ? new EmailChannel(vertx, s.smtp(), settings.timeoutSeconds()) : null;
    if (email != null) {
      built.put("email", email);
    }
    if (s.aliyunSms().enabled()) { // a real provider first; the generic gateway otherwise
      built.put("sms", http.aliyunSms(s.aliyunSms()));
    } else if (!s.smsUrl().isEmpty()) {
      built.put("sms", http.sms(s.smsUrl(), s.smsToken()));
    }
    if (!byName.isEmpty()) {
      built.put("robot", http.robots(byName));
    }
    robots = Map.copyOf(byName);
    channels = Map.copyOf(built);
    applied = s;
    if (previous != null) { // messages still in flight on the old client finish first
      vertx.setTimer(2_000L * settings.timeoutSeconds() + 1_000, t -> previous.close());
    }
  }

  /** The robots of the settings last read. */
  public List<AppConfig.Robot> robots() {
    return List.copyOf(robots.values());
  }

  /** The channels this node can send on (the others' messages wait, with the reason in the log). */
  public List<String> channels() {
    return List.copyOf(channels.keySet());
  }

  /**
   * Sends the messages due at {@code now}, a batch ({@code YISHI_NOTIFY_BATCH}) per transaction, and
   * the next batch at once while a full batch sent something (at most {@link #BATCHES_PER_RUN} per
   * run, so a morning burst drains at the channels' pace, not one batch per scheduler interval);
   * answers {"sent", "retrying", "failed", "waiting"} summed over the batches.
   */
  public Future<JsonObject> sendDue(String node, Instant now) {
    return drain(node, now, BATCHES_PER_RUN, new JsonObject().put("sent", 0).put("retrying", 0).put("failed", 0).put("waiting", 0));
  }

  /** Most batches one run of the delivery sends before the scheduler's next interval. */
  static final int BATCHES_PER_RUN = 20;

  private Future<JsonObject> drain(String node, Instant now, int left, JsonObject total) {
    return send(node, now, null).compose(counts -> {
      int claimed = 0;
      for (String k : List.of("sent", "retrying", "failed", "waiting")) {
        claimed += counts.getInteger(k, 0);
        total.put(k, total.getInteger(k) + counts.getInteger(k, 0));
      }
      // another batch only when this one was full and moved something (waiting rows would be claimed again)
      boolean more = left > 1 && claimed >= settings.batch() && counts.getInteger("sent", 0) > 0;
      return more ? drain(node, now, left - 1, total) : Future.succeededFuture(total);
    });
  }

  /** Sends one message now if it is due (an admin's test message); answers the counts as {@link #sendDue}. */
  public Future<JsonObject> sendOne(String node, Instant now, long id) {
    return send(node, now, id);
  }

  private final List<Runnable> onFailed = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs {@code listener} after a batch that gave up messages (failed for good) committed: the admins' work queue lists them. */
  public void onFailed(Runnable listener) {
    onFailed.add(listener);
  }

  private Future<JsonObject> send(String node, Instant now, Long only) {
    return sendBatch(node, now, only).onSuccess(counts -> {
      if (counts.getInteger("failed", 0) > 0) {
        onFailed.forEach(Runnable::run);
      }
    });
  }

  private Future<JsonObject> sendBatch(String node, Instant now, Long only) {
    OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
    return refresh().compose(fresh -> pool.withTransaction(tx -> digests(tx, node, at).compose(d -> tx.preparedQuery("""
            SELECT o.id, o.channel, o.recipient, o.subject, o.body, o.dedupe_key, o.link, o.locale, o.kind, o.attempts, o.urgent,
                   coalesce(p.quiet_from, mp.quiet_from) AS quiet_from, coalesce(p.quiet_to, mp.quiet_to) AS quiet_to
              FROM outbox o LEFT JOIN notify_preference p ON p.account_id = o.account_id
              LEFT JOIN notify_member_preference mp ON mp.member_id = o.member_id
             WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $1)
               AND ($3::bigint IS NULL OR o.id = $3)
             ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED""")
        .execute(Tuple.of(at, settings.batch(), only)))
        .compose(rows -> budget(tx, at).compose(budget -> {
          List<Future<String>> outcomes = new ArrayList<>();
          for (Row r : rows) {
            outcomes.add(deliver(tx, node, at, r, budget));
          }
          return Future.join(outcomes).otherwiseEmpty().map(v -> {
            JsonObject counts = new JsonObject().put("sent", 0).put("retrying", 0).put("failed", 0).put("waiting", 0);
            for (Future<String> f : outcomes) {
              String k = f.succeeded() ? f.result() : "retrying";
              counts.put(k, counts.getInteger(k) + 1);
            }
            return counts;
          });
        }))));
  }

  /**
   * The daily digests (preference {@code digest}): the unsent single e-mails of such accounts wait
   * for the next digest time ({@link PreferenceRules#nextDigest}); once it has come they are
   * replaced, in this transaction, by one e-mail listing them (kind {@code digest}, sent by the
   * claim that follows), and marked sent with {@code digest_of} naming it. Urgent messages and
   * meeting reminders are never held.
   */
  private Future<Void> digests(SqlConnection tx, String node, OffsetDateTime at) {
    return tx.preparedQuery("""
            SELECT o.id, o.account_id, o.recipient, o.subject, o.link, o.locale, o.created_at, a.display_name
              FROM outbox o
              JOIN notify_preference p ON p.account_id = o.account_id AND p.digest
              JOIN account a ON a.id = o.account_id
             WHERE o.channel = 'email' AND o.sent_at IS NULL AND o.failed_at IS NULL AND o.attempts = 0
               AND o.urgent IS NOT TRUE AND o.kind IS NOT NULL AND o.kind NOT IN ('digest', 'meeting_reminder', 'test')
               AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $1)
             ORDER BY o.account_id, o.recipient, o.id LIMIT 2000 FOR UPDATE OF o SKIP LOCKED""")
        .execute(Tuple.of(at))
        .compose(rows -> {
          Map<OffsetDateTime, List<Long>> hold = new HashMap<>();
          Map<String, List<Row>> due = new java.util.LinkedHashMap<>();
          for (Row r : rows) {
            OffsetDateTime digestAt = PreferenceRules.nextDigest(r.getOffsetDateTime("created_at"), zone);
            if (digestAt.isAfter(at)) {
              hold.computeIfAbsent(digestAt, k -> new ArrayList<>()).add(r.getLong("id"));
            } else {
              due.computeIfAbsent(r.getLong("account_id") + " " + r.getString("recipient"), k -> new ArrayList<>()).add(r);
            }
          }
          Future<Void> chain = Future.succeededFuture();
          for (Map.Entry<OffsetDateTime, List<Long>> h : hold.entrySet()) {
            chain = chain.compose(v -> tx.preparedQuery("UPDATE outbox SET next_attempt_at = $2 WHERE id = ANY($1)")
                .execute(Tuple.of(h.getValue().toArray(new Long[0]), h.getKey())).mapEmpty());
          }
          for (List<Row> group : due.values()) {
            chain = chain.compose(v -> digest(tx, node, at, group));
          }
          return chain;
        });
  }

  private Future<Void> digest(SqlConnection tx, String node, OffsetDateTime at, List<Row> group) {
    Row first = group.get(0);
    java.util.Locale locale = org.yishi.platform.web.I18n.normalise(org.yishi.platform.web.I18n.fromTag(first.getString("locale")));
    StringBuilder items = new StringBuilder();
    Long[] ids = new Long[group.size()];
    for (int i = 0; i < group.size(); i++) {
      Row r = group.get(i);
      ids[i] = r.getLong("id");
      items.append(MessageTemplates.render(locale, "digest", "item",
          Map.of("subject", r.getString("subject"), "link", r.getString("link") == null ? "" : r.getString("link"))));
    }
    Map<String, Object> vars = Map.of("name", first.getString("display_name"), "count", group.size(), "items", items.toString());
    String key = "digest:" + first.getLong("account_id") + ":" + at.atZoneSameInstant(zone).toLocalDate() + ":" + ids[0];
    return tx.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, account_id, link, locale, kind)
            VALUES ('email', $1, $2, $3, $4, $5, $6, $7, 'digest')
            ON CONFLICT (dedupe_key) DO UPDATE SET kind = 'digest' RETURNING id""")
        .execute(Tuple.of(first.getString("recipient"), MessageTemplates.render(locale, "digest", "subject", vars),
            MessageTemplates.render(locale, "digest", "mail", vars), key, first.getLong("account_id"),
            settings.publicUrl() + "/notifications", org.yishi.platform.web.I18n.tag(locale)))
        .compose(inserted -> tx.preparedQuery("""
                UPDATE outbox SET sent_at = $2, sent_by = $3, gateway_reply = $4, digest_of = $5 WHERE id = ANY($1)""")
            .execute(Tuple.of(ids, at, node, "in daily digest " + key, inserted.iterator().next().getLong(0))))
        .mapEmpty();
  }

  /** How many more messages each robot may take in the minute before {@code at} (WeCom: 20 a minute). */
  /**
   * What may still be sent in the current minute, cluster-wide (counted from the messages sent in the
   * last minute): per robot ({@code robot:NAME}, its own limit) and per channel ({@code email},
   * {@code sms}, when {@code YISHI_NOTIFY_EMAIL_PER_MINUTE} / {@code _SMS_PER_MINUTE} set one).
   */
  private Future<Map<String, int[]>> budget(SqlConnection tx, OffsetDateTime at) {
    Map<String, int[]> left = new HashMap<>();
    robots.values().forEach(r -> left.put("robot:" + r.name(), new int[] {r.perMinute()}));
    if (settings.emailPerMinute() > 0) {
      left.put("email", new int[] {settings.emailPerMinute()});
    }
    if (settings.smsPerMinute() > 0) {
      left.put("sms", new int[] {settings.smsPerMinute()});
    }
    // robots through their partial index (outbox_robot_sent); the channels' count only when a limit is set
    List<String> parts = new ArrayList<>();
    if (!robots.isEmpty()) {
      parts.add("SELECT 'robot:' || recipient, count(*) FROM outbox WHERE channel = 'robot' AND sent_at > $1 AND sent_at <= $2"
          + " GROUP BY recipient");
    }
    if (left.containsKey("email") || left.containsKey("sms")) {
      parts.add("SELECT channel, count(*) FROM outbox WHERE channel IN ('email', 'sms') AND sent_at > $1 AND sent_at <= $2"
          + " GROUP BY channel");
    }
    if (parts.isEmpty()) {
      return Future.succeededFuture(left);
    }
    return tx.preparedQuery(String.join(" UNION ALL ", parts))
        .execute(Tuple.of(at.minusMinutes(1), at))
        .map(rows -> {
          for (Row r : rows) {
            int[] b = left.get(r.getString(0));
            if (b != null) {
              b[0] -= r.getLong(1).intValue();
            }
          }
          return left;
        });
  }

  private Future<String> deliver(SqlConnection tx, String node, OffsetDateTime at, Row r, Map<String, int[]> budget) {
    long id = r.getLong("id");
    String channelName = r.getString("channel");
    Channel channel = channels.get(channelName);
    if (channel == null) {
      // not lost: waits for the channel to be configured; not counted as an attempt
      return park(tx, id, at.plusMinutes(10), "the " + channelName + " channel is not configured on node " + node);
    }
    if ("sms".equals(channelName) && !Boolean.TRUE.equals(r.getBoolean("urgent"))) {
      OffsetDateTime quietEnd = PreferenceRules.quietUntil(r.getLocalTime("quiet_from"), r.getLocalTime("quiet_to"), at.toInstant(), zone);
      if (quietEnd != null) { // the recipient's quiet hours: held, not an attempt
        return park(tx, id, quietEnd, "quiet hours of the recipient until "
            + quietEnd.atZoneSameInstant(zone).toLocalTime());
      }
    }
    if ("robot".equals(channelName) && !robots.containsKey(r.getString("recipient"))) {
      return park(tx, id, at.plusMinutes(10), "robot " + r.getString("recipient") + " is not configured on node " + node);
    }
    String limited = "robot".equals(channelName) ? "robot:" + r.getString("recipient") : channelName;
    int[] left = budget.get(limited);
    if (left != null && left[0] <= 0) {
      return park(tx, id, at.plusMinutes(1), "rate limit of " + limited.replace(':', ' ') + " reached; next minute");
    }
    if (left != null) {
      left[0]--;
    }
    Outgoing m = new Outgoing(id, channelName, r.getString("recipient"), r.getString("subject"), r.getString("body"),
        r.getString("dedupe_key"), r.getString("link"), r.getString("locale"), r.getString("kind"));
    int attempt = r.getInteger("attempts") + 1;
    Future<String> sent;
    try {
      sent = channel.send(m);
    } catch (RuntimeException e) { // a message the client refuses before sending (e.g. a malformed address)
      sent = Future.failedFuture(new DeliveryFailure(channelName + ": " + e.getMessage(), false));
    }
    return sent.transform(done -> {
      if (done.succeeded()) {
        return tx.preparedQuery("""
                UPDATE outbox SET sent_at = $2, sent_by = $3, attempts = $4, last_attempt_at = $2, gateway_reply = $5
                 WHERE id = $1""")
            .execute(Tuple.of(id, at, node, attempt, done.result())).map("sent");
      }
      DeliveryFailure f = done.cause() instanceof DeliveryFailure d ? d : DeliveryFailure.transport(channelName, done.cause());
      if (f.retryable() && attempt < settings.maxAttempts()) {
        long wait = Math.min(3600L, (long) settings.backoffSeconds() << Math.min(attempt - 1, 20));
        return tx.preparedQuery("""
                UPDATE outbox SET attempts = $2, last_attempt_at = $3, last_error = $4, next_attempt_at = $5 WHERE id = $1""")
            .execute(Tuple.of(id, attempt, at, f.getMessage(), at.plus(Duration.ofSeconds(wait)))).map("retrying");
      }
      LOG.warning("Message " + id + " (" + channelName + ") failed after " + attempt + " attempt(s): " + f.getMessage());
      return tx.preparedQuery("""
              UPDATE outbox SET attempts = $2, last_attempt_at = $3, last_error = $4, failed_at = $3 WHERE id = $1""")
          .execute(Tuple.of(id, attempt, at, f.getMessage())).map("failed");
    });
  }

  private Future<String> park(SqlConnection tx, long id, OffsetDateTime until, String why) {
    return tx.preparedQuery("UPDATE outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1")
        .execute(Tuple.of(id, until, why)).map("waiting");
  }

  public synchronized void close() {
    if (email != null) {
      email.close();
    }
    http.close();
  }
}
