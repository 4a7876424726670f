package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * All SQL of residents' requests. Besides its own tables it reads (never writes) a station's name
 * and status, the topic categories, and, for the public timeline, whether the topic a request went
 * into was met on and what became of its outcome.
 */
public final class RequestStore {
  private final Pool pool;

  public RequestStore(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  /** The station behind a public page: id, name, status, divisionCode; null when there is none. */
  public Future<JsonObject> station(long id) {
    return pool.preparedQuery("SELECT id, name, status, division_code FROM station WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next())
        .map(r -> r == null ? null : new JsonObject().put("id", r.getLong(0)).put("name", r.getString(1))
            .put("status", r.getString(2)).put("divisionCode", r.getString(3)));
  }

  /** Active topic categories, in their order. */
  public Future<JsonArray> categories() {
    return pool.query("SELECT key, name_zh, name_en FROM topic_category WHERE active ORDER BY sort, key").execute()
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("key", r.getString(0)).put("nameZh", r.getString(1))
              .put("nameEn", r.getString(2))));
          return out;
        });
  }

  /** One limit counter: its key, the start of its window, and the most hits allowed in it. */
  public record Limit(String key, OffsetDateTime window, int max) {
  }

  /** The hits so far in each counter's window (0 when none), in the order given. */
  public Future<int[]> hits(List<Limit> limits) {
    return pool.preparedQuery("""
            SELECT coalesce((SELECT hits FROM resident_request_limit l WHERE l.key = k.key AND l.window_start = k.w), 0)
              FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS k(key, w, n) ORDER BY n""")
        .execute(Tuple.tuple().addArrayOfString(limits.stream().map(Limit::key).toArray(String[]::new))
            .addArrayOfOffsetDateTime(limits.stream().map(Limit::window).toArray(OffsetDateTime[]::new)))
        .map(rows -> {
          int[] out = new int[limits.size()];
          int i = 0;
          for (Row r : rows) {
            out[i++] = r.getInteger(0);
          }
          return out;
        });
  }

  /**
   * Counts one submission against each limit in {@code tx} (the row lock serialises nodes): the
   * index of the first limit now exceeded, or -1. The caller rolls back when one is exceeded.
   */
  public Future<Integer> count(SqlClient tx, List<Limit> limits) {
    return tx.preparedQuery("""
            INSERT INTO resident_request_limit AS l (key, window_start, hits)
            SELECT key, w, 1 FROM unnest($1::text[], $2::timestamptz[]) AS k(key, w) ORDER BY key
            ON CONFLICT (key, window_start) DO UPDATE SET hits = l.hits + 1
            RETURNING key, hits""")
        .execute(Tuple.tuple().addArrayOfString(limits.stream().map(Limit::key).toArray(String[]::new))
            .addArrayOfOffsetDateTime(limits.stream().map(Limit::window).toArray(OffsetDateTime[]::new)))
        .map(rows -> {
          for (Row r : rows) {
            for (int i = 0; i < limits.size(); i++) {
              if (limits.get(i).key().equals(r.getString(0)) && r.getInteger(1) > limits.get(i).max()) {
                return i;
              }
            }
          }
          return -1;
        });
  }

  /** What a resident submitted (already validated). */
  public record NewRequest(long stationId, String category, String description, String place, String phone,
                           LocalDate dueOn) {
  }

  /**
   * Inserts a request with its tracking code, the one-time token of the form it was sent with and
   * the language of that form; answers its id, or null when a request with that token exists
   * already (a second post of the same form: waits for the first one's transaction, then finds it).
   */
  public Future<Long> insert(SqlClient tx, NewRequest r, String code, String token, String locale) {
    return tx.preparedQuery("""
            INSERT INTO resident_request (tracking_code, station_id, division_code, category, description, place, phone, due_on,
                                          submit_token, locale)
            SELECT $1, s.id, s.division_code, $3, $4, $5, $6, $7, $8, $9 FROM station s WHERE s.id = $2
            ON CONFLICT (submit_token) DO NOTHING
            RETURNING id""")
        .execute(Tuple.tuple().addString(code).addLong(r.stationId()).addString(r.category()).addString(r.description())
            .addString(r.place()).addString(r.phone()).addLocalDate(r.dueOn()).addString(token).addString(locale))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** The tracking code of the request sent with a form's one-time token, or null. */
  public Future<String> codeOfToken(SqlClient client, String token) {
    return client.preparedQuery("SELECT tracking_code FROM resident_request WHERE submit_token = $1")
        .execute(Tuple.of(token))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /** The language a request was sent in ('zh-CN', 'en', or null for Chinese). */
  public Future<String> localeOf(SqlClient client, long id) {
    return client.preparedQuery("SELECT locale FROM resident_request WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  public Future<Void> insertPhoto(SqlClient tx, long requestId, String mediaType, Buffer bytes) {
    return tx.preparedQuery("INSERT INTO resident_request_photo (request_id, media_type, content) VALUES ($1, $2, $3)")
        .execute(Tuple.of(requestId, mediaType, bytes)).mapEmpty();
  }

  /** The photo of a request: {@code mediaType} and {@code content}; null when it has none. */
  public Future<JsonObject> photo(long requestId) {
    return pool.preparedQuery("SELECT media_type, content FROM resident_request_photo WHERE request_id = $1")
        .execute(Tuple.of(requestId))
        .map(rows -> rows.size() == 0 ? null : new JsonObject().put("mediaType", rows.iterator().next().getString(0))
            .put("content", rows.iterator().next().getBuffer(1)));
  }

  /**
   * The public timeline of the request with this code, or null. Only steps and plain facts: no
   * description, place, phone, names of staff, or anything about other requests. A merged request
   * shows the progress of the one it was merged into.
   */
  public Future<JsonObject> timeline(String code) {
    // the statement lives in the database (V43): PL/pgSQL keeps its plan per connection, and
    // planning it was most of the page's database CPU (docs/benchmarks.md)
    return pool.preparedQuery("SELECT * FROM request_timeline($1)")
        .execute(Tuple.of(code))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          // times as Instants (JSON writes them as ISO-8601 text): the page's steps read them without parsing
          return new JsonObject().put("status", r.getString(0)).put("receivedAt", instant(r, 1))
              .put("dueOn", r.getLocalDate(2).toString()).put("triagedAt", instant(r, 3)).put("reply", r.getString(4))
              .put("stationName", r.getString(5)).put("categoryZh", r.getString(6)).put("categoryEn", r.getString(7))
              .put("effectiveStatus", r.getString(8)).put("effectiveTriagedAt", instant(r, 9)).put("effectiveReply", r.getString(10))
              .put("acceptedAt", instant(r, 11)).put("heldAt", instant(r, 12)).put("outcomeAt", instant(r, 13))
              .put("implementedAt", instant(r, 14)).put("ratedAt", instant(r, 15)).put("satisfaction", r.getString(16));
        });
  }

  private static java.time.Instant instant(Row r, int i) {
    OffsetDateTime t = r.getOffsetDateTime(i);
    return t == null ? null : t.toInstant();
  }

  private static String ts(Row r, int i) {
    OffsetDateTime t = r.getOffsetDateTime(i);
    return t == null ? null : t.toInstant().toString();
  }

  /** Where a request lies, for the jurisdiction check of routes naming one. */
  public Future<Access.Scope> scopeOf(long id) {
    return pool.preparedQuery(Kept.sql("SELECT station_id, division_code FROM resident_request WHERE id = $1"))
        .execute(Tuple.of(id)).map(Access.Scope::ofStationRow);
  }

  private static final String COLUMNS = """
      r.id, r.tracking_code, r.station_id, s.name AS station_name, r.division_code, r.category, c.name_zh, c.name_en,
      r.description, r.place, r.phone, r.phone_erased_at, r.status, r.reply, r.merged_into, r.hidden_reason,
      r.due_on, r.created_at, r.triaged_at, (SELECT topic_id FROM topic_request tr WHERE tr.request_id = r.id),
      EXISTS (SELECT 1 FROM resident_request_photo p WHERE p.request_id = r.id), r.version""";

  private static final String FROM = """
       FROM resident_request r JOIN station s ON s.id = r.station_id JOIN topic_category c ON c.key = r.category""";

  private static JsonObject row(Row r) {
    return new JsonObject().put("id", r.getLong(0)).put("trackingCode", r.getString(1)).put("stationId", r.getLong(2))
        .put("stationName", r.getString(3)).put("divisionCode", r.getString(4)).put("category", r.getString(5))
        .put("categoryZh", r.getString(6)).put("categoryEn", r.getString(7)).put("description", r.getString(8))
        .put("place", r.getString(9)).put("phone", r.getString(10)).put("phoneErased", r.getValue(11) != null)
        .put("status", r.getString(12)).put("reply", r.getString(13)).put("mergedInto", r.getLong(14))
        .put("hiddenReason", r.getString(15)).put("dueOn", r.getLocalDate(16).toString())
        .put("createdAt", ts(r, 17)).put("triagedAt", ts(r, 18)).put("topicId", r.getLong(19))
        .put("hasPhoto", r.getBoolean(20)).put("version", r.getInteger(21));
  }

  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + COLUMNS + " " + FROM + " WHERE r.id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : row(rows.iterator().next()));
  }

  public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
    return tx.preparedQuery("SELECT " + COLUMNS + " " + FROM + " WHERE r.id = $1 FOR UPDATE OF r").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : row(rows.iterator().next()));
  }

  /** The list filters: a status (null: all), a station (null: all the caller may see). */
  public record Filter(String status, Long stationId) {
  }

  /** Requests within the caller's jurisdiction, newest first, with the total. */
  public Future<JsonObject> list(Jurisdiction j, Filter f, PageRequest page) {
    String prefix = j.isAll() || j.stationIds() != null ? null : j.sqlPrefix();
    Long[] stations = j.stationIds() == null ? null : j.stationIds().toArray(Long[]::new);
    Tuple args = Tuple.tuple().addString(prefix).addArrayOfLong(stations).addString(f.status()).addLong(f.stationId())
        .addInteger(page.size()).addInteger(page.offset());
    String where = """
         WHERE ($1::text IS NULL OR r.division_code LIKE $1 || '%')
           AND ($2::bigint[] IS NULL OR r.station_id = ANY($2))
           AND ($3::text IS NULL OR r.status = $3)
           AND ($4::bigint IS NULL OR r.station_id = $4)""";
    return pool.preparedQuery("SELECT " + COLUMNS + ", count(*) OVER () " + FROM + " " + where
            + " ORDER BY r.created_at DESC, r.id DESC LIMIT $5 OFFSET $6")
        .execute(args)
        .map(rows -> {
          JsonArray items = new JsonArray();
          long total = 0;
          for (Row r : rows) {
            items.add(row(r));
            total = r.getLong(22);
          }
          return new JsonObject().put("items", items).put("total", total);
        });
  }

  /** Requests still waiting for triage at stations the caller may see, oldest first (the work queue). */
  public Future<JsonArray> waiting(Jurisdiction j, int limit) {
    return list(j, new Filter("received", null), new PageRequest(1, limit)).map(o -> {
      JsonArray items = o.getJsonArray("items");
      JsonArray out = new JsonArray();
      for (int i = items.size() - 1; i >= 0; i--) {
        out.add(items.getValue(i));
      }
      return out;
    });
  }

  /** Moves a received request on (one status change; the trigger counts it). False when no longer received. */
  public Future<Boolean> triage(SqlClient tx, long id, String status, String reply, Long mergedInto, String hiddenReason,
                                long actor) {
    return tx.preparedQuery("""
            UPDATE resident_request SET status = $2, reply = $3, merged_into = $4, hidden_reason = $5,
                   triaged_at = now(), triaged_by = $6, version = version + 1
             WHERE id = $1 AND status = 'received'""")
        .execute(Tuple.tuple().addLong(id).addString(status).addString(reply).addLong(mergedInto).addString(hiddenReason)
            .addLong(actor))
        .map(rows -> rows.rowCount() == 1);
  }

  public Future<Void> link(SqlClient tx, long topicId, long requestId) {
    return tx.preparedQuery("INSERT INTO topic_request (topic_id, request_id) VALUES ($1, $2)")
        .execute(Tuple.of(topicId, requestId)).mapEmpty();
  }

  /**
   * Erases the phone numbers of requests received before {@code before}, and in the same statement
   * every copy of them in the outbox (queue and delivery log): the recipient of the request's text
   * messages is masked, an unsent one is given up, and any number is cut out of the gateway's reply
   * and the last error. Answers how many requests' numbers were erased.
   */
  public Future<Integer> erasePhones(Instant before) {
    return pool.preparedQuery("""
            WITH old AS (SELECT id, phone FROM resident_request WHERE phone IS NOT NULL AND created_at < $1 FOR UPDATE),
                 erased AS (UPDATE resident_request r SET phone = NULL, phone_erased_at = now()
                              FROM old WHERE r.id = old.id RETURNING r.id),
                 copies AS (UPDATE outbox o SET recipient = left(old.phone, 3) || '****' || right(old.phone, 4),
                                   failed_at = CASE WHEN o.sent_at IS NULL THEN coalesce(o.failed_at, now()) ELSE o.failed_at END,
                                   last_error = CASE WHEN o.sent_at IS NULL THEN 'number erased after the retention period'
                                                     ELSE regexp_replace(o.last_error, '1[3-9][0-9]{9}', '***********', 'g') END,
                                   gateway_reply = regexp_replace(o.gateway_reply, '1[3-9][0-9]{9}', '***********', 'g')
                              FROM old
                             WHERE o.kind = 'resident_request' AND o.recipient = old.phone
                               AND o.dedupe_key LIKE 'request:' || old.id || ':%'
                            RETURNING o.id)
            SELECT (SELECT count(*) FROM erased), (SELECT count(*) FROM copies)""")
        .execute(Tuple.of(OffsetDateTime.ofInstant(before, ZoneOffset.UTC)))
        .map(rows -> rows.iterator().next().getLong(0).intValue());
  }

  /**
   * The text messages due for the steps a linked request's topic has reached (meeting held,
   * outcome agreed, carried out, rated), to residents who left a number, not yet queued (each step
   * once per request, by {@code dedupe_key}).
   */
  public Future<List<Sms.Message>> progressSteps() {
    return pool.query("""
            WITH steps AS (
              SELECT r.id, r.phone, r.tracking_code, r.locale, 'held' AS step
                FROM resident_request r JOIN topic_request tr ON tr.request_id = r.id
               WHERE r.phone IS NOT NULL AND EXISTS (SELECT 1 FROM meeting m WHERE m.topic_id = tr.topic_id AND m.status = 'held')
              UNION ALL
              SELECT r.id, r.phone, r.tracking_code, r.locale, s.step
                FROM resident_request r JOIN topic_request tr ON tr.request_id = r.id
                JOIN LATERAL (SELECT min(o.created_at) AS agreed, min(o.implemented_at) AS implemented, min(o.rated_at) AS rated
                                FROM outcome o JOIN meeting m ON m.id = o.meeting_id WHERE m.topic_id = tr.topic_id) x ON true
                CROSS JOIN LATERAL (VALUES ('outcome', x.agreed), ('implemented', x.implemented), ('rated', x.rated)) AS s(step, at)
               WHERE r.phone IS NOT NULL AND s.at IS NOT NULL)
            SELECT id, phone, tracking_code, locale, step FROM steps
             WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'request:' || steps.id || ':' || steps.step)
             ORDER BY id, step""").execute()
        .map(rows -> {
          List<Sms.Message> out = new java.util.ArrayList<>();
          for (Row r : rows) {
            out.add(new Sms.Message(r.getLong(0), r.getString(1), r.getString(4), r.getString(2), Sms.locale(r.getString(3))));
          }
          return out;
        });
  }

  /** Drops limit counters whose window started before {@code before}. */
  public Future<Integer> dropOldCounters(Instant before) {
    return pool.preparedQuery("DELETE FROM resident_request_limit WHERE window_start < $1")
        .execute(Tuple.of(OffsetDateTime.ofInstant(before, ZoneOffset.UTC)))
        .map(rows -> rows.rowCount());
  }

  /**
   * The request counters within the caller's jurisdiction for months {@code from}..{@code to}: the
   * totals, one row per category and one per station.
   */
  public Future<JsonObject> counters(Jurisdiction j, LocalDate from, LocalDate to) {
    String prefix = j.isAll() || j.stationIds() != null ? null : j.sqlPrefix();
    Long[] stations = j.stationIds() == null ? null : j.stationIds().toArray(Long[]::new);
    return pool.preparedQuery("""
            SELECT grouping(x.category) AS gc, grouping(x.station_id) AS gs, x.category, x.station_id, min(s.name),
                   sum(received), sum(answered_in_time), sum(turned_into_topics), sum(answered_directly), sum(declined),
                   sum(merged), sum(hidden)
              FROM stats_request_month x JOIN station s ON s.id = x.station_id
             WHERE ($1::text IS NULL OR x.division_code LIKE $1 || '%')
               AND ($2::bigint[] IS NULL OR x.station_id = ANY($2))
               AND x.month BETWEEN $3 AND $4
             GROUP BY GROUPING SETS ((), (x.category), (x.station_id))
             ORDER BY gc, gs, x.category, x.station_id""")
        .execute(Tuple.tuple().addString(prefix).addArrayOfLong(stations).addLocalDate(from).addLocalDate(to))
        .map(rows -> {
          JsonObject out = new JsonObject().put("totals", counts(null)).put("byCategory", new JsonArray())
              .put("byStation", new JsonArray());
          for (Row r : rows) {
            JsonObject c = counts(r);
            if (r.getInteger(0) == 1 && r.getInteger(1) == 1) {
              out.put("totals", c);
            } else if (r.getInteger(0) == 0) {
              out.getJsonArray("byCategory").add(c.put("category", r.getString(2)));
            } else {
              out.getJsonArray("byStation").add(c.put("stationId", r.getLong(3)).put("stationName", r.getString(4)));
            }
          }
          return out;
        });
  }

  private static JsonObject counts(Row r) {
    String[] keys = {"received", "answered_in_time", "turned_into_topics", "answered_directly", "declined", "merged", "hidden"};
    JsonObject o = new JsonObject();
    for (int i = 0; i < keys.length; i++) {
      o.put(keys[i], r == null || r.getValue(5 + i) == null ? 0L : r.getNumeric(5 + i).longValue());
    }
    return o;
  }
}
