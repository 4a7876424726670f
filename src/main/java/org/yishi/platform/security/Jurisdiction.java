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
 * {@link #sqlInside} and its arguments {@link #prefixArg()} and {@link #stationIdsArg()}.
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

  /**
   * The one SQL predicate "inside the jurisdiction" for rows located by a division code column and
   * belonging to a station: {@code ($p = '' OR code LIKE $p || '%') AND ($s::bigint[] IS NULL OR
   * station = ANY($s))}, with bind parameters {@code $prefixParam} = {@link #prefixArg()} and
   * {@code $stationsParam} = {@link #stationIdsArg()}. Division codes are digits, so the prefix
   * holds no LIKE wildcard.
   */
  public static String sqlInside(String codeColumn, String stationColumn, int prefixParam, int stationsParam) {
    return sqlInside(codeColumn, prefixParam)
        + " AND ($" + stationsParam + "::bigint[] IS NULL OR " + stationColumn + " = ANY($" + stationsParam + "))";
  }

  /**
   * The division half of {@link #sqlInside(String, String, int, int)}, for rows not tied to a
   * station (committees, accounts, audit entries): {@code ($p = '' OR code LIKE $p || '%')}.
   */
  public static String sqlInside(String codeColumn, int prefixParam) {
    if (!codeColumn.matches("[a-z_]+(\\.[a-z_]+)?") || prefixParam < 1) {
      throw new IllegalArgumentException("not a column or parameter: " + codeColumn + " $" + prefixParam);
    }
    return "($" + prefixParam + " = '' OR " + codeColumn + " LIKE $" + prefixParam + " || '%')";
  }

  /** The prefix argument of {@link #sqlInside}: the division prefix, or {@code ""} when no division filter applies. */
  public String prefixArg() {
    return prefix == null ? "" : prefix;
  }

  /** The station argument of {@link #sqlInside}: a coordinator's station ids, or null when no station filter applies. */
  public Long[] stationIdsArg() {
    return stationIds == null ? null : stationIds.toArray(new Long[0]);
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
