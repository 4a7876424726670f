package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/** What the record form needs of check-in: the attendance so far, to start the form from (wired by the root). */
public interface CheckinAttendance {
  Future<JsonObject> attendance(SqlClient client, long meetingId);
}
