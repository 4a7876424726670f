package org.yishi.stats;

import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;

import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a statistics request asks for: a unit (12-digit division code), a month range (inclusive,
 * default the last twelve months) and optionally a topic category. The same parameters for the API,
 * the dashboard, the live stream and the exports: {@code division}, {@code from}, {@code to}
 * ({@code YYYY-MM}) and {@code category}.
 */
public record StatsQuery(String division, YearMonth from, YearMonth to, String category) {
  /** At most ten years in one request. */
  static final int MAX_MONTHS = 120;

  /** The same length of time just before this period (for the comparison). */
  public StatsQuery previous() {
    long span = months();
    return new StatsQuery(division, from.minusMonths(span), to.minusMonths(span), category);
  }

  public long months() {
    return ChronoUnit.MONTHS.between(from, to) + 1;
  }

  public StatsQuery withDivision(String code) {
    return new StatsQuery(code, from, to, category);
  }

  /**
   * Parses the request's parameters; {@code defaultDivision} is used when {@code division} is absent
   * (null: it is required). Every bad parameter is reported at once as a 422 with one message per field.
   */
  static StatsQuery parse(RoutingContext ctx, String defaultDivision, ZoneId zone) {
    Map<String, Msg> errors = new LinkedHashMap<>();
    String division = ctx.request().getParam("division");
    if (Text.blank(division)) {
      division = defaultDivision;
      if (division == null) {
        errors.put("division", Msg.of("field.required"));
      }
    } else if (!isDivision(division)) {
      errors.put("division", Msg.of("field.scope.format"));
    }
    YearMonth to = month(ctx, "to", YearMonth.now(zone), errors);
    YearMonth from = month(ctx, "from", to == null ? null : to.minusMonths(11), errors);
    if (from != null && to != null && (from.isAfter(to) || ChronoUnit.MONTHS.between(from, to) >= MAX_MONTHS)) {
      errors.put("from", Msg.of("field.stats.range"));
    }
    String category = ctx.request().getParam("category");
    if (category != null && Text.blank(category)) {
      category = null;
    }
    if (category != null && !category.matches("[a-z][a-z_]{1,39}")) {
      errors.put("category", Msg.of("field.stats.category"));
    }
    if (!errors.isEmpty()) {
      throw AppException.invalid(errors);
    }
    return new StatsQuery(division, from, to, category);
  }

  static boolean isDivision(String code) {
    return code != null && code.matches("\\d{12}");
  }

  private static YearMonth month(RoutingContext ctx, String name, YearMonth dflt, Map<String, Msg> errors) {
    String raw = ctx.request().getParam(name);
    if (Text.blank(raw)) {
      return dflt;
    }
    YearMonth m = Params.parseMonth(raw.trim());
    if (m == null || m.getYear() < Params.MIN_YEAR || m.getYear() > Params.MAX_YEAR) {
      errors.put(name, Msg.of("field.stats.month"));
      return null;
    }
    return m;
  }
}
