package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/**
 * What the member feature needs of the station registry (members are assigned to stations).
 * Implemented by the station feature's store, wired by the composition root.
 */
public interface StationLookup {
  /** The station, or null. */
  Future<JsonObject> byId(long id);

  /** The station locked for the rest of {@code tx}, or null. */
  Future<JsonObject> byIdForUpdate(SqlClient tx, long id);

  /** The station's division code, or null for an unknown station. */
  Future<String> divisionOf(long id);
}
