package org.yishi.platform.schedule;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;
import java.util.Optional;

/**
 * A classic five-field cron expression ({@code minute hour day-of-month month day-of-week}) read in
 * one time zone. Each field takes {@code *}, numbers, ranges {@code a-b}, steps {@code * /n} and
 * {@code a-b/n}, and comma-separated lists; months and weekdays also take English abbreviations
 * ({@code JAN}, {@code MON}); Sunday is 0 or 7. As in Vixie cron, when both day fields are
 * restricted a day matches if either does. Parsing fails with a {@link CronException} that says
 * which field is wrong and why, and an expression that can never fire (such as 31 February) is
 * refused too.
 */
public final class Cron {
  /** How far {@link #next}/{@link #previous} look before deciding there is no such time. */
  private static final int SEARCH_DAYS = 366 * 8 + 2;
  private static final String[] FIELD_NAMES = {"minute", "hour", "day of month", "month", "day of week"};
  private static final int[][] BOUNDS = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
  private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  /** Why an expression was refused; the message names the field and the rule broken. */
  public static final class CronException extends IllegalArgumentException {
    public CronException(String message) {
      super(message);
    }
  }

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private Cron(String expression, BitSet[] fields, boolean domRestricted, boolean dowRestricted) {
    this.expression = expression;
    this.minutes = fields[0];
    this.hours = fields[1];
    this.daysOfMonth = fields[2];
    this.months = fields[3];
    this.daysOfWeek = fields[4];
    this.domRestricted = domRestricted;
    this.dowRestricted = dowRestricted;
  }

  /** Parses {@code expression}; fails with a {@link CronException} naming the bad field. */
  public static Cron parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new CronException("empty: expected five fields (minute hour day-of-month month day-of-week), e.g. \"0 2 1 * *\"");
    }
    if (expression.length() > 200) {
      throw new CronException("too long (at most 200 characters)");
    }
    String[] parts = expression.trim().split("\\s+");
    if (parts.length != 5) {
      throw new CronException("expected five fields (minute hour day-of-month month day-of-week), found " + parts.length);
    }
    BitSet[] fields = new BitSet[5];
    for (int i = 0; i < 5; i++) {
      fields[i] = field(i, parts[i].toUpperCase(Locale.ROOT));
    }
    if (fields[4].get(7)) {
      fields[4].set(0); // 7 is Sunday too
      fields[4].clear(7);
    }
    Cron cron = new Cron(String.join(" ", parts), fields, !parts[2].equals("*") && !parts[2].startsWith("*/"),
        !parts[4].equals("*") && !parts[4].startsWith("*/"));
    if (!cron.canFire()) {
      throw new CronException("never fires: no month has such a day (e.g. 30 or 31 February)");
    }
    return cron;
  }

  private static BitSet field(int index, String text) {
    String name = FIELD_NAMES[index];
    int min = BOUNDS[index][0];
    int max = BOUNDS[index][1];
    BitSet set = new BitSet(max + 1);
    for (String item : text.split(",", -1)) {
      if (item.isEmpty()) {
        throw new CronException(name + ": empty list item in '" + text + "'");
      }
      int step = 1;
      String range = item;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        range = item.substring(0, slash);
        String s = item.substring(slash + 1);
        if (!s.matches("\\d{1,2}") || Integer.parseInt(s) == 0) {
          throw new CronException(name + ": step '" + s + "' must be a whole number from 1");
        }
        step = Integer.parseInt(s);
      }
      int from;
      int to;
      if (range.equals("*")) {
        from = min;
        to = index == 4 ? 6 : max;
      } else {
        int dash = range.indexOf('-');
        from = value(index, dash < 0 ? range : range.substring(0, dash));
        to = dash < 0 ? (slash >= 0 ? max : from) : value(index, range.substring(dash + 1));
        if (from > to) {
          throw new CronException(name + ": range '" + range + "' runs backwards");
        }
      }
      for (int v = from; v <= to; v += step) {
        set.set(v);
      }
    }
    return set;
  }

  private static int value(int index, String text) {
    String name = FIELD_NAMES[index];
    String[] names = index == 3 ? MONTHS : index == 4 ? DAYS : null;
    if (names != null) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(text)) {
          return index == 3 ? i + 1 : i;
        }
      }
    }
    if (!text.matches("\\d{1,2}")) {
      throw new CronException(name + ": '" + text + "' is not a number" + (names != null ? " or a name such as "
          + names[1] : "") + " (allowed " + BOUNDS[index][0] + "-" + BOUNDS[index][1] + ")");
    }
    int v = Integer.parseInt(text);
    if (v < BOUNDS[index][0] || v > BOUNDS[index][1]) {
      throw new CronException(name + ": " + v + " is out of range (allowed " + BOUNDS[index][0] + "-" + BOUNDS[index][1] + ")");
    }
    return v;
  }

  /** Whether some month has a day this expression accepts (a leap year counts). */
  private boolean canFire() {
    LocalDate d = LocalDate.of(2024, 1, 1);
    for (int i = 0; i < 366 * 8; i++, d = d.plusDays(1)) {
      if (dayMatches(d)) {
        return true;
      }
    }
    return false;
  }

  private boolean dayMatches(LocalDate d) {
    if (!months.get(d.getMonthValue())) {
      return false;
    }
    boolean dom = daysOfMonth.get(d.getDayOfMonth());
    boolean dow = daysOfWeek.get(d.getDayOfWeek().getValue() % 7);
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  /** The first time this fires strictly after {@code after}, in {@code zone}; empty when none within eight years. */
  public Optional<ZonedDateTime> next(ZonedDateTime after, ZoneId zone) {
    ZonedDateTime from = after.withZoneSameInstant(zone);
    LocalDate day = from.toLocalDate();
    for (int i = 0; i < SEARCH_DAYS; i++, day = day.plusDays(1)) {
      if (!dayMatches(day)) {
        continue;
      }
      for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
        for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
          ZonedDateTime t = at(day, h, m, zone);
          if (t.isAfter(from)) {
            return Optional.of(t);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The last time this fired at or before {@code atOrBefore}, in {@code zone}; empty when none within eight years. */
  public Optional<ZonedDateTime> previous(ZonedDateTime atOrBefore, ZoneId zone) {
    ZonedDateTime from = atOrBefore.withZoneSameInstant(zone);
    LocalDate day = from.toLocalDate();
    for (int i = 0; i < SEARCH_DAYS; i++, day = day.minusDays(1)) {
      if (!dayMatches(day)) {
        continue;
      }
      for (int h = hours.previousSetBit(23); h >= 0; h = hours.previousSetBit(h - 1)) {
        for (int m = minutes.previousSetBit(59); m >= 0; m = minutes.previousSetBit(m - 1)) {
          ZonedDateTime t = at(day, h, m, zone);
          if (!t.isAfter(from)) {
            return Optional.of(t);
          }
        }
      }
    }
    return Optional.empty();
  }

  /** A wall-clock time in the zone (a time skipped by a daylight-saving change moves forward). */
  private static ZonedDateTime at(LocalDate day, int hour, int minute, ZoneId zone) {
    return ZonedDateTime.of(LocalDateTime.of(day, LocalTime.of(hour, minute)), zone);
  }

  /** The expression as given (fields separated by single spaces). */
  @Override
  public String toString() {
    return expression;
  }
}
