package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Text messages to residents who left a number, queued in the node's outbox (delivered by the
 * notify feature's SMS channel) in the same transaction as the step they report, once per request
 * and step ({@code dedupe_key}). Messages are in Chinese, hold no personal data, and carry the
 * tracking code only, with which the resident opens the status page.
 *
 * <p>The steps after triage (meeting held, outcome, implemented, rated) happen in other features: the
 * scheduler's {@code requests} job queues their messages from those rows
 * ({@link RequestStore#queueProgressMessages}), so no other feature calls in here.
 */
public final class Sms {
  static final String KIND = "resident_request";

  private Sms() {
  }

  /** The message of a step, in plain words. */
  static String text(String step, String code) {
    String what = switch (step) {
      case "received" -> "已收到您的意见建议";
      case "accept" -> "您的意见建议已被采纳为协商议题";
      case "answer" -> "您的意见建议已有答复";
      case "decline" -> "您的意见建议暂不受理，原因可查看";
      case "merge" -> "您的意见建议已与相同事项合并办理";
      case "hide" -> "您的意见建议已办结";
      default -> "您的意见建议有新进展";
    };
    return "【议事】" + what + "。查询码 " + TrackingCode.grouped(code) + "，可扫描议事室二维码查询进度。";
  }

  /** Queues one message for a request's step (nothing when one was queued for that step already). */
  public static Future<Void> queue(SqlClient tx, long requestId, String phone, String step, String body) {
    return tx.preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, locale)
            VALUES ('sms', $1, '议事进展', $2, $3, $4, 'zh-CN') ON CONFLICT (dedupe_key) DO NOTHING""")
        .execute(Tuple.of(phone, body, "request:" + requestId + ":" + step, KIND))
        .mapEmpty();
  }
}
