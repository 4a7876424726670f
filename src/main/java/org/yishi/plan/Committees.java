package org.yishi.plan;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/**
 * What the plan feature needs of the member feature: a plan belongs to a committee. Implemented by
 * the member feature's store, wired by the composition root.
 */
public interface Committees {
  /** The committees whose division code starts with {@code prefix} ("" for all). */
  Future<JsonArray> committees(String prefix);

  /** The committee, or null. */
  Future<JsonObject> committee(SqlClient client, long id);
}
