package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.util.List;

/**
 * Reads the roll-up counters (table {@code stats_station_month}, kept exact by triggers) for a unit
 * and a month range, with one row per child unit. Reads never touch the raw meeting and outcome
 * rows, except the current overdue count (a partial index of still-referred outcomes).
 */
public final class StatsStore {
  /** The summed counters, in the order of docs/statistics.md. */
  static final List<String> SUMS = List.of("meetings_held", "meetings_not_held", "meetings_cancelled", "meetings_online",
      "attendance_members", "attendance_residents", "attendance_departments", "attendance_experts", "attendance_others",
      "members_attending", "suggestions", "records_filed", "records_filed_on_time", "outcomes", "outcomes_answered",
      "outcomes_adopted", "outcomes_partly_adopted", "outcomes_not_adopted", "outcomes_implemented", "outcomes_closed",
      "satisfied", "basically_satisfied", "dissatisfied", "typical_cases", "topics_proposed", "topics_approved",
      "topics_rejected");
  private static final String SUM_SQL = String.join(", ",
      SUMS.stream().map(c -> "coalesce(sum(" + c + "), 0) AS " + c).toList());

  private final Pool pool;

  public StatsStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Counters of every unit under {@code prefix} grouped by its first {@code childDigits} digits
   * (the whole unit when {@code childDigits} equals the prefix length), keyed by that group.
   */
  Future<JsonObject> sums(String prefix, int childDigits, LocalDate from, LocalDate to) {
    return pool.preparedQuery("SELECT substr(division_code, 1, $2) AS unit, " + SUM_SQL + """

             FROM stats_station_month
            WHERE division_code LIKE $1 || '%' AND month BETWEEN $3 AND $4
            GROUP BY 1""")
        .execute(Tuple.of(prefix, childDigits, from, to))
        .map(rows -> {
          JsonObject out = new JsonObject();
          for (Row r : rows) {
            JsonObject c = new JsonObject();
            SUMS.forEach(k -> c.put(k, r.getLong(k)));
            out.put(r.getString("unit"), c);
          }
          return out;
        });
  }

  /**
   * Station counts per group: registered (approved and not revoked: active or suspended) and
   * active (a held meeting in the last three calendar months of the period).
   */
  Future<JsonObject> stations(String prefix, int childDigits, LocalDate activeFrom, LocalDate to) {
    return pool.preparedQuery("""
            SELECT substr(s.division_code, 1, $2) AS unit,
                   count(*) AS registered,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM stats_station_month m WHERE m.station_id = s.id
                                                    AND m.month BETWEEN $3 AND $4 AND m.meetings_held > 0)) AS active,
                   count(DISTINCT substr(s.division_code, 1, 9)) AS townships_covered,
                   count(DISTINCT s.division_code) FILTER (WHERE s.level = 'village') AS villages_covered
              FROM station s
             WHERE s.division_code LIKE $1 || '%' AND s.status IN ('active', 'suspended')
             GROUP BY 1""")
        .execute(Tuple.of(prefix, childDigits, activeFrom, to))
        .map(rows -> {
          JsonObject out = new JsonObject();
          for (Row r : rows) {
            out.put(r.getString("unit"), new JsonObject().put("stations_registered", r.getLong("registered"))
                .put("stations_active", r.getLong("active")).put("townships_covered", r.getLong("townships_covered"))
                .put("villages_covered", r.getLong("villages_covered")));
          }
          return out;
        });
  }

  /** Townships and villages/communities per group (for coverage), from the division table. */
  Future<JsonObject> units(String prefix, int childDigits) {
    return pool.preparedQuery("""
            SELECT substr(code, 1, $2) AS unit, count(*) FILTER (WHERE level = 'township') AS townships,
                   count(*) FILTER (WHERE level = 'village') AS villages
              FROM division WHERE code LIKE $1 || '%' GROUP BY 1""")
        .execute(Tuple.of(prefix, childDigits))
        .map(rows -> {
          JsonObject out = new JsonObject();
          rows.forEach(r -> out.put(r.getString("unit"),
              new JsonObject().put("townships", r.getLong("townships")).put("villages", r.getLong("villages"))));
          return out;
        });
  }

  /** Outcomes referred and past their due date today, per group. */
  Future<JsonObject> overdue(String prefix, int childDigits, LocalDate today) {
    return pool.preparedQuery("""
            SELECT substr(division_code, 1, $2) AS unit, count(*) FROM outcome
             WHERE status = 'referred' AND due_on < $3 AND division_code LIKE $1 || '%' GROUP BY 1""")
        .execute(Tuple.of(prefix, childDigits, today))
        .map(rows -> {
          JsonObject out = new JsonObject();
          rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
          return out;
        });
  }

  /**
   * Dormant stations under {@code prefix}: registered (active or suspended) with no held meeting in
   * the months {@code activeFrom}..{@code to}, each with the month of its last held meeting up to
   * {@code to} (null when it never held one); at most {@code limit}, longest dormant first, and the total.
   */
  public Future<JsonObject> dormant(String prefix, LocalDate activeFrom, LocalDate to, int limit) {
    return pool.preparedQuery("""
            WITH d AS (
              SELECT s.id, s.name, s.division_code, s.district_code, s.status,
                     (SELECT max(m.month) FROM stats_station_month m
                       WHERE m.station_id = s.id AND m.month <= $3 AND m.meetings_held > 0) AS last_held
                FROM station s
               WHERE s.division_code LIKE $1 || '%' AND s.status IN ('active', 'suspended'))
            SELECT d.*, (SELECT name FROM division WHERE code = d.district_code) AS district_name, count(*) OVER () AS total
              FROM d WHERE d.last_held IS NULL OR d.last_held < $2
             ORDER BY d.last_held NULLS FIRST, d.division_code, d.id LIMIT $4""")
        .execute(Tuple.of(prefix, activeFrom, to, limit))
        .map(rows -> {
          JsonArray items = new JsonArray();
          long total = 0;
          for (Row r : rows) {
            total = r.getLong("total");
            LocalDate last = r.getLocalDate("last_held");
            items.add(new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
                .put("divisionCode", r.getString("division_code")).put("districtCode", r.getString("district_code"))
                .put("districtName", r.getString("district_name")).put("status", r.getString("status"))
                .put("lastHeldMonth", last == null ? null : last.toString().substring(0, 7)));
          }
          return new JsonObject().put("total", total).put("items", items);
        });
  }

  /** The child units (code, name, level) of a unit. */
  Future<JsonArray> children(String code) {
    return pool.preparedQuery("SELECT code, name, level FROM division WHERE parent_code = $1 AND code <> $1 ORDER BY code")
        .execute(Tuple.of(code))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("code", r.getString(0)).put("name", r.getString(1))
              .put("level", r.getString(2))));
          return out;
        });
  }

  /** Recounts everything from the raw rows; answers how many station-months were counted. */
  public Future<Integer> rebuild() {
    return pool.query("SELECT stats_rebuild()").execute().map(rows -> rows.iterator().next().getInteger(0));
  }
}
