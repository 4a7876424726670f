package org.yishi.platform.security;

import java.util.Set;

/**
 * The signed-in user as seen by routes: identity, role and jurisdiction. Loaded fresh (or from a
 * short cache invalidated cluster-wide) on each request, so disabling an account takes effect at once.
 *
 * @param scopeCode the city code (city staff) or district code (district staff, coordinators); null for admin
 */
public record Principal(long id, String username, String displayName, Role role, String scopeCode,
                        Set<Long> stationIds, String locale, boolean mustChangePassword) {

  public Principal {
    stationIds = stationIds == null ? Set.of() : Set.copyOf(stationIds);
  }

  /** The part of the network this user may see and change. */
  public Jurisdiction jurisdiction() {
    return switch (role) {
      case ADMIN -> Jurisdiction.all();
      case CITY_STAFF, DISTRICT_STAFF -> Jurisdiction.division(scopeCode);
      case STATION_COORDINATOR -> Jurisdiction.stations(stationIds);
    };
  }

  /** How this user is named in the histories people read: the display name, else the username. */
  public String shownName() {
    return displayName == null || displayName.isBlank() ? username : displayName;
  }

  public boolean is(Role r) {
    return role == r;
  }
}
