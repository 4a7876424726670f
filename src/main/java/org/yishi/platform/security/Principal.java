package org.yishi.platform.security;

import java.util.Set;

/**
 * The signed-in user as seen by routes: identity, role and jurisdiction. Loaded fresh (or from a
 * short cache invalidated cluster-wide) on each request, so disabling an account takes effect at once.
 *
 * @param scopeCode the city code (city staff) or district code (district staff, coordinators); null for admin
 * @param sessionEpoch the account's sign-in generation: raised by a password change or reset and by disabling,
 *                     it ends every browser session signed in under an earlier value
 */
public record Principal(long id, String username, String displayName, Role role, String scopeCode,
                        Set<Long> stationIds, String locale, boolean mustChangePassword, long sessionEpoch) {

  public Principal {
    stationIds = stationIds == null ? Set.of() : Set.copyOf(stationIds);
  }

  /** The part of the network this user may see and change. */
  public Jurisdiction jurisdiction() {
    return switch (role) {
      case ADMIN -> Jurisdiction.all();
      case CITY_STAFF, DISTRICT_STAFF -> Jurisdiction.division(scopeCode);
      case STATION_COORDINATOR -> Jurisdiction.stations(stationIds);
      // a member's pages ask for the member's own rows by id; through lists they see nothing
      case MEMBER -> Jurisdiction.stations(Set.of());
    };
  }

  /** How this user is named in the histories people read: the display name, else the username. */
  public String shownName() {
    return displayName == null || displayName.isBlank() ? username : displayName;
  }

  /**
   * Whether {@code other} (the same account read again) still holds exactly this grant: same role,
   * scope, stations and sign-in generation. Long-lived answers (event streams) end when it does not.
   */
  public boolean sameGrant(Principal other) {
    return other != null && other.id == id && other.role == role && java.util.Objects.equals(other.scopeCode, scopeCode)
        && other.stationIds.equals(stationIds) && other.sessionEpoch == sessionEpoch;
  }

  public boolean is(Role r) {
    return role == r;
  }
}
