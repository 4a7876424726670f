package org.yishi.platform.division;

import java.util.Optional;

/**
 * The five levels of the statistical division code, each owning a segment of the 12 digits:
 * province {@code 22}, city {@code 08}, county {@code 02}, township {@code 001}, village {@code 001}.
 */
public enum DivisionLevel {
  PROVINCE("province", 0, 2),
  CITY("city", 2, 4),
  COUNTY("county", 4, 6),
  TOWNSHIP("township", 6, 9),
  VILLAGE("village", 9, 12);

  private final String key;
  private final int segmentStart;
  private final int significantDigits;

  DivisionLevel(String key, int segmentStart, int significantDigits) {
    this.key = key;
    this.segmentStart = segmentStart;
    this.significantDigits = significantDigits;
  }

  /** The lower-case name used in files, the database and JSON ({@code "county"}). */
  public String key() {
    return key;
  }

  /** 1 for a province down to 5 for a village. */
  public int depth() {
    return ordinal() + 1;
  }

  /** Index of the first digit of this level's segment in the code. */
  public int segmentStart() {
    return segmentStart;
  }

  /** How many leading digits identify a unit of this level (2, 4, 6, 9, 12); the rest are zero. */
  public int significantDigits() {
    return significantDigits;
  }

  /** The level just above, or {@code null} for a province. */
  public DivisionLevel above() {
    return this == PROVINCE ? null : values()[ordinal() - 1];
  }

  /** The level for a file or database key, if it is one of the five. */
  public static Optional<DivisionLevel> fromKey(String key) {
    for (DivisionLevel level : values()) {
      if (level.key.equals(key)) {
        return Optional.of(level);
      }
    }
    return Optional.empty();
  }

  /** The level of a depth from 1 (province) to 5 (village). */
  public static DivisionLevel ofDepth(int depth) {
    return values()[depth - 1];
  }
}
