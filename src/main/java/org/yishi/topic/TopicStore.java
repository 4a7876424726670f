package org.yishi.topic;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.db.Rows;
import org.yishi.platform.db.Like;
import org.yishi.platform.reliability.ReferenceCache;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.ZoneId;

/** All SQL of topics, their history and the topic categories. Writes take the caller's transaction. */
public record TopicStore(Pool pool, ZoneId zone, org.yishi.platform.db.StatusHistory history) {
  private static final String COLUMNS = """
      t.id, t.station_id, s.name AS station_name, t.division_code, s.district_code, t.title, t.description,
      t.category, c.name_zh AS category_zh, c.name_en AS category_en, t.source, t.plan_item_id,
      pi.title AS plan_item_title, t.proposer, t.proposer_member_id, pm.name AS proposer_member_name, t.q1_answer, t.q1_reason, t.q2_answer, t.q2_reason, t.status,
      t.decision_reason, t.created_by, t.created_at, t.updated_at, t.version""";
  private static final String FROM = """
      FROM topic t JOIN station s ON s.id = t.station_id
      JOIN topic_category c ON c.key = t.category
      LEFT JOIN plan_item pi ON pi.id = t.plan_item_id
      LEFT JOIN member pm ON pm.id = t.proposer_member_id""";
  private static final String WHERE = """
      WHERE """ + Jurisdiction.sqlInside("t.division_code", "t.station_id", 1, 2) + """
        AND ($3::text IS NULL OR t.status = $3)
        AND ($4::bigint IS NULL OR t.station_id = $4)
        AND ($5::text IS NULL OR t.category = $5)
        AND ($6::text IS NULL OR t.title ILIKE $6 OR t.description ILIKE $6 OR t.proposer ILIKE $6)""";

  /** The reference-cache set of topic categories. */
  private static final String CATEGORIES = "topic-categories";

  public TopicStore(Pool pool, ZoneId zone) {
    this(pool, zone, new org.yishi.platform.db.StatusHistory("topic_history", "topic_id", zone));
  }

