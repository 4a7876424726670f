package org.yishi.platform.db;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.Times;

import java.time.ZoneId;

/**
 * A status-history table of one kind of record ({@code station_status_history}, {@code topic_history}):
 * rows of {@code (<owner>, from_status, to_status, reason, actor_id, actor_name, at)}, written in the
 * caller's transaction with each status change and read oldest first. The table and owner column
 * are the store's constants, never input; {@code owner} is the column naming the record, e.g.
 * {@code topic_id}.
 */
public record StatusHistory(String table, String owner, ZoneId zone) {

  /** Adds one change ({@code from} null for the first status) in {@code tx}. */
  public Future<Void> add(SqlClient tx, long id, String from, String to, String reason, Long actorId, String actorName) {
    return tx.preparedQuery("INSERT INTO " + table + " (" + owner + ", from_status, to_status, reason, actor_id, actor_name)"
            + " VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.tuple().addLong(id).addString(from).addString(to).addString(reason).addLong(actorId)
            .addString(actorName))
        .mapEmpty();
  }

  /** The record's changes, oldest first: fromStatus, toStatus, reason, actorName, at. */
  public Future<JsonArray> read(SqlClient client, long id) {
    return client.preparedQuery("SELECT from_status, to_status, reason, actor_name, at FROM " + table
            + " WHERE " + owner + " = $1 ORDER BY at, id")
        .execute(Tuple.of(id))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("fromStatus", r.getString("from_status"))
              .put("toStatus", r.getString("to_status")).put("reason", r.getString("reason"))
              .put("actorName", r.getString("actor_name")).put("at", Times.iso(r.getOffsetDateTime("at"), zone))));
          return out;
        });
  }
}
