package org.yishi.platform.security;

import org.yishi.platform.http.AppException;

import java.util.Set;

/**
 * What part of the network a user may see and change. Division codes carry their ancestors as a
 * prefix (2 digits province, 4 city, 6 county, 9 township, 12 village), so "inside" is a prefix
 * test: a district's staff cover every code starting with the district's six digits. Station
 * coordinators cover only their own stations.
 *
 * <p>This is the one authorisation check: routes call {@link #requireDivision} or
 * {@link #requireStation} (usually through an {@link Access} scope resolver) and lists filter with
 * {@link #sqlPrefix()} and {@link #stationIds()}.
 */
public final class Jurisdiction {
  private static final Jurisdiction ALL = new Jurisdiction(null, null);

  private final String prefix;        // null: everything
  private final Set<Long> stationIds; // non-null: exactly these stations

  private Jurisdiction(String prefix, Set<Long> stationIds) {
    this.prefix = prefix;
    this.stationIds = stationIds == null ? null : Set.copyOf(stationIds);
  }

  public static Jurisdiction all() {
    return ALL;
  }

  /** Everything inside the unit with this 12-digit code. */
  public static Jurisdiction division(String code) {
    return new Jurisdiction(prefixOf(code), null);
  }

  /** Exactly these stations (the code of their district is kept for listing users). */
  public static Jurisdiction stations(Set<Long> ids) {
    return new Jurisdiction(null, ids);
  }

  /** The significant prefix of a 12-digit division code (its ancestors' digits plus its own). */
  public static String prefixOf(String code) {
    if (code == null || !code.matches("\\d{12}")) {
      throw new IllegalArgumentException("not a 12-digit division code: " + code);
    }
    if (code.endsWith("0000000000")) {
      return code.substring(0, 2);
    }
    if (code.endsWith("00000000")) {
      return code.substring(0, 4);
    }
    if (code.endsWith("000000")) {
      return code.substring(0, 6);
    }
    if (code.endsWith("000")) {
      return code.substring(0, 9);
    }
    return code;
  }

  public boolean isAll() {
    return prefix == null && stationIds == null;
  }

  /** Whether a resource located at this division code (not tied to one station) is inside. */
  public boolean coversDivision(String divisionCode) {
    if (isAll()) {
      return true;
    }
    return prefix != null && divisionCode != null && divisionCode.startsWith(prefix);
  }

  /** Whether a station (or a resource of that station) is inside. */
  public boolean coversStation(long stationId, String divisionCode) {
    if (stationIds != null) {
      return stationIds.contains(stationId);
    }
    return coversDivision(divisionCode);
  }

  /** Fails with 403 unless the division code is inside. */
  public void requireDivision(String divisionCode) {
    if (!coversDivision(divisionCode)) {
      throw AppException.forbidden("Outside your jurisdiction");
    }
  }

  /** Fails with 403 unless the station is inside. */
  public void requireStation(long stationId, String divisionCode) {
    if (!coversStation(stationId, divisionCode)) {
      throw AppException.forbidden("Outside your jurisdiction");
    }
  }

  /**
   * For SQL filters: {@code code LIKE prefix || '%'}. Null means no division filter (all, or a
   * station set, which callers filter with {@link #stationIds()}).
   */
  public String sqlPrefix() {
    return prefix;
  }

  /** The stations of a coordinator; null for division-based jurisdictions. */
  public Set<Long> stationIds() {
    return stationIds;
  }

  @Override
  public String toString() {
    return isAll() ? "all" : prefix != null ? "division:" + prefix : "stations:" + stationIds;
  }
}
