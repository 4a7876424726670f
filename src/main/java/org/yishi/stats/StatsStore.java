package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.vocabulary.MeetingFormat;
import org.yishi.platform.vocabulary.MeetingKind;
import org.yishi.platform.vocabulary.OutcomeForm;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the kept roll-up counters for a unit and a month range: {@code stats_station_month} (or
 * {@code stats_station_month_category} when a topic category is chosen), {@code stats_member_month}
 * and {@code stats_plan_item}, all kept exact by triggers (V8, V9). Reads never touch the raw meeting
 * and outcome rows, except the current overdue referrals (the partial index of still-referred
 * outcomes) and the plan items of the unit's committees.
 */
public final class StatsStore {
  /** Kinds of consultation, in the order of docs/statistics.md (columns {@code meetings_held_kind_*}). */
  public static final List<String> KINDS = MeetingKind.keys();
  /** Meeting formats (columns {@code meetings_held_format_*}). */
  public static final List<String> FORMATS = MeetingFormat.keys();
  /** Outcome forms (columns {@code outcomes_form_*}). */
  public static final List<String> FORMS = OutcomeForm.keys();

  /** The summed counters, in the order of docs/statistics.md. */
  public static final List<String> SUMS = sums();
  private static final String SUM_SQL = String.join(", ",
      SUMS.stream().map(c -> "coalesce(sum(" + c + "), 0) AS " + c).toList());
  /**
   * The residents' request counters (docs/statistics.md), kept in {@code stats_request_month} (V24,
   * V33): each key is {@code requests_} and the table's column.
   */
  public static final List<String> REQUESTS = List.of("requests_received", "requests_answered_in_time",
      "requests_turned_into_topics", "requests_declined");
  private static final String REQUEST_SQL = String.join(", ",
      REQUESTS.stream().map(c -> "coalesce(sum(" + c.substring("requests_".length()) + "), 0) AS " + c).toList());

  private static List<String> sums() {
    List<String> out = new ArrayList<>(List.of("meetings_held", "meetings_not_held", "meetings_cancelled", "meetings_online"));
    KINDS.forEach(k -> out.add("meetings_held_kind_" + k));
    FORMATS.forEach(f -> out.add("meetings_held_format_" + f));
    out.addAll(List.of("meetings_held_from_plan", "attendance_members", "attendance_residents", "attendance_departments",
        "attendance_experts", "attendance_others", "members_attending", "suggestions", "records_filed", "records_filed_on_time",
        "outcomes"));
    FORMS.forEach(f -> out.add("outcomes_form_" + f));
    out.addAll(List.of("outcomes_answered", "outcomes_adopted", "outcomes_partly_adopted", "outcomes_not_adopted",
        "outcomes_implemented", "outcomes_closed", "satisfied", "basically_satisfied", "dissatisfied", "typical_cases",
        "topics_proposed", "topics_approved", "topics_rejected"));
    return List.copyOf(out);
  }

  /**
   * How rows are grouped: by the first {@code digits} digits of the division code (the whole unit
   * when that is the unit's own prefix length), or by station.
   */
  public record Group(int digits) {
    static final Group STATION = new Group(0);

    static Group digits(int n) {
      return new Group(n);
    }

    boolean byStation() {
      return digits == 0;
    }

    /** The SQL expression of the group key over a table with {@code station_id} and {@code division_code}. */
    String key(String alias) {
      return byStation() ? alias + "station_id::text" : "substr(" + alias + "division_code, 1, " + digits + ")";
    }
  }

  /** Where the reads go: the replica pool when YISHI_PG_REPLICA_URL is set (may lag), else the primary. */
  private final Pool pool;
  /** Where writes (rebuild) go: always the primary. */
  private final Pool primary;

  public StatsStore(Pool primary, Pool reads) {
    this.pool = reads;
    this.primary = primary;
  }

  /** Counters of every station under {@code prefix} in the months {@code from..to}, per group (keyed by it). */
  Future<JsonObject> sums(String prefix, Group g, LocalDate from, LocalDate to, String category) {
    // the category table only when a category is chosen: without one, the totals table has fewer rows
    String table = category == null ? "stats_station_month" : "stats_station_month_category";
    return summed(table, SUM_SQL, SUMS, prefix, g, from, to, category);
  }

