package org.yishi.stats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.web.I18n;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The dashboard's tables, built once from the roll-up and the lists and used both for the page and
 * for the CSV/XLSX exports, so a table and its export always carry the same numbers. Column keys
 * are the stable snake_case keys of docs/statistics.md (export headers); labels are translated.
 */
final class StatsTables {
  /** Every counter of a roll-up row, in the order of docs/statistics.md. */
  static final List<String> COUNTERS = counters();
  /** Table names accepted by the exports ({@code ?table=}). */
  static final List<String> NAMES = List.of("totals", "children", "requests", "kinds", "formats", "forms", "members", "dormant",
      "overdue");
  /** The counters shown in the per-unit table of the page (the export has them all). */
  private static final Set<String> SHOWN = Set.of("meetings_held", "attendance_residents", "suggestions", "outcomes",
      "reply_rate", "stations_registered", "stations_dormant", "overdue_referrals", "plan_items", "plan_items_held");
  private static final Set<String> RATES = Set.of("coverage_townships", "coverage_villages", "reply_rate",
      "satisfaction_rate", "record_filing_rate", "plan_progress_rate");

  private StatsTables() {
  }

  private static List<String> counters() {
    List<String> out = new ArrayList<>(StatsStore.SUMS);
    out.addAll(StatsStore.REQUESTS);
    out.addAll(List.of("stations_registered", "stations_active", "stations_dormant", "coverage_townships",
        "coverage_villages", "overdue_referrals", "plan_items", "plan_items_held", "plan_items_scheduled",
        "plan_items_planned", "reply_rate", "satisfaction_rate", "record_filing_rate", "plan_progress_rate"));
    return List.copyOf(out);
  }

  static boolean isRate(String key) {
    return RATES.contains(key);
  }

  /** How a column's values are written: text, a count, a rate (a fraction; shown as a percentage). */
  enum Kind { TEXT, COUNT, RATE }

  record Column(String key, String label, Kind kind, boolean shown) {
    Map<String, Object> view() {
      return Map.of("key", key, "label", label, "numeric", kind != Kind.TEXT, "shown", shown);
    }
  }

  /** One cell: its value for exports, and for the page its text and an optional link. */
  record Cell(Object value, String href, Kind kind) {
    Cell(Object value, String href) {
      this(value, href, null);
    }

    /** How this cell is written: its own kind (rates among counts), else its column's. */
    Kind kindIn(Column column) {
      return kind != null ? kind : column.kind();
    }
  }

  /** A table: columns, rows and an optional footer (totals) row. */
  record Table(String name, List<Column> columns, List<List<Cell>> rows, List<Cell> footer) {
    /** The table as the page template reads it (maps; rates as percentages; hidden columns left out). */
    Map<String, Object> view() {
      List<Map<String, Object>> cols = new ArrayList<>();
      List<Integer> shown = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        if (columns.get(i).shown()) {
          shown.add(i);
          cols.add(columns.get(i).view());
        }
      }
      List<List<Map<String, Object>>> body = new ArrayList<>();
      for (List<Cell> row : rows) {
        body.add(viewRow(row, shown));
      }
      Map<String, Object> out = new HashMap<>();
      out.put("name", name);
      out.put("columns", cols);
      out.put("rows", body);
      out.put("footer", footer == null ? null : viewRow(footer, shown));
      return out;
    }

    private List<Map<String, Object>> viewRow(List<Cell> row, List<Integer> shown) {
      List<Map<String, Object>> cells = new ArrayList<>();
      for (int i : shown) {
        Cell c = row.get(i);
        Map<String, Object> m = new HashMap<>();
        m.put("text", display(c.value(), c.kindIn(columns.get(i))));
        m.put("href", c.href());
        m.put("numeric", columns.get(i).kind() != Kind.TEXT);
        cells.add(m);
      }
      return cells;
    }

