package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;
import org.yishi.platform.web.Input;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Points of a member's record: for each kind of participation counted in {@link MemberRecord}, a
 * committee's rule for the year gives {@code points} for every {@code per} occurrences, up to
 * {@code cap}. Points are whole numbers of 0-100 and {@code per} at least 1, so no rule divides by zero
 * and no total is negative. A committee without rules for a year uses {@link #DEFAULTS}. Every point
 * is shown with the rule that produced it.
 */
public final class MemberPoints {
  /** The kinds a rule may count, each a field of the record. */
  public static final List<String> KINDS = List.of("attended", "checkin", "confirmed", "outcome", "proposed", "suggested",
      "adopted", "typical");
  private static final Map<String, String> FIELD = Map.of("attended", "attended", "checkin", "checkins",
      "confirmed", "confirmed", "outcome", "outcomes", "proposed", "proposed", "suggested", "suggested",
      "adopted", "adopted", "typical", "typical");

  /** One rule. */
  public record Rule(String kind, int points, int per, Integer cap) {
    JsonObject toJson() {
      return new JsonObject().put("kind", kind).put("points", points).put("per", per).put("cap", cap);
    }
  }

  /** Used when a committee has set no rules for the year. */
  public static final List<Rule> DEFAULTS = List.of(new Rule("attended", 2, 1, null), new Rule("checkin", 1, 1, null),
      new Rule("confirmed", 1, 1, null), new Rule("outcome", 1, 1, 20), new Rule("proposed", 3, 1, null),
      new Rule("adopted", 5, 1, null), new Rule("typical", 5, 1, null));

  private MemberPoints() {
  }

  /** The points of a record under these rules: {@code total} and one line per rule. */
  public static JsonObject apply(JsonObject record, List<Rule> rules, boolean configured) {
    JsonArray lines = new JsonArray();
    long total = 0;
    for (Rule r : rules) {
      long count = record.getLong(FIELD.get(r.kind()), 0L);
      long raw = (count / r.per()) * r.points();
      long points = r.cap() == null ? raw : Math.min(raw, r.cap());
      total += points;
      lines.add(r.toJson().put("count", count).put("subtotal", points).put("capped", r.cap() != null && raw > r.cap()));
    }
    return new JsonObject().put("total", total).put("lines", lines).put("configured", configured);
  }

  /** The rules of a committee for a year ({@code configured} false: the defaults). */
  public static Future<JsonObject> rules(SqlClient client, long committeeId, int year) {
    return client.preparedQuery("SELECT kind, points, per, cap FROM member_points_rule WHERE committee_id = $1 AND year = $2 ORDER BY kind")
        .execute(Tuple.of(committeeId, year))
        .map(rows -> {
          List<Rule> list = new ArrayList<>();
          rows.forEach(r -> list.add(new Rule(r.getString(0), r.getInteger(1), r.getInteger(2), r.getInteger(3))));
          boolean configured = !list.isEmpty();
          JsonArray out = new JsonArray();
          (configured ? list : DEFAULTS).forEach(r -> out.add(r.toJson()));
          return new JsonObject().put("committeeId", committeeId).put("year", year).put("configured", configured).put("rules", out);
        });
  }

  static List<Rule> fromJson(JsonObject rules) {
    List<Rule> out = new ArrayList<>();
    rules.getJsonArray("rules").forEach(o -> {
      JsonObject r = (JsonObject) o;
      out.add(new Rule(r.getString("kind"), r.getInteger("points"), r.getInteger("per"), r.getInteger("cap")));
    });
    return out;
  }

  /** Reads a rule set: {@code rules} an array of {kind, points, per?, cap?}, each kind at most once. */
  public static List<Rule> read(Object raw) {
    if (!(raw instanceof JsonArray list) || list.size() > KINDS.size()) {
      throw AppException.invalid("rules", "points.rules.format", KINDS.size());
    }
    Map<String, Msg> errors = new LinkedHashMap<>();
    List<Rule> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "rules[" + i + "].";
      if (!(list.getValue(i) instanceof JsonObject o)) {
        errors.put("rules[" + i + "]", Msg.of("points.rules.format", KINDS.size()));
        continue;
      }
      Input in = Input.fromObjects(o.getMap());
      String kind = in.text("kind", 20);
      if (kind != null && !KINDS.contains(kind)) {
        in.reject("kind", "points.kind.unknown", String.join(", ", KINDS));
      } else if (kind != null && !seen.add(kind)) {
        in.reject("kind", "points.kind.twice");
      }
      Long points = in.optionalLong("points", 0, 100);
      if (points == null && !in.failed("points")) {
        in.reject("points", "field.required");
      }
      Long per = in.optionalLong("per", 1, 100); // 0 would divide by zero: refused here
      Long cap = in.optionalLong("cap", 1, 10_000);
      in.errors().forEach((field, msg) -> errors.put(at + field, msg));
      if (in.ok()) {
        out.add(new Rule(kind, points.intValue(), per == null ? 1 : per.intValue(), cap == null ? null : cap.intValue()));
      }
    }
    if (!errors.isEmpty()) {
      throw AppException.invalid(errors);
    }
    return out;
  }

  /** Locks the committee's row in {@code tx}, so changes to its rules follow one another. */
  public static Future<Void> lockCommittee(SqlClient tx, long committeeId) {
    return tx.preparedQuery("SELECT id FROM committee WHERE id = $1 FOR UPDATE").execute(Tuple.of(committeeId)).mapEmpty();
  }

  /** Replaces a committee's rules for a year (an empty list: back to the defaults). */
  public static Future<Void> replace(SqlClient tx, long committeeId, int year, List<Rule> rules) {
    Future<?> done = tx.preparedQuery("DELETE FROM member_points_rule WHERE committee_id = $1 AND year = $2").execute(Tuple.of(committeeId, year));
    for (Rule r : rules) {
      done = done.compose(v -> tx.preparedQuery("""
              INSERT INTO member_points_rule (committee_id, year, kind, points, per, cap) VALUES ($1, $2, $3, $4, $5, $6)""")
          .execute(Tuple.of(committeeId, year, r.kind(), r.points(), r.per(), r.cap())));
    }
    return done.mapEmpty();
  }

  /** A member's record for a year with its points under their committee's rules. */
  public static Future<JsonObject> recordWithPoints(Pool pool, MemberContributions contributions, long memberId, int year) {
    return pool.preparedQuery("SELECT committee_id FROM member WHERE id = $1").execute(Tuple.of(memberId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(AppException.notFound("No such member"));
          }
          long committee = rows.iterator().next().getLong(0);
          return Future.all(MemberRecord.of(pool, contributions, memberId, year), rules(pool, committee, year)).map(all -> {
            JsonObject record = all.resultAt(0);
            JsonObject rules = all.resultAt(1);
            return record.put("points", apply(record, fromJson(rules), rules.getBoolean("configured")));
          });
        });
  }
}
