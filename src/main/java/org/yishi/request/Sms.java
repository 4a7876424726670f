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
  private Sms() {
  }

  /** One message to queue: to whom, in which language, about which request's step. */
  public record Message(long requestId, String phone, String step, String trackingCode, Locale locale) {
    /**
     * The message of a step (received, a triage action, or held, outcome, implemented, rated) in the
     * resident's language, from the templates.
     */
    String body() {
      return MessageTemplates.render(locale, "request", step, Map.of("code", TrackingCode.grouped(trackingCode)));
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
    // one statement for all: arrays of the columns, unnested
    Tuple columns = Tuple.tuple()
        .addArrayOfString(messages.stream().map(Message::phone).toArray(String[]::new))
        .addArrayOfString(messages.stream().map(m -> MessageTemplates.render(m.locale(), "request", "subject", Map.of()))
            .toArray(String[]::new))
        .addArrayOfString(messages.stream().map(Message::body).toArray(String[]::new))
        .addArrayOfString(messages.stream().map(m -> "request:" + m.requestId() + ":" + m.step()).toArray(String[]::new))
        .addArrayOfString(messages.stream().map(m -> I18n.tag(m.locale())).toArray(String[]::new))
        .addString(KIND);
    return tx.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, locale, kind)
            SELECT 'sms', m.recipient, m.subject, m.body, m.dedupe_key, m.locale, $6
              FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS m(recipient, subject, body, dedupe_key, locale)
            ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(columns)
        .map(rows -> rows.rowCount());
  }
}