  /** The residents' request counters ({@link #REQUESTS}) of the same stations, months and category, per group. */
  Future<JsonObject> requestSums(String prefix, Group g, LocalDate from, LocalDate to, String category) {
    return summed("stats_request_month", REQUEST_SQL, REQUESTS, prefix, g, from, to, category);
  }

  private Future<JsonObject> summed(String table, String sumSql, List<String> keys, String prefix, Group g, LocalDate from,
                                    LocalDate to, String category) {
    String byCategory = category == null ? "$4::text IS NULL" : "category = $4";
    return pool.preparedQuery("SELECT " + g.key("") + " AS unit, " + sumSql + "\n  FROM " + table
            + "\n WHERE division_code LIKE $1 || '%' AND month BETWEEN $2 AND $3 AND " + byCategory + "\n GROUP BY 1")
        .execute(Tuple.of(prefix, from, to, category))
        .map(rows -> {
          JsonObject out = new JsonObject();
          for (Row r : rows) {
            JsonObject c = new JsonObject();
            keys.forEach(k -> c.put(k, r.getLong(k)));
            out.put(r.getString("unit"), c);
          }
          return out;
        });
  }

  /**
   * Station counts per group: registered (approved and not revoked: active or suspended) and
   * active (a held meeting in the months {@code activeFrom..to}), with the townships and villages covered.
   */
  Future<JsonObject> stations(String prefix, Group g, LocalDate activeFrom, LocalDate to) {
    return pool.preparedQuery("SELECT " + g.key("s.") + " AS unit," + """
                   count(*) AS registered,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM stats_station_month m WHERE m.station_id = s.id
                                                    AND m.month BETWEEN $2 AND $3 AND m.meetings_held > 0)) AS active,
                   count(DISTINCT substr(s.division_code, 1, 9)) AS townships_covered,
                   count(DISTINCT s.division_code) FILTER (WHERE s.level = 'village') AS villages_covered
              FROM (SELECT id AS station_id, id, division_code, level FROM station
                     WHERE division_code LIKE $1 || '%' AND status IN ('active', 'suspended')) s
             GROUP BY 1""")
        .execute(Tuple.of(prefix, activeFrom, to))
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

  /** Outcomes referred and past their due date today, per group (of a topic category when given). */
  Future<JsonObject> overdue(String prefix, Group g, LocalDate today, String category) {
    return pool.preparedQuery("SELECT " + g.key("o.") + " AS unit, count(*) FROM outcome o" + """

             WHERE o.status = 'referred' AND o.due_on < $2 AND o.division_code LIKE $1 || '%'
               AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM meeting m JOIN topic t ON t.id = m.topic_id
                                                 WHERE m.id = o.meeting_id AND t.category = $3))
             GROUP BY 1""")
        .execute(Tuple.of(prefix, today, category))
        .map(rows -> {
          JsonObject out = new JsonObject();
          rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
          return out;
        });
  }

  /**
   * Plan progress per group of committees: items of the yearly plans of the years
   * {@code fromYear..toYear} of committees under {@code prefix} (of a category when given), held
   * (a meeting of a linked topic held), scheduled (only scheduled), the rest planned.
   */
  Future<JsonObject> plans(String prefix, int childDigits, int fromYear, int toYear, String category) {
    return pool.preparedQuery("""
            SELECT substr(c.division_code, 1, $2) AS unit, count(*) AS items,
                   count(*) FILTER (WHERE s.meetings_held > 0) AS held,
                   count(*) FILTER (WHERE s.meetings_held = 0 AND s.meetings_scheduled > 0) AS scheduled
              FROM plan p
              JOIN committee c ON c.id = p.committee_id
              JOIN plan_item i ON i.plan_id = p.id
              LEFT JOIN stats_plan_item s ON s.plan_item_id = i.id
             WHERE c.division_code LIKE $1 || '%' AND p.year BETWEEN $3 AND $4 AND ($5::text IS NULL OR i.category = $5)
             GROUP BY 1""")
        .execute(Tuple.of(prefix, childDigits, fromYear, toYear, category))
        .map(rows -> {
          JsonObject out = new JsonObject();
          rows.forEach(r -> out.put(r.getString("unit"), new JsonObject().put("plan_items", r.getLong("items"))
              .put("plan_items_held", r.getLong("held")).put("plan_items_scheduled", r.getLong("scheduled"))));
          return out;
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

  /**
   * The stations of a township or village (the last level of the drill-down): registered ones, and
   * any other with counters in the months {@code from..to}.
   */
  Future<JsonArray> stationRows(String prefix, LocalDate from, LocalDate to) {
    return pool.preparedQuery("""
            SELECT s.id, s.name, s.division_code, d.name AS division_name, s.status
              FROM station s JOIN division d ON d.code = s.division_code
             WHERE s.division_code LIKE $1 || '%'
               AND (s.status IN ('active', 'suspended')
                    OR EXISTS (SELECT 1 FROM stats_station_month m WHERE m.station_id = s.id AND m.month BETWEEN $2 AND $3))
             ORDER BY s.division_code, s.name, s.id""")
        .execute(Tuple.of(prefix, from, to))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
              .put("code", r.getString("division_code")).put("divisionName", r.getString("division_name"))
              .put("status", r.getString("status"))));
          return out;
        });
  }

