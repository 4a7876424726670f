package org.yishi.plan;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Rows;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.ZoneId;

/**
 * All SQL of yearly plans and their items, including the progress read model: an item is
 * "held" once a topic linked to it has a held meeting, "scheduled" once one has a scheduled
 * meeting, else "planned" (withdrawn topics do not count).
 */
public record PlanStore(Pool pool, ZoneId zone) {
  private static final String PLAN = """
      p.id, p.committee_id, c.name AS committee_name, c.level AS committee_level, c.division_code, p.year, p.title,
      p.created_at, p.updated_at, p.version,
      (SELECT count(*) FROM plan_item i WHERE i.plan_id = p.id) AS items,
      (SELECT count(*) FROM plan_item i WHERE i.plan_id = p.id AND EXISTS (
          SELECT 1 FROM topic t JOIN meeting m ON m.topic_id = t.id
           WHERE t.plan_item_id = i.id AND t.status <> 'withdrawn' AND m.status = 'held')) AS held_items,
      (SELECT count(*) FROM plan_item i WHERE i.plan_id = p.id AND EXISTS (
          SELECT 1 FROM topic t JOIN meeting m ON m.topic_id = t.id
           WHERE t.plan_item_id = i.id AND t.status <> 'withdrawn' AND m.status = 'scheduled') AND NOT EXISTS (
          SELECT 1 FROM topic t JOIN meeting m ON m.topic_id = t.id
           WHERE t.plan_item_id = i.id AND t.status <> 'withdrawn' AND m.status = 'held')) AS scheduled_items
      FROM plan p JOIN committee c ON c.id = p.committee_id""";
  private static final String ITEM = """
      SELECT i.id, i.plan_id, i.title, i.description, i.kind, i.category, tc.name_zh AS category_zh,
             tc.name_en AS category_en, i.target_quarter, i.sort,
             count(DISTINCT t.id) AS topics,
             count(m.id) FILTER (WHERE m.status = 'scheduled') AS scheduled_meetings,
             count(m.id) FILTER (WHERE m.status = 'held') AS held_meetings,
             CASE WHEN count(m.id) FILTER (WHERE m.status = 'held') > 0 THEN 'held'
                  WHEN count(m.id) FILTER (WHERE m.status = 'scheduled') > 0 THEN 'scheduled'
                  ELSE 'planned' END AS progress
        FROM plan_item i
        LEFT JOIN topic_category tc ON tc.key = i.category
        LEFT JOIN topic t ON t.plan_item_id = i.id AND t.status <> 'withdrawn'
        LEFT JOIN meeting m ON m.topic_id = t.id""";
  private static final String ITEM_GROUP = "GROUP BY i.id, tc.name_zh, tc.name_en";

