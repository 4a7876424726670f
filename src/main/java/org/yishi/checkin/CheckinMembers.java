package org.yishi.checkin;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;

import java.util.List;

/** What check-in needs to know about committee members (the member feature answers, wired by the root). */
public interface CheckinMembers {
  /** The member record linked to a member account, or null. */
  Future<Long> memberOf(long accountId);

  /** Fails with a 422 on {@code field} unless every id is an active member eligible for meetings in the district. */
  Future<Void> requireEligible(SqlClient client, String districtCode, String field, List<Long> memberIds);
}