  /**
   * Dormant stations of the unit: registered, without a held meeting in the months
   * {@code activeFrom..to}, with the month of their last held meeting up to {@code to} (or null).
   * Their number is {@code stations_dormant}.
   */
  Future<JsonObject> dormant(String prefix, LocalDate activeFrom, LocalDate to, PageRequest page) {
    String where = """
          FROM station s JOIN division d ON d.code = s.division_code
         WHERE s.division_code LIKE $1 || '%' AND s.status IN ('active', 'suspended')
           AND NOT EXISTS (SELECT 1 FROM stats_station_month m WHERE m.station_id = s.id
                             AND m.month BETWEEN $2 AND $3 AND m.meetings_held > 0)""";
    Future<Long> total = pool.preparedQuery("SELECT count(*)" + where).execute(Tuple.of(prefix, activeFrom, to))
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("""
            SELECT s.id, s.name, s.type, s.status, s.division_code, d.name AS division_name,
                   (SELECT name FROM division WHERE code = s.district_code) AS district_name,
                   (SELECT max(m.month) FROM stats_station_month m
                     WHERE m.station_id = s.id AND m.month <= $3 AND m.meetings_held > 0) AS last_held""" + where + """

             ORDER BY s.division_code, s.name, s.id LIMIT $4 OFFSET $5""")
        .execute(Tuple.of(prefix, activeFrom, to, page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            LocalDate last = r.getLocalDate("last_held");
            out.add(new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
                .put("type", r.getString("type")).put("status", r.getString("status"))
                .put("divisionCode", r.getString("division_code")).put("divisionName", r.getString("division_name"))
                .put("districtName", r.getString("district_name"))
                .put("lastHeldMonth", last == null ? null : last.toString().substring(0, 7)));
          }
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /**
   * Overdue referrals of the unit today (of a topic category when given), most overdue first. Their
   * number is {@code overdue_referrals}.
   */
  Future<JsonObject> overdueList(String prefix, LocalDate today, String category, PageRequest page) {
    String where = """
          FROM outcome o JOIN station s ON s.id = o.station_id
         WHERE o.status = 'referred' AND o.due_on < $2 AND o.division_code LIKE $1 || '%'
           AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM meeting m JOIN topic t ON t.id = m.topic_id
                                             WHERE m.id = o.meeting_id AND t.category = $3))""";
    Future<Long> total = pool.preparedQuery("SELECT count(*)" + where).execute(Tuple.of(prefix, today, category))
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("""
            SELECT o.id, o.content, o.form, o.responsible_unit, o.due_on, $2 - o.due_on AS days_overdue,
                   o.overdue_escalated_at IS NOT NULL AS escalated, o.meeting_id, o.station_id, s.name AS station_name,
                   o.division_code""" + where + """

             ORDER BY o.due_on, o.id LIMIT $4 OFFSET $5""")
        .execute(Tuple.of(prefix, today, category, page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            String content = r.getString("content");
            out.add(new JsonObject().put("id", r.getLong("id"))
                .put("content", content.length() > 120 ? content.substring(0, 119) + "…" : content)
                .put("form", r.getString("form")).put("responsibleUnit", r.getString("responsible_unit"))
                .put("dueOn", r.getLocalDate("due_on").toString()).put("daysOverdue", r.getInteger("days_overdue"))
                .put("escalated", r.getBoolean("escalated")).put("meetingId", r.getLong("meeting_id"))
                .put("stationId", r.getLong("station_id")).put("stationName", r.getString("station_name"))
                .put("divisionCode", r.getString("division_code")));
          }
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /**
   * Members' participation in the unit and months {@code from..to} (of a topic category when given):
   * active members of the committees under {@code prefix}, and every member who attended a held
   * meeting there, as far as their committee lies under {@code visible} (the caller's jurisdiction;
   * "" for everything). Most meetings first.
   */
  Future<JsonObject> members(String prefix, String visible, LocalDate from, LocalDate to, String category, PageRequest page) {
    String rows = """
        WITH took AS (
          SELECT member_id, sum(meetings_attended) AS attended, count(DISTINCT station_id) AS stations,
                 max(month) AS last_month
            FROM stats_member_month
           WHERE division_code LIKE $1 || '%' AND month BETWEEN $3 AND $4 AND ($5::text IS NULL OR category = $5)
           GROUP BY member_id),
        listed AS (
          SELECT m.id, m.name, m.sector, m.active, c.name AS committee, c.division_code AS committee_code,
                 coalesce(t.attended, 0) AS attended, coalesce(t.stations, 0) AS stations, t.last_month
            FROM member m
            JOIN committee c ON c.id = m.committee_id
            LEFT JOIN took t ON t.member_id = m.id
           WHERE ($2 = '' OR c.division_code LIKE $2 || '%')
             AND ((m.active AND c.division_code LIKE $1 || '%') OR t.member_id IS NOT NULL))
        """;
    Tuple args = Tuple.of(prefix, visible, from, to, category);
    Future<JsonObject> total = pool.preparedQuery(rows + """
            SELECT count(*) AS members, count(*) FILTER (WHERE attended > 0) AS participating,
                   coalesce(sum(attended), 0) AS attended FROM listed""")
        .execute(args)
        .map(r -> {
          Row row = r.iterator().next();
          return new JsonObject().put("total", row.getLong("members")).put("participating", row.getLong("participating"))
              .put("attended", row.getLong("attended"));
        });
    Future<JsonArray> items = pool.preparedQuery(rows + """
            SELECT * FROM listed ORDER BY attended DESC, committee_code, name, id LIMIT $6 OFFSET $7""")
        .execute(Tuple.of(prefix, visible, from, to, category, page.size(), page.offset()))
        .map(rs -> {
          JsonArray out = new JsonArray();
          for (Row r : rs) {
            LocalDate last = r.getLocalDate("last_month");
            out.add(new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
                .put("sector", r.getString("sector")).put("active", r.getBoolean("active"))
                .put("committee", r.getString("committee")).put("committeeCode", r.getString("committee_code"))
                .put("meetingsAttended", r.getLong("attended")).put("stationsAttended", r.getLong("stations"))
                .put("lastMonth", last == null ? null : last.toString().substring(0, 7)));
          }
          return out;
        });
    return Future.all(total, items).map(v -> total.result().copy().put("items", items.result()));
  }

  /** Recounts everything from the raw rows; answers how many station-months were counted. */
  public Future<Integer> rebuild() {
    // one statement, one transaction: the roll-up's counters, then the residents' request counters (V33)
    return primary.query("SELECT stats_rebuild(), stats_request_rebuild()").execute()
        .map(rows -> rows.iterator().next().getInteger(0));
  }
}
