package org.yishi.report;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.http.AppException;
import org.yishi.platform.web.Params;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The period a report covers: a month ({@code 2025-03}), a quarter ({@code 2025-Q1}) or a year
 * ({@code 2025}), as a range of whole months. The text form is the one stored, shown and accepted
 * by the API.
 */
public record ReportPeriod(Kind kind, YearMonth from, YearMonth to) {

  /** How long a report's period is. */
  public enum Kind implements Keyed {
    MONTHLY(1), QUARTERLY(3), YEARLY(12);

    private final int months;

    Kind(int months) {
      this.months = months;
    }

    public int months() {
      return months;
    }

    /** The kind for its key; null when unknown. */
    public static Kind fromKey(String key) {
      for (Kind k : values()) {
        if (k.key().equals(key)) {
          return k;
        }
      }
      return null;
    }
  }

  /** The period of {@code kind} that contains {@code month}. */
  public static ReportPeriod containing(Kind kind, YearMonth month) {
    YearMonth first = switch (kind) {
      case MONTHLY -> month;
      case QUARTERLY -> YearMonth.of(month.getYear(), (month.getMonthValue() - 1) / 3 * 3 + 1);
      case YEARLY -> YearMonth.of(month.getYear(), 1);
    };
    return new ReportPeriod(kind, first, first.plusMonths(kind.months() - 1L));
  }

  /** The period a schedule firing on {@code day} reports on: the whole period before the one containing that day. */
  public static ReportPeriod before(Kind kind, LocalDate day) {
    return containing(kind, YearMonth.from(day)).previous();
  }

  /**
   * Parses {@code 2025-03}, {@code 2025-Q1} or {@code 2025} for a report of {@code kind}; a text of
   * another form, or of another kind's form, is a 422 on {@code field}.
   */
  public static ReportPeriod parse(Kind kind, String text, String field) {
    if (text != null) {
      String t = text.trim().toUpperCase(Locale.ROOT);
      if (t.matches("\\d{4}.*") && !yearAllowed(Integer.parseInt(t.substring(0, 4)))) {
        throw AppException.invalid(field, "field.year", String.valueOf(Params.MIN_YEAR), String.valueOf(Params.MAX_YEAR));
      }
      try {
        if (kind == Kind.MONTHLY && t.matches("\\d{4}-(0[1-9]|1[0-2])")) {
          return containing(kind, YearMonth.parse(t));
        }
        if (kind == Kind.QUARTERLY && t.matches("\\d{4}-Q[1-4]")) {
          return containing(kind, YearMonth.of(Integer.parseInt(t.substring(0, 4)), (t.charAt(6) - '1') * 3 + 1));
        }
        if (kind == Kind.YEARLY && t.matches("\\d{4}")) {
          return containing(kind, YearMonth.of(Integer.parseInt(t), 1));
        }
      } catch (RuntimeException e) {
        // reported below
      }
    }
    throw AppException.invalid(field, "report.field.period." + kind.key());
  }

  private static boolean yearAllowed(int year) {
    return year >= Params.MIN_YEAR && year <= Params.MAX_YEAR;
  }

  /** The period just before this one (same length). */
  public ReportPeriod previous() {
    return containing(kind, from.minusMonths(kind.months()));
  }

  /** The same period one year earlier. */
  public ReportPeriod yearBefore() {
    return containing(kind, from.minusYears(1));
  }

  /** Whether the period has ended before {@code month} begins. */
  public boolean endsBefore(YearMonth month) {
    return to.isBefore(month);
  }

  /** Months covered (1, 3 or 12). */
  public long months() {
    return ChronoUnit.MONTHS.between(from, to) + 1;
  }

  /** {@code 2025-03}, {@code 2025-Q1} or {@code 2025}. */
  public String key() {
    return switch (kind) {
      case MONTHLY -> from.toString();
      case QUARTERLY -> from.getYear() + "-Q" + ((from.getMonthValue() - 1) / 3 + 1);
      case YEARLY -> String.valueOf(from.getYear());
    };
  }

  @Override
  public String toString() {
    return key();
  }
}
