package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.Input;

import java.time.LocalDate;
import java.util.List;

/**
 * What filing a record needs of the outcome feature: the outcomes filed with a record are read by
 * the outcome feature's own rules and created in the record's transaction. Implemented by the
 * outcome feature's service, wired by the composition root.
 */
public interface OutcomeFiling {
  /** Reads one outcome's fields from {@code in} (its errors go to {@code in}); the answer creates it. */
  Pending read(Input in, LocalDate today);

  /**
   * Creates the outcomes read by {@link #read} for the meeting in {@code tx}, in as few statements as
   * the outcome feature can (each with its history and audit entry); answers them in the given order.
   */
  Future<List<JsonObject>> insertAll(SqlClient tx, Principal actor, long meetingId, List<Pending> pending);

  /** After the record's commit: the created outcome's domain event, as its own request would publish it. */
  void publishCreated(JsonObject outcome);

  /** An outcome read and not yet created. */
  interface Pending {
    /** Creates it for the meeting in {@code tx} (with its history and audit entry); answers the outcome. */
    Future<JsonObject> insert(SqlClient tx, Principal actor, long meetingId);
  }
}
