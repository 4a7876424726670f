package org.yishi.report;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.security.Jurisdiction;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a report's snapshot from the roll-ups: the unit's totals and one row per child unit for
 * every counter {@link ReportSources#rollup} returns (read generically, so new counters appear in
 * reports without a change here), the change against the previous period and the same period last
 * year, rankings of the child units, dormant stations, overdue referrals, the typical cases marked in
 * the period, and the summary paragraph in Chinese and English. Everything a report shows is in the
 * snapshot; nothing is recomputed when it is viewed.
 */
final class ReportBuilder {
  /** Version of the snapshot's shape, stored in it. */
  static final int SCHEMA = 1;
  /** The counters whose child-unit rankings a report shows, when the roll-up has them. */
  static final List<String> RANKED = List.of("meetings_held", "attendance_residents", "suggestions", "outcomes",
      "reply_rate", "satisfaction_rate");
  /** At most this many dormant stations, overdue referrals and typical cases are listed (the totals are exact). */
  static final int LIST_LIMIT = 200;

  private final ReportSources stats;
  private final ReportSources outcomes;

  /** The zone report periods (calendar months) are read in. */
  private final java.time.ZoneId zone;

  ReportBuilder(ReportSources sources, java.time.ZoneId zone) {
    this.zone = zone;
    this.stats = sources;
    this.outcomes = sources;
  }

  /** The snapshot of {@code unitCode} for {@code period}, as of {@code today} (for the overdue list). */
  Future<JsonObject> build(String unitCode, ReportPeriod period, LocalDate today) {
    ReportPeriod previous = period.previous();
    ReportPeriod lastYear = period.yearBefore();
    String prefix = Jurisdiction.prefixOf(unitCode);
    Future<JsonObject> now = stats.rollup(unitCode, period.from(), period.to());
    Future<JsonObject> before = stats.rollup(unitCode, previous.from(), previous.to());
    Future<JsonObject> yearAgo = stats.rollup(unitCode, lastYear.from(), lastYear.to());
    Future<JsonObject> dormant = stats.dormantStations(unitCode, period.to(), LIST_LIMIT);
    Future<JsonObject> overdue = outcomes.overdueOutcomes(unitCode, LIST_LIMIT);
    Instant markedFrom = period.from().atDay(1).atStartOfDay(zone).toInstant();
    Instant markedUntil = period.to().plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
    Future<JsonObject> typical = outcomes.typicalOutcomes(prefix, markedFrom, markedUntil, LIST_LIMIT);
    return Future.all(List.of(now, before, yearAgo, dormant, overdue, typical)).map(v -> {
      JsonObject current = now.result();
      JsonObject totals = current.getJsonObject("totals");
      List<String> counters = new ArrayList<>(totals.fieldNames());
      JsonArray rates = new JsonArray();
      for (String key : counters) {
        if (isRate(key, totals.getValue(key))) {
          rates.add(key);
        }
      }
      JsonObject prevTotals = before.result().getJsonObject("totals");
      JsonObject yearTotals = yearAgo.result().getJsonObject("totals");
      JsonObject changes = new JsonObject();
      for (String key : counters) {
        changes.put(key, new JsonObject()
            .put("previous", delta(totals.getValue(key), prevTotals.getValue(key), rates.contains(key)))
            .put("lastYear", delta(totals.getValue(key), yearTotals.getValue(key), rates.contains(key))));
      }
      JsonArray children = current.getJsonArray("children");
      JsonObject content = new JsonObject()
          .put("schema", SCHEMA)
          .put("kind", period.kind().key())
          .put("period", period.key())
          .put("from", period.from().toString())
          .put("to", period.to().toString())
          .put("asOf", today.toString())
          .put("unit", current.getJsonObject("unit"))
          .put("childLevel", children.isEmpty() ? null : children.getJsonObject(0).getString("level"))
          .put("counters", new JsonArray(counters))
          .put("rates", rates)
          .put("totals", totals)
          .put("previous", new JsonObject().put("period", previous.key()).put("totals", prevTotals))
          .put("lastYear", new JsonObject().put("period", lastYear.key()).put("totals", yearTotals))
          .put("changes", changes)
          .put("children", children)
          .put("rankings", rankings(children, counters, rates))
          .put("dormantStations", dormant.result())
          .put("overdueReferrals", overdueList(overdue.result(), today))
          .put("typicalCases", typicalList(typical.result()));
      return content.put("summary", new JsonObject()
          .put("zh", ReportText.summary(org.yishi.platform.web.I18n.ZH, content))
          .put("en", ReportText.summary(org.yishi.platform.web.I18n.EN, content)));
    });
  }

