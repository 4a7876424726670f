package org.yishi.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.ZoneId;

/** The audit log's reading SQL (entries are written by {@link org.yishi.platform.audit.AuditLog}, inside the changing transaction). */
public final class AuditStore {
  /** The node's time zone (YISHI_ZONE), for calendar days and the times shown. */
  private final ZoneId zone;
  private static final String FILTER = """
      WHERE """ + Jurisdiction.sqlInside("division_code", 1) + """
        AND ($2::text IS NULL OR entity_type = $2)
        AND ($3::text IS NULL OR entity_id = $3)""";
  private final Pool pool;

  public AuditStore(Pool pool, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  /**
   * Entries visible in a jurisdiction, newest first, optionally for one entity type/id, as
   * {@code {"items": [...], "total": N}}. A station set (coordinators) has no division prefix and
   * sees nothing here; routes do not offer the log to coordinators anyway.
   */
  public Future<JsonObject> list(Jurisdiction j, String entityType, String entityId, PageRequest page) {
    String prefix = j.isAll() ? "" : j.sqlPrefix();
    if (prefix == null) {
      return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).put("total", 0));
    }
    Tuple filter = Tuple.of(prefix, entityType, entityId);
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM audit_log " + FILTER).execute(filter)
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("""
            SELECT id, at, actor_id, actor_name, action, entity_type, entity_id, division_code, before, after
            FROM audit_log
            """ + FILTER + """

            ORDER BY at DESC, id DESC
            LIMIT $4 OFFSET $5""")
        .execute(Tuple.of(prefix, entityType, entityId, page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(toJson(r));
          }
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  private JsonObject toJson(Row r) {
    return new JsonObject()
        .put("id", r.getLong("id"))
        .put("at", r.getOffsetDateTime("at").atZoneSameInstant(zone).toOffsetDateTime().toString())
        .put("actorId", r.getLong("actor_id"))
        .put("actorName", r.getString("actor_name"))
        .put("action", r.getString("action"))
        .put("entityType", r.getString("entity_type"))
        .put("entityId", r.getString("entity_id"))
        .put("divisionCode", r.getString("division_code"))
        .put("before", (JsonObject) r.getValue("before"))
        .put("after", (JsonObject) r.getValue("after"));
  }
}
