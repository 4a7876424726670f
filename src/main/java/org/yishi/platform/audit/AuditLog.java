package org.yishi.platform.audit;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;

/**
 * The writer of the audit log ({@code audit_log}), used by every feature that changes something:
 * an entry is written inside the caller's transaction, so it commits or rolls back with the change it
 * describes. Cross-cutting and free of feature rules, so it lives in platform; the {@code audit}
 * feature is the log's viewer.
 */
public final class AuditLog {
  private AuditLog() {
  }

  /** Appends an entry using {@code tx}, so it commits or rolls back with the change it describes. */
  public static Future<Void> record(SqlClient tx, AuditEntry e) {
    return tx.preparedQuery(INSERT).execute(tuple(e)).mapEmpty();
  }

  /** Several entries in one round trip (one batch of the same statement), in the caller's transaction. */
  public static Future<Void> recordAll(SqlClient tx, java.util.List<AuditEntry> entries) {
    return entries.isEmpty() ? Future.succeededFuture()
        : tx.preparedQuery(INSERT).executeBatch(entries.stream().map(AuditLog::tuple).toList()).mapEmpty();
  }

  private static final String INSERT = Kept.sql("""
      INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, division_code, before, after)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""");

  private static Tuple tuple(AuditEntry e) {
    return Tuple.of(e.actorId(), e.actorName(), e.action(), e.entityType(), e.entityId())
        .addValue(e.divisionCode()).addValue(e.before()).addValue(e.after());
  }
}
