package org.yishi.notify;

import org.yishi.platform.notify.Notices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One account's notification preferences ({@code notify_preference}): the channels of each kind of
 * event ({@link Notices#KINDS}; e-mail when not chosen), a daily digest instead of single e-mails,
 * and quiet hours (no SMS between them unless urgent). Read with every kind filled in; written
 * whole after validation (unknown kinds or channels, a time that is not HH:mm, one end of the quiet
 * hours without the other: 422 naming the field, nothing written).
 */
public final class Preferences {
  public static final List<String> CHANNELS = List.of("email", "sms");
  private final Pool pool;

  public Preferences(Pool pool) {
    this.pool = pool;
  }

  /** {@code {channels: {kind: [..]}, digest, quietFrom, quietTo, email, phone}}; 404 for no such account. */
  public Future<JsonObject> of(long accountId) {
    return pool.preparedQuery("""
            SELECT a.email, a.phone, p.channels, coalesce(p.digest, false) AS digest, p.quiet_from, p.quiet_to
              FROM account a LEFT JOIN notify_preference p ON p.account_id = a.id WHERE a.id = $1""")
        .execute(Tuple.of(accountId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw AppException.notFound("No such account");
          }
          Row r = rows.iterator().next();
          JsonObject stored = r.getJsonObject("channels") == null ? new JsonObject() : r.getJsonObject("channels");
          JsonObject channels = new JsonObject();
          for (String kind : Notices.KINDS) {
            channels.put(kind, stored.getJsonArray(kind, new JsonArray().add("email")));
          }
          return new JsonObject().put("channels", channels).put("digest", r.getBoolean("digest"))
              .put("quietFrom", time(r.getLocalTime("quiet_from"))).put("quietTo", time(r.getLocalTime("quiet_to")))
              .put("email", r.getString("email")).put("phone", r.getString("phone"));
        });
  }

  /** Validates {@code in} (the shape {@link #of} answers; contacts are not changed here) and stores it. */
  public Future<JsonObject> save(long accountId, JsonObject in) {
    Map<String, Msg> errors = new LinkedHashMap<>();
    Choice c = read(in, errors);
    Object digest = in.getValue("digest", false);
    if (!(digest instanceof Boolean)) {
      errors.put("digest", Msg.of("field.notify.digest"));
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(AppException.invalid(errors));
    }
    return pool.preparedQuery("""
            INSERT INTO notify_preference (account_id, channels, digest, quiet_from, quiet_to)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id) DO UPDATE SET channels = $2, digest = $3, quiet_from = $4, quiet_to = $5, updated_at = now()""")
        .execute(Tuple.of(accountId, c.channels(), digest, c.from(), c.to()))
        .compose(v -> of(accountId));
  }

  /** Channels per kind and quiet hours as validated by {@link #read}. */
  record Choice(JsonObject channels, LocalTime from, LocalTime to) {
  }

  /**
   * Reads {@code channels} (known kinds, each a list of distinct {@link #CHANNELS}) and the quiet
   * hours {@code quietFrom}/{@code quietTo} (HH:mm, both or neither, different) from {@code in},
   * putting a message per bad field in {@code errors}.
   */
  static Choice read(JsonObject in, Map<String, Msg> errors) {
    JsonObject channels = new JsonObject();
    Object raw = in.getValue("channels");
    if (raw != null && !(raw instanceof JsonObject)) {
      errors.put("channels", Msg.of("field.notify.channels"));
    } else if (raw != null) {
      for (Map.Entry<String, Object> e : (JsonObject) raw) {
        if (!Notices.KINDS.contains(e.getKey()) || !(e.getValue() instanceof JsonArray list) || list.size() > CHANNELS.size()
            || !list.stream().allMatch(CHANNELS::contains) || list.stream().distinct().count() != list.size()) {
          errors.put("channels", Msg.of("field.notify.channels"));
          break;
        }
        channels.put(e.getKey(), e.getValue());
      }
    }
    LocalTime from = parse(in.getValue("quietFrom"), "quietFrom", errors);
    LocalTime to = parse(in.getValue("quietTo"), "quietTo", errors);
    if (!errors.containsKey("quietFrom") && !errors.containsKey("quietTo")
        && ((from == null) != (to == null) || (from != null && from.equals(to)))) {
      errors.put("quietTo", Msg.of("field.notify.quiet"));
    }
    return new Choice(channels, from, to);
  }

  static String time(LocalTime t) {
    return t == null ? null : t.toString();
  }

  private static LocalTime parse(Object v, String field, Map<String, Msg> errors) {
    if (v == null || (v instanceof String s && s.isBlank())) {
      return null;
    }
    if (!(v instanceof String s) || !s.matches("[0-2][0-9]:[0-5][0-9]")) {
      errors.put(field, Msg.of("field.notify.time"));
      return null;
    }
    try {
      return LocalTime.parse(s);
    } catch (DateTimeParseException e) {
      errors.put(field, Msg.of("field.notify.time"));
      return null;
    }
  }
}
