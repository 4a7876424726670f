package org.yishi.outcome;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.SqlClient;

import java.util.List;

/**
 * What outcomes need of the member feature: which committee members may be named on an outcome of a
 * district (as having made the suggestion, or in a typical case). Implemented by the member
 * feature's store, wired by the composition root.
 */
public interface OutcomeMembers {
  /** Fails with a 422 naming {@code field} unless every member may take part in a meeting of the district. */
  Future<Void> requireEligible(SqlClient client, String districtCode, String field, List<Long> memberIds);

  /** The members who may be named on the district's outcomes ({id, name, sector}), for the outcome page's form. */
  Future<JsonArray> candidates(String districtCode);
}
