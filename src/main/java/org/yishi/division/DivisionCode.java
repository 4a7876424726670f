package org.yishi.division;

import org.yishi.platform.division.DivisionLevel;
/**
 * Rules of the 12-digit statistical division code: a unit's code is its parent's significant
 * digits followed by its own non-zero segment, zero-padded on the right.
 */
public final class DivisionCode {
  public static final int LENGTH = 12;

  private DivisionCode() {
  }

  /** Whether {@code s} is exactly 12 ASCII digits. */
  public static boolean isCode(String s) {
    return s != null && s.length() == LENGTH && isDigits(s);
  }

  /** Whether {@code s} is a non-empty run of at most 12 ASCII digits (a code prefix). */
  public static boolean isPrefix(String s) {
    return s != null && !s.isEmpty() && s.length() <= LENGTH && isDigits(s);
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Whether the digits {@code [from, to)} of a code are all zero. */
  static boolean zeros(String code, int from, int to) {
    for (int i = from; i < to; i++) {
      if (code.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  /**
   * The level a code's shape implies: the deepest level whose segment is not zero
   * ({@code 441900000000} is a city), or {@code null} for twelve zeros.
   */
  public static DivisionLevel impliedLevel(String code) {
    DivisionLevel[] levels = DivisionLevel.values();
    for (int i = levels.length - 1; i >= 0; i--) {
      DivisionLevel l = levels[i];
      if (!zeros(code, l.segmentStart(), l.significantDigits())) {
        return l;
      }
    }
    return null;
  }

  /**
   * Whether a code fits a level: the level's own segment is not zero and every digit after it is
   * zero. (Repeats such as 东莞市 as a county are the importer's quirks, not codes of that level.)
   */
  public static boolean fitsLevel(String code, DivisionLevel level) {
    return !zeros(code, level.segmentStart(), level.significantDigits())
        && zeros(code, level.significantDigits(), LENGTH);
  }

  /**
   * The code of the unit one level above, as the code itself spells it: the significant digits of
   * the level above, zero-padded ({@code 220802001001} → {@code 220802001000}). For a township of a
   * city without counties (东莞市) this is the city's code, whose county segment is zero.
   */
  public static String parentOf(String code, DivisionLevel level) {
    int keep = level.above().significantDigits();
    return code.substring(0, keep) + "0".repeat(LENGTH - keep);
  }

  /** The significant digits of a code: {@code 220800000000} → {@code 2208}; all digits of a village. */
  public static String prefix(String code) {
    DivisionLevel l = impliedLevel(code);
    return l == null ? "" : code.substring(0, l.significantDigits());
  }

  /** Lowest code starting with a prefix, for range scans on the primary key. */
  static String rangeLow(String prefix) {
    return prefix + "0".repeat(LENGTH - prefix.length());
  }

  /** Highest code starting with a prefix. */
  static String rangeHigh(String prefix) {
    return prefix + "9".repeat(LENGTH - prefix.length());
  }
}