  /** A rate is a fraction (Double) in the roll-up; a counter without data is a rate by its name. */
  static boolean isRate(String key, Object value) {
    if (value instanceof Double || value instanceof Float) {
      return true;
    }
    return value == null && (key.endsWith("_rate") || key.startsWith("coverage_"));
  }

  /** The change: a count difference, or for rates the difference in percentage points (one decimal); null when not comparable. */
  static Number delta(Object value, Object old, boolean rate) {
    if (!(value instanceof Number n) || !(old instanceof Number o)) {
      return null;
    }
    if (rate) {
      return Math.round((n.doubleValue() - o.doubleValue()) * 1000) / 10.0;
    }
    return n.longValue() - o.longValue();
  }

  /** For each ranked counter the roll-up has: the child units by value, highest first, with shared ranks for ties. */
  static JsonArray rankings(JsonArray children, List<String> counters, JsonArray rates) {
    JsonArray out = new JsonArray();
    for (String key : RANKED) {
      if (!counters.contains(key) || children.isEmpty()) {
        continue;
      }
      List<JsonObject> rows = new ArrayList<>();
      children.forEach(o -> rows.add((JsonObject) o));
      rows.sort((a, b) -> {
        Object va = a.getValue(key);
        Object vb = b.getValue(key);
        if (!(va instanceof Number)) {
          return vb instanceof Number ? 1 : a.getString("code").compareTo(b.getString("code"));
        }
        if (!(vb instanceof Number)) {
          return -1;
        }
        int c = Double.compare(((Number) vb).doubleValue(), ((Number) va).doubleValue());
        return c != 0 ? c : a.getString("code").compareTo(b.getString("code"));
      });
      JsonArray ranked = new JsonArray();
      Object last = null;
      int rank = 0;
      for (int i = 0; i < rows.size(); i++) {
        Object value = rows.get(i).getValue(key);
        if (!(value instanceof Number)) {
          ranked.add(new JsonObject().put("rank", null).put("code", rows.get(i).getString("code"))
              .put("name", rows.get(i).getString("name")).put("value", null));
          continue;
        }
        if (last == null || ((Number) last).doubleValue() != ((Number) value).doubleValue()) {
          rank = i + 1;
        }
        last = value;
        ranked.add(new JsonObject().put("rank", rank).put("code", rows.get(i).getString("code"))
            .put("name", rows.get(i).getString("name")).put("value", value));
      }
      out.add(new JsonObject().put("key", key).put("rate", rates.contains(key)).put("rows", ranked));
    }
    return out;
  }

  private static JsonObject overdueList(JsonObject page, LocalDate today) {
    JsonArray items = new JsonArray();
    for (Object o : page.getJsonArray("items")) {
      JsonObject x = (JsonObject) o;
      LocalDate due = LocalDate.parse(x.getString("dueOn"));
      items.add(new JsonObject().put("id", x.getLong("id")).put("stationName", x.getString("stationName"))
          .put("districtCode", x.getString("districtCode")).put("divisionCode", x.getString("divisionCode"))
          .put("responsibleUnit", x.getString("responsibleUnit")).put("form", x.getString("form"))
          .put("content", shorten(x.getString("content"), 120)).put("dueOn", x.getString("dueOn"))
          .put("daysOverdue", ChronoUnit.DAYS.between(due, today)));
    }
    return new JsonObject().put("total", page.getLong("total")).put("items", items);
  }

  private static JsonObject typicalList(JsonObject page) {
    JsonArray items = new JsonArray();
    for (Object o : page.getJsonArray("items")) {
      JsonObject x = (JsonObject) o;
      items.add(new JsonObject().put("id", x.getLong("id")).put("stationName", x.getString("stationName"))
          .put("divisionCode", x.getString("divisionCode")).put("meetingTitle", x.getString("meetingTitle"))
          .put("form", x.getString("form")).put("content", shorten(x.getString("content"), 200))
          .put("status", x.getString("status")).put("markedAt", x.getString("typicalMarkedAt")));
    }
    return new JsonObject().put("total", page.getLong("total")).put("items", items);
  }

  private static String shorten(String s, int max) {
    if (s == null || s.codePointCount(0, s.length()) <= max) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, max)) + "…";
  }
}