    /** The rows and footer for an export. */
    List<List<Cell>> exportRows() {
      List<List<Cell>> all = new ArrayList<>(rows);
      if (footer != null) {
        all.add(footer);
      }
      return all;
    }
  }

  /** Rates as percentages with one decimal, counts as they are, "–" for no value. */
  static String display(Object value, Kind kind) {
    if (value == null) {
      return "–";
    }
    if (kind == Kind.RATE && value instanceof Number d) {
      return String.format(Locale.ROOT, "%.1f%%", d.doubleValue() * 100);
    }
    return String.valueOf(value);
  }

  private static Column text(String key, String labelKey, Locale l) {
    return new Column(key, I18n.t(l, labelKey), Kind.TEXT, true);
  }

  private static Column counter(String key, Locale l, boolean shown) {
    return new Column(key, label(l, key), RATES.contains(key) ? Kind.RATE : Kind.COUNT, shown);
  }

  /** The translated name of a counter. */
  static String label(Locale l, String key) {
    return I18n.t(l, "stats.key." + key);
  }

  /** The headline figures: every counter with the previous period's value and the change. */
  static Table totals(JsonObject now, JsonObject before, Locale l) {
    List<Column> cols = List.of(text("key", "stats.col.key", l), text("label", "stats.col.counter", l),
        new Column("value", I18n.t(l, "stats.col.value"), Kind.COUNT, true),
        new Column("previous", I18n.t(l, "stats.col.previous"), Kind.COUNT, true),
        new Column("change", I18n.t(l, "stats.col.change"), Kind.TEXT, true));
    JsonObject a = now.getJsonObject("totals");
    JsonObject b = before.getJsonObject("totals");
    List<List<Cell>> rows = new ArrayList<>();
    for (String key : COUNTERS) {
      Object v = a.getValue(key);
      Object p = b.getValue(key);
      Kind kind = isRate(key) ? Kind.RATE : Kind.COUNT; // rates: fractions in exports, percentages on the page
      rows.add(List.of(new Cell(key, null), new Cell(label(l, key), null), new Cell(v, null, kind), new Cell(p, null, kind),
          new Cell(change(v, p), null)));
    }
    return new Table("totals", cols, rows, null);
  }

  /**
   * One row per child unit (per station below a township) with every counter, and the unit's totals
   * as the footer. Names link to the next level down (or the station's page).
   */
  static Table children(JsonObject rollup, StatsQuery q, Locale l) {
    return perUnit("children", COUNTERS, SHOWN::contains, rollup, q, l);
  }

  /** The residents' request counters per child unit (per station below a township), with the unit's totals. */
  static Table requests(JsonObject rollup, StatsQuery q, Locale l) {
    return perUnit("requests", StatsStore.REQUESTS, k -> true, rollup, q, l);
  }

  private static Table perUnit(String name, List<String> counters, java.util.function.Predicate<String> shown, JsonObject rollup,
                               StatsQuery q, Locale l) {
    boolean stations = rollup.containsKey("stations");
    List<Column> cols = new ArrayList<>();
    if (stations) {
      cols.add(new Column("station_id", I18n.t(l, "stats.col.stationId"), Kind.TEXT, false));
    }
    cols.add(new Column("code", I18n.t(l, "division.code"), Kind.TEXT, false));
    cols.add(text("name", stations ? "stats.col.station" : "station.list.unit", l));
    counters.forEach(k -> cols.add(counter(k, l, shown.test(k))));
    List<List<Cell>> rows = new ArrayList<>();
    JsonArray list = stations ? rollup.getJsonArray("stations") : rollup.getJsonArray("children");
    for (Object o : list) {
      JsonObject c = (JsonObject) o;
      List<Cell> row = new ArrayList<>();
      String href;
      if (stations) {
        row.add(new Cell(c.getLong("id"), null));
        href = "/stations/" + c.getLong("id");
      } else {
        href = "village".equals(c.getString("level")) && !hasStations(c) ? null : drill(c.getString("code"), q);
      }
      row.add(new Cell(c.getString("code"), null));
      row.add(new Cell(c.getString("name"), href));
      counters.forEach(k -> row.add(new Cell(c.getValue(k), null)));
      rows.add(row);
    }
    JsonObject unit = rollup.getJsonObject("unit");
    JsonObject totals = rollup.getJsonObject("totals");
    List<Cell> footer = new ArrayList<>();
    if (stations) {
      footer.add(new Cell(null, null));
    }
    footer.add(new Cell(unit.getString("code"), null));
    footer.add(new Cell(I18n.t(l, "stats.total", unit.getString("name")), null));
    counters.forEach(k -> footer.add(new Cell(totals.getValue(k), null)));
    return new Table(name, cols, rows, footer);
  }

  private static boolean hasStations(JsonObject c) {
    return c.getLong("stations_registered", 0L) > 0 || c.getLong("meetings_held", 0L) > 0;
  }

  /** The dashboard link of a unit for the same period and category. */
  static String drill(String code, StatsQuery q) {
    return "/stats?division=" + code + "&from=" + q.from() + "&to=" + q.to()
        + (q.category() == null ? "" : "&category=" + q.category());
  }

  /** Held meetings by kind (or format, or outcomes by form) with each one's share. */
  static Table breakdown(String name, JsonObject totals, String prefix, List<String> keys, String labelPrefix, String whole,
                         Locale l) {
    List<Column> cols = List.of(new Column(name.equals("forms") ? "form" : name.equals("kinds") ? "kind" : "format",
            I18n.t(l, "stats.col.key"), Kind.TEXT, false),
        text("label", "stats.col." + name, l),
        new Column(whole, label(l, whole), Kind.COUNT, true),
        new Column("share", I18n.t(l, "stats.col.share"), Kind.RATE, true));
    long all = totals.getLong(whole, 0L);
    List<List<Cell>> rows = new ArrayList<>();
    for (String k : keys) {
      long n = totals.getLong(prefix + k, 0L);
      rows.add(List.of(new Cell(k, null), new Cell(I18n.t(l, labelPrefix + k), null), new Cell(n, null),
          new Cell(all == 0 ? null : Math.round(n * 10_000.0 / all) / 10_000.0, null)));
    }
    List<Cell> footer = List.of(new Cell(null, null), new Cell(I18n.t(l, "stats.total", ""), null), new Cell(all, null),
        new Cell(all == 0 ? null : 1.0, null));
    return new Table(name, cols, rows, footer);
  }

  static Table kinds(JsonObject totals, Locale l) {
    return breakdown("kinds", totals, "meetings_held_kind_", StatsStore.KINDS, "meeting.kind.", "meetings_held", l);
  }

  static Table formats(JsonObject totals, Locale l) {
    return breakdown("formats", totals, "meetings_held_format_", StatsStore.FORMATS, "meeting.format.", "meetings_held", l);
  }

  static Table forms(JsonObject totals, Locale l) {
    return breakdown("forms", totals, "outcomes_form_", StatsStore.FORMS, "outcome.form.", "outcomes", l);
  }

  /** Members' participation (one page of it, or all of it for an export). */
  static Table members(JsonObject page, Locale l) {
    List<Column> cols = List.of(new Column("member_id", I18n.t(l, "stats.col.memberId"), Kind.TEXT, false),
        text("name", "member.field.name", l), text("sector", "member.field.sector", l),
        text("committee", "member.field.committee", l),
        new Column("meetings_attended", I18n.t(l, "stats.col.meetingsAttended"), Kind.COUNT, true),
        new Column("stations_attended", I18n.t(l, "stats.col.stationsAttended"), Kind.COUNT, true),
        text("last_month", "stats.col.lastMonth", l));
    List<List<Cell>> rows = new ArrayList<>();
    for (Object o : page.getJsonArray("items")) {
      JsonObject m = (JsonObject) o;
      rows.add(List.of(new Cell(m.getLong("id"), null), new Cell(m.getString("name"), "/members/" + m.getLong("id")),
          new Cell(m.getString("sector"), null), new Cell(m.getString("committee"), null),
          new Cell(m.getLong("meetingsAttended"), null), new Cell(m.getLong("stationsAttended"), null),
          new Cell(m.getString("lastMonth"), null)));
    }
    return new Table("members", cols, rows, null);
  }

  /** Dormant stations. */
  static Table dormant(JsonObject page, Locale l) {
    List<Column> cols = List.of(new Column("station_id", I18n.t(l, "stats.col.stationId"), Kind.TEXT, false),
        text("station", "stats.col.station", l), text("type", "station.field.type", l),
        text("status", "stats.col.status", l), new Column("division_code", I18n.t(l, "division.code"), Kind.TEXT, false),
        text("division", "station.list.unit", l), text("last_held_month", "stats.col.lastHeld", l));
    List<List<Cell>> rows = new ArrayList<>();
    for (Object o : page.getJsonArray("items")) {
      JsonObject s = (JsonObject) o;
      rows.add(List.of(new Cell(s.getLong("id"), null), new Cell(s.getString("name"), "/stations/" + s.getLong("id")),
          new Cell(I18n.t(l, "station.type." + s.getString("type")), null),
          new Cell(I18n.t(l, "station.status." + s.getString("status")), null),
          new Cell(s.getString("divisionCode"), null), new Cell(s.getString("divisionName"), null),
          new Cell(s.getString("lastHeldMonth"), null)));
    }
    return new Table("dormant", cols, rows, null);
  }

  /** Overdue referrals. */
  static Table overdue(JsonObject page, Locale l) {
    List<Column> cols = List.of(new Column("outcome_id", I18n.t(l, "stats.col.outcomeId"), Kind.TEXT, false),
        text("content", "stats.col.outcome", l), text("responsible_unit", "outcome.field.responsibleUnit", l),
        text("due_on", "outcome.field.dueOn", l),
        new Column("days_overdue", I18n.t(l, "stats.col.daysOverdue"), Kind.COUNT, true),
        text("escalated", "stats.col.escalated", l), text("station", "stats.col.station", l));
    List<List<Cell>> rows = new ArrayList<>();
    for (Object o : page.getJsonArray("items")) {
      JsonObject x = (JsonObject) o;
      rows.add(List.of(new Cell(x.getLong("id"), null), new Cell(x.getString("content"), "/outcomes/" + x.getLong("id")),
          new Cell(x.getString("responsibleUnit"), null), new Cell(x.getString("dueOn"), null),
          new Cell(x.getInteger("daysOverdue"), null),
          new Cell(I18n.t(l, x.getBoolean("escalated") ? "stats.yes" : "stats.no"), null),
          new Cell(x.getString("stationName"), "/stations/" + x.getLong("stationId"))));
    }
    return new Table("overdue", cols, rows, null);
  }

  /** The change against the previous period: "+3", "-2", "±0", "+5.0 pt" for rates, "" when not comparable. */
  static String change(Object value, Object old) {
    if (value == null || old == null) {
      return "";
    }
    if (value instanceof Double d && old instanceof Double o) {
      return String.format(Locale.ROOT, "%+.1f pt", (d - o) * 100);
    }
    if (value instanceof Number n && old instanceof Number o) {
      long diff = n.longValue() - o.longValue();
      return diff == 0 ? "±0" : String.format(Locale.ROOT, "%+d", diff);
    }
    return "";
  }

  /** A map view of several tables by name. */
  static Map<String, Object> views(List<Table> tables) {
    Map<String, Object> out = new LinkedHashMap<>();
    tables.forEach(t -> out.put(t.name(), t.view()));
    return out;
  }
}
