package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.SqlClient;

import java.util.List;

/**
 * What meetings and records need of the member feature: who may be invited to (and attend) a meeting
 * of a district. Implemented by the member feature's store, wired by the composition root.
 */
public interface CommitteeMembers {
  /** The active members who may be invited to a meeting in the district, for the meeting form. */
  Future<JsonArray> candidatesFor(String districtCode);

  /** Fails with a 422 naming {@code field} unless every member id may take part in a meeting of the district. */
  Future<Void> requireEligible(SqlClient client, String districtCode, String field, List<Long> memberIds);
}