  JsonObject toJson(Row r) {
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "station_id", "station_name", "division_code", "district_code", "title",
        "description", "category");
    json.put("categoryNameZh", r.getString("category_zh"));
    json.put("categoryNameEn", r.getString("category_en"));
    Rows.columns(json, r, "source", "plan_item_id", "plan_item_title", "proposer", "proposer_member_id",
        "proposer_member_name", "q1_answer", "q1_reason",
        "q2_answer", "q2_reason", "status", "decision_reason", "created_by");
    Rows.times(json, r, zone, "created_at", "updated_at");
    Rows.columns(json, r, "version");
    return json;
  }

  /** One topic, or null. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + "\nWHERE t.id = $1").execute(Tuple.of(id))
        .map(rows -> Rows.first(rows, this::toJson));
  }

  /** Locks the topic row in {@code tx} and reads it (null when there is none). */
  public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
    return Rows.lockThenRead(tx, "topic", id, this::byId);
  }

  /** Where a topic lies (its station and division), for the route's jurisdiction check; null when none. */
  public Future<Access.Scope> scopeOf(long id) {
    return Rows.scopeOf(pool, "topic", id);
  }

  /** List filters; null fields do not filter. */
  public record Filter(TopicStatus status, Long stationId, String category, String q) {
  }

  private static Tuple filterArgs(Jurisdiction j, Filter f) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    String like = Like.contains(f.q());
    return Tuple.tuple().addString(prefix).addArrayOfLong(ids)
        .addString(f.status() == null ? null : f.status().key()).addLong(f.stationId())
        .addString(f.category()).addString(like);
  }

  /** A page of topics inside the jurisdiction, newest first: {@code {"items","total"}}. */
  public Future<JsonObject> list(Jurisdiction j, Filter f, PageRequest page) {
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM topic t\n" + WHERE).execute(filterArgs(j, f))
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + "\n" + WHERE
            + "\nORDER BY t.updated_at DESC, t.id DESC LIMIT $7 OFFSET $8")
        .execute(filterArgs(j, f).addInteger(page.size()).addInteger(page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(toJson(r)));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** The stored values of a new or edited topic. */
  public record TopicValues(String title, String description, String category, TopicSource source, Long planItemId,
                            String proposer, Boolean q1Answer, String q1Reason, Boolean q2Answer, String q2Reason,
                            Long proposerMemberId) {
  }

  private static Tuple values(Tuple t, TopicValues v) {
    return t.addString(v.title()).addString(v.description()).addString(v.category()).addString(v.source().key())
        .addLong(v.planItemId()).addString(v.proposer()).addBoolean(v.q1Answer()).addString(v.q1Reason())
        .addBoolean(v.q2Answer()).addString(v.q2Reason()).addLong(v.proposerMemberId());
  }

  /** Inserts a draft at a station (the division code is copied from the station). */
  public Future<Long> insert(SqlClient tx, long stationId, TopicValues v, Long createdBy) {
    return tx.preparedQuery("""
            INSERT INTO topic (station_id, division_code, title, description, category, source, plan_item_id, proposer,
                               q1_answer, q1_reason, q2_answer, q2_reason, proposer_member_id, created_by)
            SELECT s.id, s.division_code, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM station s WHERE s.id = $1
            RETURNING id""")
        .execute(values(Tuple.tuple().addLong(stationId), v).addLong(createdBy))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Updates a draft's values if {@code version} is current; false when stale. */
  public Future<Boolean> update(SqlClient tx, long id, int version, TopicValues v) {
    return tx.preparedQuery("""
            UPDATE topic SET title = $3, description = $4, category = $5, source = $6, plan_item_id = $7, proposer = $8,
                   q1_answer = $9, q1_reason = $10, q2_answer = $11, q2_reason = $12, proposer_member_id = $13,
                   updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2""")
        .execute(values(Tuple.tuple().addLong(id).addInteger(version), v))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Sets the status; {@code decisionReason} replaces the stored one unless {@code keepReason}. */
  public Future<Void> setStatus(SqlClient tx, long id, TopicStatus to, String decisionReason, boolean keepReason) {
    return tx.preparedQuery("""
            UPDATE topic SET status = $2, decision_reason = CASE WHEN $4 THEN decision_reason ELSE $3 END,
                   updated_at = now(), version = version + 1
             WHERE id = $1""")
        .execute(Tuple.tuple().addLong(id).addString(to.key()).addString(decisionReason).addBoolean(keepReason))
        .mapEmpty();
  }

  public Future<Void> addHistory(SqlClient tx, long topicId, TopicStatus from, TopicStatus to, String reason,
                                 Long actorId, String actorName) {
    return history.add(tx, topicId, from == null ? null : from.key(), to.key(), reason, actorId, actorName);
  }

  /** A topic's status changes, oldest first. */
  public Future<JsonArray> history(long topicId) {
    return history.read(pool, topicId);
  }

  // ---------------------------------------------------------------- categories

  static JsonObject category(Row r) {
    return new JsonObject().put("key", r.getString("key")).put("nameZh", r.getString("name_zh"))
        .put("nameEn", r.getString("name_en")).put("sort", r.getInteger("sort")).put("active", r.getBoolean("active"));
  }

  /** Categories by sort order; inactive ones only when asked. Cached (reference data). */
  public Future<JsonArray> categories(boolean includeInactive) {
    return ReferenceCache.of(pool).get(CATEGORIES, String.valueOf(includeInactive), () -> pool.preparedQuery("""
            SELECT key, name_zh, name_en, sort, active FROM topic_category
             WHERE active OR $1 ORDER BY sort, key""")
        .execute(Tuple.of(includeInactive))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(category(r)));
          return out;
        }));
  }

  /** Tells every node that the categories changed (after the writing transaction committed). */
  public void categoriesChanged() {
    ReferenceCache.of(pool).changed(CATEGORIES);
  }

  /** One category, or null. */
  public Future<JsonObject> category(SqlClient client, String key) {
    return client.preparedQuery("SELECT key, name_zh, name_en, sort, active FROM topic_category WHERE key = $1")
        .execute(Tuple.of(key)).map(rows -> rows.size() == 0 ? null : category(rows.iterator().next()));
  }

  public Future<Void> insertCategory(SqlClient tx, String key, String nameZh, String nameEn, int sort) {
    return tx.preparedQuery("INSERT INTO topic_category (key, name_zh, name_en, sort) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(key, nameZh, nameEn, sort)).mapEmpty();
  }

  /** Renames, re-sorts or (de)activates a category; false when there is none. */
  public Future<Boolean> updateCategory(SqlClient tx, String key, String nameZh, String nameEn, int sort, boolean active) {
    return tx.preparedQuery("UPDATE topic_category SET name_zh = $2, name_en = $3, sort = $4, active = $5 WHERE key = $1")
        .execute(Tuple.of(key, nameZh, nameEn, sort, active)).map(rows -> rows.rowCount() == 1);
  }

  /**
   * For each of {@code memberIds}: the topics naming them as proposing member that were put forward
   * (submitted, approved or rejected; not drafts or withdrawn ones) and created in {@code year}.
   * Members with none are absent.
   */
  public Future<java.util.Map<Long, Long>> proposedCounts(java.util.List<Long> memberIds, int year) {
    return pool.preparedQuery("WITH " + org.yishi.platform.Times.yearWindowSql(2) + """

            SELECT t.proposer_member_id, count(*) FROM topic t, y
             WHERE t.proposer_member_id = ANY($1) AND t.status IN ('submitted', 'approved', 'rejected')
               AND t.created_at >= y.from_at AND t.created_at < y.to_at
             GROUP BY t.proposer_member_id""")
        .execute(Tuple.tuple().addArrayOfLong(memberIds.toArray(new Long[0])).addInteger(year))
        .map(rows -> {
          java.util.Map<Long, Long> out = new java.util.HashMap<>();
          rows.forEach(r -> out.put(r.getLong(0), r.getLong(1)));
          return out;
        });
  }
}