  JsonObject plan(Row r) {
    long items = r.getLong("items");
    long held = r.getLong("held_items");
    long scheduled = r.getLong("scheduled_items");
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "committee_id", "committee_name", "committee_level", "division_code", "year", "title");
    Rows.times(json, r, zone, "created_at", "updated_at");
    Rows.columns(json, r, "version");
    return json.put("progress", new JsonObject().put("items", items).put("planned", items - held - scheduled)
        .put("scheduled", scheduled).put("held", held));
  }

  static JsonObject item(Row r) {
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "plan_id", "title", "description", "kind", "category");
    json.put("categoryNameZh", r.getString("category_zh"));
    json.put("categoryNameEn", r.getString("category_en"));
    Rows.columns(json, r, "target_quarter", "sort", "topics", "scheduled_meetings", "held_meetings", "progress");
    return json;
  }

  /** One plan with its progress summary, or null. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + PLAN + "\nWHERE p.id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : plan(rows.iterator().next()));
  }

  /** Locks a plan row in {@code tx} (item changes and edits serialise on it) and reads it. */
  public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
    return Rows.lockThenRead(tx, "plan", id, this::byId);
  }

  /** The division code of a plan's committee (for the route's scope check), or null. */
  public Future<String> divisionOf(long id) {
    return pool.preparedQuery("SELECT c.division_code FROM plan p JOIN committee c ON c.id = p.committee_id WHERE p.id = $1")
        .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /** Plans of committees inside the jurisdiction, newest year first: {@code {"items","total"}}. */
  public Future<JsonObject> list(Jurisdiction j, Long committeeId, Integer year, PageRequest page) {
    String prefix = j.prefixArg();
    String where = """
        WHERE """ + Jurisdiction.sqlInside("c.division_code", 1) + """
          AND ($2::bigint IS NULL OR p.committee_id = $2)
          AND ($3::integer IS NULL OR p.year = $3)""";
    Tuple args = Tuple.tuple().addString(prefix).addLong(committeeId).addInteger(year);
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM plan p JOIN committee c ON c.id = p.committee_id\n" + where)
        .execute(args).map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + PLAN + "\n" + where
            + "\nORDER BY p.year DESC, c.level, c.division_code LIMIT $4 OFFSET $5")
        .execute(Tuple.tuple().addString(prefix).addLong(committeeId).addInteger(year)
            .addInteger(page.size()).addInteger(page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(plan(r)));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  public Future<Long> insert(SqlClient tx, long committeeId, int year, String title) {
    return tx.preparedQuery("INSERT INTO plan (committee_id, year, title) VALUES ($1, $2, $3) RETURNING id")
        .execute(Tuple.of(committeeId, year, title)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Changes year and title if {@code version} is current; false when stale. */
  public Future<Boolean> update(SqlClient tx, long id, int version, int year, String title) {
    return tx.preparedQuery("""
            UPDATE plan SET year = $3, title = $4, updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2""")
        .execute(Tuple.of(id, version, year, title)).map(rows -> rows.rowCount() == 1);
  }

  /** Marks a plan as changed (its items changed). */
  public Future<Void> touch(SqlClient tx, long id) {
    return tx.preparedQuery("UPDATE plan SET updated_at = now() WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  // ---------------------------------------------------------------- items

  /** A plan's items with their progress, by target quarter. */
  public Future<JsonArray> items(SqlClient client, long planId) {
    return client.preparedQuery(ITEM + "\nWHERE i.plan_id = $1\n" + ITEM_GROUP + "\nORDER BY i.target_quarter, i.sort, i.id")
        .execute(Tuple.of(planId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(item(r)));
          return out;
        });
  }

  /** One item of a plan, or null (also when the item belongs to another plan). */
  public Future<JsonObject> item(SqlClient client, long planId, long itemId) {
    return client.preparedQuery(ITEM + "\nWHERE i.plan_id = $1 AND i.id = $2\n" + ITEM_GROUP)
        .execute(Tuple.of(planId, itemId))
        .map(rows -> rows.size() == 0 ? null : item(rows.iterator().next()));
  }

  /** The values of a new or edited item. */
  public record ItemValues(String title, String description, PlanItemKind kind, String category, int targetQuarter,
                           int sort) {
  }

  public Future<Long> insertItem(SqlClient tx, long planId, ItemValues v) {
    return tx.preparedQuery("""
            INSERT INTO plan_item (plan_id, title, description, kind, category, target_quarter, sort)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""")
        .execute(Tuple.tuple().addLong(planId).addString(v.title()).addString(v.description())
            .addString(v.kind().key()).addString(v.category()).addInteger(v.targetQuarter()).addInteger(v.sort()))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Void> updateItem(SqlClient tx, long itemId, ItemValues v) {
    return tx.preparedQuery("""
            UPDATE plan_item SET title = $2, description = $3, kind = $4, category = $5, target_quarter = $6, sort = $7
             WHERE id = $1""")
        .execute(Tuple.tuple().addLong(itemId).addString(v.title()).addString(v.description())
            .addString(v.kind().key()).addString(v.category()).addInteger(v.targetQuarter()).addInteger(v.sort()))
        .mapEmpty();
  }

  public Future<Void> deleteItem(SqlClient tx, long itemId) {
    return tx.preparedQuery("DELETE FROM plan_item WHERE id = $1").execute(Tuple.of(itemId)).mapEmpty();
  }

  /** How many topics (of any status) name this item. */
  public Future<Long> topicsLinked(SqlClient client, long itemId) {
    return client.preparedQuery("SELECT count(*) FROM topic WHERE plan_item_id = $1").execute(Tuple.of(itemId))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Whether a category exists and is active. */
  public Future<Boolean> categoryUsable(SqlClient client, String key) {
    return client.preparedQuery("SELECT active FROM topic_category WHERE key = $1").execute(Tuple.of(key))
        .map(rows -> rows.size() == 1 && rows.iterator().next().getBoolean(0));
  }

  // ---------------------------------------------------------------- for topics

  /** The division code of the committee whose plan holds this item, or null when there is no such item. */
  public Future<String> committeeCodeOfItem(SqlClient client, long itemId) {
    return client.preparedQuery("""
            SELECT c.division_code FROM plan_item i JOIN plan p ON p.id = i.plan_id JOIN committee c ON c.id = p.committee_id
             WHERE i.id = $1""")
        .execute(Tuple.of(itemId)).map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /**
   * The items a topic at a station of {@code districtCode} may be taken from: the plans of the
   * district committee and of its city committee, newest year first.
   */
  public Future<JsonArray> itemChoices(String districtCode) {
    return pool.preparedQuery("""
            SELECT i.id, i.title, i.target_quarter, p.year, c.name AS committee_name
              FROM plan_item i JOIN plan p ON p.id = i.plan_id JOIN committee c ON c.id = p.committee_id
             WHERE c.division_code IN ($1, $2)
             ORDER BY p.year DESC, c.level, i.target_quarter, i.sort, i.id""")
        .execute(Tuple.of(districtCode, districtCode.substring(0, 4) + "00000000"))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong("id")).put("title", r.getString("title"))
              .put("targetQuarter", r.getInteger("target_quarter")).put("year", String.valueOf(r.getInteger("year")))
              .put("committeeName", r.getString("committee_name"))));
          return out;
        });
  }
}
