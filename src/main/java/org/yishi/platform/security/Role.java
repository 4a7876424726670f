package org.yishi.platform.security;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;


/** The roles; each is scoped to a jurisdiction (see {@link Jurisdiction}). */
public enum Role implements Keyed {
  /** Runs the installation: accounts, imports, schedules. Sees everything. */
  ADMIN,
  /** City committee staff: the whole city. */
  CITY_STAFF,
  /** District/county committee staff: one district. */
  DISTRICT_STAFF,
  /** Runs one or more stations: only those stations. */
  STATION_COORDINATOR,
  /** A committee member (委员) signing in: only their own invitations, check-ins and record. */
  MEMBER;

  /** Parses an API/database value; null when unknown. */
  public static Role fromKey(String key) {
    return Keys.parse(Role.class, key);
  }
}
