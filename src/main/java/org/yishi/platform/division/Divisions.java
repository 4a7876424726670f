package org.yishi.platform.division;

import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;

/**
 * Read-only lookups of the administrative divisions, the reference data every feature places its
 * things in (stations, committees, dashboards). Owned by platform because most features need it;
 * implemented by the {@code division} feature's store (cached), wired by the composition root.
 */
public interface Divisions {
  /** The unit with this code, if any (empty also for a string that is not a code). */
  Future<Optional<Division>> find(String code);

  /** The units directly below {@code parentCode} in code order, one page of them; {@code null}: the provinces. */
  Future<Page<Division>> children(String parentCode, int limit, int offset);

  /** The chain from the province down to the unit itself; empty when the code is unknown. */
  Future<List<Division>> ancestors(String code);

  /** The townships and villages/communities under a district (by code prefix), in code order. */
  Future<List<Division>> stationSites(String districtPrefix);
}
