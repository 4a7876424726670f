package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.notify.MessageTemplates;
import org.yishi.platform.web.I18n;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Text messages to residents who left a number, queued in the node's outbox (delivered by the
 * notify feature's SMS channel) in the same transaction as the step they report, once per request
 * and step ({@code dedupe_key}). They are written from the message templates
 * ({@code notify.request.<step>}) in the language of the page the resident used (Chinese or
 * English, kept with the request), hold no personal data, and carry the tracking code only, with
 * which the resident opens the status page.
 *
 * <p>The steps after triage (meeting held, outcome, implemented, rated) happen in other features: the
 * scheduler's {@code requests} job queues their messages from those rows
 * ({@link RequestStore#progressSteps}), so no other feature calls in here.
 */
public final class Sms {
  static final String KIND = "resident_request";
  /** The steps a resident is told of: triage actions, then what the topic reaches. */
  static final List<String> STEPS = List.of("received", "accept", "answer", "decline", "merge", "hide",
      "held", "outcome", "implemented", "rated");

  private Sms() {
  }

  /** One message to queue: to whom, in which language, about which request's step. */
  public record Message(long requestId, String phone, String step, String trackingCode, Locale locale) {
    /** The message of a step in the resident's language, from the templates. */
    String body() {
      return MessageTemplates.render(locale, "request", STEPS.contains(step) ? step : "received",
          Map.of("code", TrackingCode.grouped(trackingCode)));
    }
  }

  /** The language stored with a request ('zh-CN', 'en' or null) as a locale (null: Chinese). */
  static Locale locale(String tag) {
    return I18n.normalise(tag == null ? null : I18n.fromTag(tag));
  }

  /** Queues one message (nothing when one was queued for that request and step already). */
  public static Future<Void> queue(SqlClient tx, Message m) {
    return queue(tx, List.of(m)).mapEmpty();
  }

  /** Queues messages in one statement; answers how many were new. */
  public static Future<Integer> queue(SqlClient tx, List<Message> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = messages.stream().map(m -> Tuple.of(m.phone(),
        MessageTemplates.render(m.locale(), "request", "subject", Map.of()), m.body(),
        "request:" + m.requestId() + ":" + m.step(), KIND, I18n.tag(m.locale()))).toList();
    return tx.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
            VALUES ('sms', $1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING""")
        .executeBatch(batch)
        .map(rows -> {
          int n = 0;
          for (var r = rows; r != null; r = r.next()) {
            n += r.rowCount();
          }
          return n;
        });
  }
}
