package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.security.Principal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contacts (mobile, e-mail on {@code member}) and notification preferences
 * ({@code notify_member_preference}: channels per kind of event, SMS when not chosen; quiet hours)
 * of a committee member, who may have no account; kept by staff whose jurisdiction holds the
 * member's committee. Written in one transaction after validation (404 for no such member, then 403
 * outside the jurisdiction, then 422 naming each bad field; nothing written on any of them).
 */
public final class MemberPreferences {
  static final String MOBILE = "1[3-9][0-9]{9}";
  static final String EMAIL = "[^@\\s<>\"]+@[^@\\s<>\"]+\\.[^@\\s<>\"]+";
  private final Pool pool;

  public MemberPreferences(Pool pool) {
    this.pool = pool;
  }

  /** {@code {memberId, name, phone, email, channels: {kind: [..]}, quietFrom, quietTo}}. */
  public Future<JsonObject> of(Principal actor, long memberId) {
    return read(pool, actor, memberId, false);
  }

  /** Replaces the member's contacts and preferences with {@code in} (the shape {@link #of} answers). */
  public Future<JsonObject> save(Principal actor, long memberId, JsonObject in) {
    Map<String, Msg> errors = new LinkedHashMap<>();
    String phone = contact(in, "phone", MOBILE, "field.notify.mobile", errors);
    String email = contact(in, "email", EMAIL, "field.notify.email", errors);
    Preferences.Choice c = Preferences.read(in, errors);
    // the member and the jurisdiction first (404, 403), then the fields (422); nothing written on any
    return pool.withTransaction(tx -> read(tx, actor, memberId, true)
        .compose(exists -> errors.isEmpty() ? Future.succeededFuture() : Future.failedFuture(AppException.invalid(errors)))
        .compose(ok -> tx.preparedQuery("UPDATE member SET phone = $2, email = $3, updated_at = now(), version = version + 1 WHERE id = $1")
            .execute(Tuple.of(memberId, phone, email)))
        .compose(v -> tx.preparedQuery("""
                INSERT INTO notify_member_preference (member_id, channels, quiet_from, quiet_to, updated_by)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (member_id) DO UPDATE SET channels = $2, quiet_from = $3, quiet_to = $4, updated_by = $5,
                       updated_at = now()""")
            .execute(Tuple.of(memberId, c.channels(), c.from(), c.to(), actor.id())))
        .compose(v -> read(tx, actor, memberId, false)));
  }

  private static String contact(JsonObject in, String field, String pattern, String message, Map<String, Msg> errors) {
    Object v = in.getValue(field);
    if (v == null || v instanceof String s && s.isBlank()) {
      return null;
    }
    if (!(v instanceof String s) || s.trim().length() > 100 || !s.trim().matches(pattern)) {
      errors.put(field, Msg.of(message));
      return null;
    }
    return s.trim();
  }

  private static Future<JsonObject> read(SqlClient client, Principal actor, long memberId, boolean lock) {
    return client.preparedQuery("""
            SELECT mb.id, mb.name, mb.phone, mb.email, c.division_code, p.channels, p.quiet_from, p.quiet_to
              FROM member mb JOIN committee c ON c.id = mb.committee_id
              LEFT JOIN notify_member_preference p ON p.member_id = mb.id
             WHERE mb.id = $1""" + (lock ? " FOR UPDATE OF mb" : ""))
        .execute(Tuple.of(memberId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw AppException.notFound("No such member");
          }
          Row r = rows.iterator().next();
          actor.jurisdiction().requireDivision(r.getString("division_code"));
          JsonObject stored = r.getJsonObject("channels") == null ? new JsonObject() : r.getJsonObject("channels");
          JsonObject channels = new JsonObject();
          for (String kind : Notices.KINDS) {
            channels.put(kind, stored.getJsonArray(kind, new JsonArray().add("sms").add("email"))); // none chosen: both, as the contacts allow
          }
          return new JsonObject().put("memberId", r.getLong("id")).put("name", r.getString("name"))
              .put("phone", r.getString("phone")).put("email", r.getString("email")).put("channels", channels)
              .put("quietFrom", Preferences.time(r.getLocalTime("quiet_from")))
              .put("quietTo", Preferences.time(r.getLocalTime("quiet_to")));
        });
  }
}
