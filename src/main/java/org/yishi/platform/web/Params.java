package org.yishi.platform.web;

import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Set;

/**
 * Query-string parameters (and the dates and times of bodies) read with one rule: a value that is
 * present but not of the expected form is a 422 naming the parameter, answered at once, never a
 * 500 or a request that runs on. Dates are limited to the years {@value #MIN_YEAR}-{@value #MAX_YEAR},
 * so that nothing loops over or computes with dates a billion years away.
 */
public final class Params {
  public static final int MIN_YEAR = 2000;
  public static final int MAX_YEAR = 2100;
  /** Longest search text ({@code q}) a list accepts. */
  public static final int MAX_SEARCH = 64;
  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("\\d{1,18}");

  private Params() {
  }

  private static String raw(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return Text.blank(v) ? null : Text.strip(v);
  }

  /**
   * Whether {@code text} is an id as the application writes them: a whole number of 1-18 ASCII
   * digits (so it always fits a {@code long}; no sign, no blanks, no full-width digits).
   */
  public static boolean isId(String text) {
    return text != null && ID.matcher(text).matches();
  }

  /** {@code text} as an id, or null when it is not one (see {@link #isId}). */
  public static Long parseId(String text) {
    return isId(text) ? Long.valueOf(text) : null;
  }

  /** An optional id (a whole number of at most 18 digits); null when absent. */
  public static Long id(RoutingContext ctx, String name) {
    String v = raw(ctx, name);
    if (v == null) {
      return null;
    }
    if (!isId(v)) {
      throw AppException.invalid(name, "field.notWholeNumber");
    }
    return Long.valueOf(v);
  }

  /** An optional text parameter, stripped; null when absent or blank ({@link Text#blank}). */
  public static String text(RoutingContext ctx, String name) {
    return raw(ctx, name);
  }

  /**
   * An optional search text: stripped, null when blank; more than {@value #MAX_SEARCH} characters
   * or a control character is a 422 naming the parameter.
   */
  public static String search(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (Text.blank(v)) {
      return null;
    }
    if (v.length() > MAX_SEARCH) {
      throw AppException.invalid(name, "field.tooLong", MAX_SEARCH);
    }
    if (Text.hasControl(v)) {
      throw AppException.invalid(name, "field.control");
    }
    return Text.strip(v);
  }

  /**
   * An optional boolean: {@code true}/{@code 1}/{@code on} or {@code false}/{@code 0}/{@code off};
   * null when absent or blank; anything else is a 422 naming the parameter.
   */
  public static Boolean bool(RoutingContext ctx, String name) {
    String v = raw(ctx, name);
    if (v == null) {
      return null;
    }
    return switch (v) {
      case "true", "1", "on" -> true;
      case "false", "0", "off" -> false;
      default -> throw AppException.invalid(name, "field.notBoolean");
    };
  }

  /**
   * Of the names of one parameter, the first that the request carries (not blank), else the first
   * name. For a filter that a page still spells the old way while the API uses the current name
   * (the API itself rewrites its declared aliases, see {@code ApiQuery}).
   */
  public static String present(RoutingContext ctx, String... names) {
    for (String n : names) {
      if (!Text.blank(ctx.request().getParam(n))) {
        return n;
      }
    }
    return names[0];
  }

  /** An optional 12-digit division code; null when absent. */
  public static String divisionCode(RoutingContext ctx, String name) {
    String v = raw(ctx, name);
    if (v == null) {
      return null;
    }
    if (!v.matches("\\d{12}")) {
      throw AppException.invalid(name, "field.scope.format");
    }
    return v;
  }

  /** An optional choice among {@code allowed}; {@code dflt} when absent. */
  public static String oneOf(RoutingContext ctx, String name, String dflt, Set<String> allowed) {
    String v = raw(ctx, name);
    if (v == null) {
      return dflt;
    }
    if (!allowed.contains(v)) {
      throw AppException.invalid(name, "field.oneOf", String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    return v;
  }

  /** An optional month {@code YYYY-MM} within the years allowed; {@code dflt} when absent. */
  public static YearMonth month(RoutingContext ctx, String name, YearMonth dflt) {
    String v = raw(ctx, name);
    if (v == null) {
      return dflt;
    }
    YearMonth m = parseMonth(v);
    if (m == null) {
      throw AppException.invalid(name, "field.month");
    }
    requireYear(name, m.getYear());
    return m;
  }

  /** An optional day {@code YYYY-MM-DD} within the years allowed; {@code dflt} when absent. */
  public static LocalDate date(RoutingContext ctx, String name, LocalDate dflt) {
    String v = raw(ctx, name);
    if (v == null) {
      return dflt;
    }
    LocalDate d = parseDate(v);
    if (d == null) {
      throw AppException.invalid(name, "field.date");
    }
    requireYear(name, d.getYear());
    return d;
  }

  /** {@code YYYY-MM} (four-digit year), or null when the text is not one. */
  public static YearMonth parseMonth(String text) {
    if (text == null || !text.matches("\\d{4}-\\d{2}")) {
      return null;
    }
    try {
      return YearMonth.parse(text);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** {@code YYYY-MM-DD} (four-digit year), or null when the text is not one. */
  public static LocalDate parseDate(String text) {
    if (text == null || !text.matches("\\d{4}-\\d{2}-\\d{2}")) {
      return null;
    }
    try {
      return LocalDate.parse(text);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** Whether a date or time lies within the years allowed. */
  public static boolean yearAllowed(TemporalAccessor t) {
    if (!t.isSupported(ChronoField.YEAR)) {
      return false;
    }
    int year = t.get(ChronoField.YEAR);
    return year >= MIN_YEAR && year <= MAX_YEAR;
  }

  private static void requireYear(String name, int year) {
    if (year < MIN_YEAR || year > MAX_YEAR) {
      throw AppException.invalid(name, "field.year", String.valueOf(MIN_YEAR), String.valueOf(MAX_YEAR));
    }
  }
}
