package org.yishi.platform.db;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.Times;
import org.yishi.platform.security.Access;

import java.time.ZoneId;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The row handling every store repeats: the first row mapped (or null), all rows mapped, lock a row
 * and read it, and where a row lies for the jurisdiction check. {@code table} is always one of
 * the caller's constant table names, never input.
 */
public final class Rows {
  private Rows() {
  }

  /** The first row mapped by {@code map}, or null when there is none. */
  public static JsonObject first(RowSet<Row> rows, Function<Row, JsonObject> map) {
    var it = rows.iterator();
    return it.hasNext() ? map.apply(it.next()) : null;
  }

  /** Every row mapped by {@code map}, in order. */
  public static JsonArray all(RowSet<Row> rows, Function<Row, JsonObject> map) {
    JsonArray out = new JsonArray();
    rows.forEach(r -> out.add(map.apply(r)));
    return out;
  }

  /**
   * Locks row {@code id} of {@code table} in {@code tx} ({@code SELECT ... FOR UPDATE}) and then reads
   * it with {@code read} in the same transaction; null when there is no such row.
   */
  public static Future<JsonObject> lockThenRead(SqlClient tx, String table, long id,
                                                BiFunction<SqlClient, Long, Future<JsonObject>> read) {
    return tx.preparedQuery("SELECT id FROM " + table + " WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture() : read.apply(tx, id));
  }

  /** Where row {@code id} of {@code table} lies (its station and division), for the route's jurisdiction check; null when none. */
  public static Future<Access.Scope> scopeOf(SqlClient client, String table, long id) {
    return client.preparedQuery("SELECT station_id, division_code FROM " + table + " WHERE id = $1").execute(Tuple.of(id))
        .map(Access.Scope::ofStationRow);
  }

  /**
   * Copies plain columns of {@code r} (text, whole numbers, booleans) into {@code json} under their
   * API names, the one naming rule of every store: {@code division_code} → {@code divisionCode}.
   */
  public static JsonObject columns(JsonObject json, Row r, String... columns) {
    for (String column : columns) {
      json.put(apiName(column), r.getValue(column));
    }
    return json;
  }

  /** Copies timestamp columns of {@code r} into {@code json} under their API names, as ISO text in {@code zone} ({@link Times#iso}). */
  public static JsonObject times(JsonObject json, Row r, ZoneId zone, String... columns) {
    for (String column : columns) {
      json.put(apiName(column), Times.iso(r.getOffsetDateTime(column), zone));
    }
    return json;
  }

  /** {@code created_at} → {@code createdAt}. */
  public static String apiName(String column) {
    StringBuilder out = new StringBuilder(column.length());
    boolean upper = false;
    for (char ch : column.toCharArray()) {
      if (ch == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      }
    }
    return out.toString();
  }
}
