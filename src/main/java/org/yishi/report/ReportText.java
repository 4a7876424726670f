package org.yishi.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.web.I18n;

import java.time.Month;
import java.time.YearMonth;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.MissingResourceException;

/**
 * The words of a report in one language: period and counter labels, figures, changes, and the
 * summary paragraph built from a snapshot's figures (stored in the snapshot in Chinese and English
 * when the report is issued).
 */
public final class ReportText {
  private ReportText() {
  }

  /** "2025年3月" / "March 2025", "2025年第1季度" / "Q1 2025", "2025年" / "2025". */
  public static String periodLabel(Locale locale, String kind, String period) {
    ReportPeriod.Kind k = ReportPeriod.Kind.fromKey(kind);
    if (k == null) {
      return period;
    }
    ReportPeriod p = ReportPeriod.parse(k, period, "period");
    YearMonth from = p.from();
    String year = String.valueOf(from.getYear());
    return switch (k) {
      case MONTHLY -> I18n.t(locale, "report.periodLabel.monthly", year, String.valueOf(from.getMonthValue()),
          Month.of(from.getMonthValue()).getDisplayName(TextStyle.FULL, Locale.ENGLISH));
      case QUARTERLY -> I18n.t(locale, "report.periodLabel.quarterly", year, String.valueOf((from.getMonthValue() - 1) / 3 + 1));
      case YEARLY -> I18n.t(locale, "report.periodLabel.yearly", year);
    };
  }

  /** The label of a counter: the report's own wording, else the dashboard's, else the key itself. */
  public static String counterLabel(Locale locale, String key) {
    for (String candidate : new String[] {"report.counter." + key, "stats.key." + key}) {
      try {
        return I18n.bundle(locale).getString(candidate);
      } catch (MissingResourceException e) {
        // try the next
      }
    }
    return key;
  }

  /** A figure as shown: rates as percentages with one decimal, counts as they are, "–" for none. */
  public static String value(Object value, boolean rate) {
    if (!(value instanceof Number n)) {
      return "–";
    }
    if (rate) {
      return String.format(Locale.ROOT, "%.1f%%", n.doubleValue() * 100);
    }
    return String.valueOf(n.longValue());
  }

  /** A change as shown: "+3", "-2", "±0"; for rates "+5.0 pt"; "" when not comparable. */
  public static String change(Object delta, boolean rate) {
    if (!(delta instanceof Number n)) {
      return "";
    }
    if (rate) {
      double d = n.doubleValue();
      return d == 0 ? "±0 pt" : String.format(Locale.ROOT, "%+.1f pt", d);
    }
    long l = n.longValue();
    return l == 0 ? "±0" : String.format(Locale.ROOT, "%+d", l);
  }

  /** The summary paragraph of a snapshot, built from its figures. */
  static String summary(Locale locale, JsonObject c) {
    JsonObject totals = c.getJsonObject("totals");
    JsonObject changes = c.getJsonObject("changes");
    String unit = c.getJsonObject("unit").getString("name");
    StringBuilder s = new StringBuilder();
    s.append(I18n.t(locale, "report.summary.opening", periodLabel(locale, c.getString("kind"), c.getString("period")), unit,
        count(totals, "meetings_held")));
    JsonObject held = changes.getJsonObject("meetings_held", new JsonObject());
    s.append(changePhrase(locale, held.getValue("previous"), "report.summary.previous"));
    s.append(changePhrase(locale, held.getValue("lastYear"), "report.summary.lastYear"));
    s.append(I18n.t(locale, "report.summary.figures", count(totals, "attendance_residents"), count(totals, "suggestions"),
        count(totals, "outcomes")));
    s.append(I18n.t(locale, "report.summary.rates", rateWords(locale, totals.getValue("reply_rate")),
        rateWords(locale, totals.getValue("satisfaction_rate"))));
    s.append(I18n.t(locale, "report.summary.end"));
    JsonObject top = top(c.getJsonArray("rankings"), "meetings_held");
    if (top != null) {
      s.append(I18n.t(locale, "report.summary.top", top.getString("name"), String.valueOf(top.getValue("value"))));
    }
    List<String> tail = new ArrayList<>();
    long dormant = c.getJsonObject("dormantStations").getLong("total", 0L);
    long overdue = c.getJsonObject("overdueReferrals").getLong("total", 0L);
    long typical = c.getJsonObject("typicalCases").getLong("total", 0L);
    tail.add(dormant == 0 ? I18n.t(locale, "report.summary.noDormant") : I18n.t(locale, "report.summary.dormant", String.valueOf(dormant)));
    tail.add(overdue == 0 ? I18n.t(locale, "report.summary.noOverdue") : I18n.t(locale, "report.summary.overdue", String.valueOf(overdue)));
    if (typical > 0) {
      tail.add(I18n.t(locale, "report.summary.typical", String.valueOf(typical)));
    }
    String joined = String.join(I18n.t(locale, "report.summary.separator"), tail);
    s.append(Character.toUpperCase(joined.charAt(0))).append(joined.substring(1)).append(I18n.t(locale, "report.summary.end"));
    return s.toString().strip();
  }

  /** A rate in a sentence: "92.9%", or words saying there is none (no outcome to answer, none rated). */
  private static String rateWords(Locale locale, Object value) {
    return value instanceof Number ? value(value, true) : I18n.t(locale, "report.summary.noRate");
  }

  private static String count(JsonObject totals, String key) {
    Object v = totals.getValue(key);
    return v instanceof Number n ? String.valueOf(n.longValue()) : "0";
  }

  private static String changePhrase(Locale locale, Object delta, String against) {
    if (!(delta instanceof Number n)) {
      return "";
    }
    String when = I18n.t(locale, against);
    long d = n.longValue();
    if (d == 0) {
      return I18n.t(locale, "report.summary.same", when);
    }
    return I18n.t(locale, d > 0 ? "report.summary.up" : "report.summary.down", when, String.valueOf(Math.abs(d)));
  }

  /** The first-ranked child unit for {@code key} when it has a value above zero. */
  private static JsonObject top(JsonArray rankings, String key) {
    for (Object o : rankings) {
      JsonObject r = (JsonObject) o;
      if (key.equals(r.getString("key")) && !r.getJsonArray("rows").isEmpty()) {
        JsonObject first = r.getJsonArray("rows").getJsonObject(0);
        return first.getValue("value") instanceof Number n && n.doubleValue() > 0 ? first : null;
      }
    }
    return null;
  }
}
