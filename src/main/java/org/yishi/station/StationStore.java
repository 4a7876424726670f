package org.yishi.station;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Rows;
import org.yishi.platform.db.Like;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** All SQL of stations, their status history and their members. Writes take the caller's transaction. */
public record StationStore(Pool pool, ZoneId zone, org.yishi.platform.db.StatusHistory history) {
  private static final String COLUMNS = """
      s.id, s.name, s.type, s.level, s.division_code, d.name AS division_name, s.district_code,
      dd.name AS district_name, s.committee_id, s.address, s.latitude, s.longitude, s.opening_hours,
      s.contact_name, s.contact_phone, s.founded_on, s.status, s.status_reason, s.created_at, s.updated_at, s.version,
      s.promised_days""";
  private static final String FROM = """
       FROM station s JOIN division d ON d.code = s.division_code
       LEFT JOIN division dd ON dd.code = s.district_code""";

  public StationStore(Pool pool, ZoneId zone) {
    this(pool, zone, new org.yishi.platform.db.StatusHistory("station_status_history", "station_id", zone));
  }

  /** What is stored for a station, as the API shows it. */
  JsonObject toJson(Row r) {
    BigDecimal lat = r.getBigDecimal("latitude");
    BigDecimal lon = r.getBigDecimal("longitude");
    LocalDate founded = r.getLocalDate("founded_on");
    JsonObject json = new JsonObject();
    Rows.columns(json, r, "id", "name", "type", "level", "division_code", "division_name", "district_code",
        "district_name", "committee_id", "address");
    json.put("latitude", lat == null ? null : lat.doubleValue());
    json.put("longitude", lon == null ? null : lon.doubleValue());
    Rows.columns(json, r, "opening_hours", "contact_name", "contact_phone");
    json.put("foundedOn", founded == null ? null : founded.toString());
    Rows.columns(json, r, "status", "status_reason");
    Rows.times(json, r, zone, "created_at", "updated_at");
    // days within which the station promises to answer a resident's request (null: the node's default)
    Rows.columns(json, r, "version", "promised_days");
    return json;
  }

  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + COLUMNS + "\n" + FROM + " WHERE s.id = $1").execute(Tuple.of(id)).map(rows -> Rows.first(rows, this::toJson));
  }

  public Future<JsonObject> byId(long id) {
    return byId(pool, id);
  }

  /** Locks the station row for a status change or edit in {@code tx}. */
  public Future<JsonObject> byIdForUpdate(SqlClient tx, long id) {
    return Rows.lockThenRead(tx, "station", id, this::byId);
  }

  /** Division code of a station, or null when there is no such station (for the route's scope check). */
  public Future<String> divisionOf(long id) {
    return pool.preparedQuery("SELECT division_code FROM station WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /** Filters for lists and exports; null fields do not filter. */
  public record Filter(String within, String q, StationStatus status, StationType type) {
  }

  private static final String WHERE = """
       WHERE """ + Jurisdiction.sqlInside("s.division_code", "s.id", 1, 2) + """
         AND ($3 = '' OR s.division_code LIKE $3 || '%')
         AND ($4::text IS NULL OR s.name ILIKE $4 OR s.address ILIKE $4)
         AND ($5::text IS NULL OR s.status = $5)
         AND ($6::text IS NULL OR s.type = $6)""";

  private static Tuple filterArgs(Jurisdiction j, Filter f) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    String like = Like.contains(f.q());
    return Tuple.tuple().addString(prefix).addArrayOfLong(ids).addString(f.within() == null ? "" : f.within())
        .addString(like).addString(f.status() == null ? null : f.status().key())
        .addString(f.type() == null ? null : f.type().key());
  }

  /** A page of stations inside the jurisdiction, by division code then name: {@code {"items","total"}}. */
  public Future<JsonObject> list(Jurisdiction j, Filter f, PageRequest page) {
    Tuple args = filterArgs(j, f);
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM station s\n" + WHERE).execute(args)
        .map(rows -> rows.iterator().next().getLong(0));
    Tuple pageArgs = filterArgs(j, f).addInteger(page.size()).addInteger(page.offset());
    Future<JsonArray> items = pool.preparedQuery("SELECT " + COLUMNS + "\n" + "\n" + FROM + "\n" + WHERE
            + " ORDER BY s.division_code, s.name LIMIT $7 OFFSET $8")
        .execute(pageArgs)
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(toJson(r)));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** Every station matching, for CSV export (bounded by the caller). */
  public Future<List<JsonObject>> all(Jurisdiction j, Filter f, int max) {
    return pool.preparedQuery("SELECT " + COLUMNS + "\n" + "\n" + FROM + "\n" + WHERE + " ORDER BY s.division_code, s.name LIMIT $7")
        .execute(filterArgs(j, f).addInteger(max))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(toJson(r)));
          return out;
        });
  }

  /** Station counts per child unit of {@code parentCode} (for the drill-down), inside the jurisdiction. */
  public Future<JsonArray> countsByChild(Jurisdiction j, String parentCode, int childDigits) {
    String prefix = j.prefixArg();
    Long[] ids = j.stationIdsArg();
    return pool.preparedQuery("""
            SELECT d.code, d.name, d.level, count(s.id) AS stations,
                   count(s.id) FILTER (WHERE s.status = 'active') AS active,
                   count(s.id) FILTER (WHERE s.status = 'pending') AS pending
              FROM division d
              LEFT JOIN station s ON substr(s.division_code, 1, $3) = substr(d.code, 1, $3)
                   AND """ + Jurisdiction.sqlInside("s.division_code", "s.id", 1, 4) + """
             WHERE d.parent_code = $2 AND d.code <> $2
             GROUP BY d.code, d.name, d.level
             ORDER BY d.code""")
        .execute(Tuple.tuple().addString(prefix).addString(parentCode).addInteger(childDigits).addArrayOfLong(ids))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("code", r.getString("code")).put("name", r.getString("name"))
              .put("level", r.getString("level")).put("stations", r.getLong("stations"))
              .put("active", r.getLong("active")).put("pending", r.getLong("pending"))));
          return out;
        });
  }

  /** The values of a new or edited station. */
  public record StationValues(String name, StationType type, String level, String divisionCode, String districtCode,
                              Long committeeId, String address, BigDecimal latitude, BigDecimal longitude,
                              String openingHours, String contactName, String contactPhone, LocalDate foundedOn) {
  }

  /**
   * Inserts a station; null when one of the same name exists in the division (no failed statement,
   * so the caller's transaction stays usable: Vert.x rolls back a transaction on any SQL error).
   */
  public Future<Long> insert(SqlClient tx, StationValues v, Long createdBy) {
    return tx.preparedQuery("""
            INSERT INTO station (name, type, level, division_code, district_code, committee_id, address, latitude,
                                 longitude, opening_hours, contact_name, contact_phone, founded_on, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            ON CONFLICT DO NOTHING RETURNING id""")
        .execute(Tuple.tuple().addString(v.name()).addString(v.type().key()).addString(v.level())
            .addString(v.divisionCode()).addString(v.districtCode()).addLong(v.committeeId()).addString(v.address())
            .addBigDecimal(v.latitude()).addBigDecimal(v.longitude()).addString(v.openingHours())
            .addString(v.contactName()).addString(v.contactPhone()).addLocalDate(v.foundedOn()).addLong(createdBy))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** Updates the values if {@code version} is current; false when stale. */
  /**
   * Moves what a station holds along with it when its division changes (docs/registry.md): its
   * topics, meetings and outcomes take the new division code (which decides who may see them; a
   * meeting's record, attendees, files and history go by the meeting). The roll-up counter rows are
   * relabelled by the database's own trigger on the station (stats_on_station), in the same
   * transaction. Audit entries keep the division where they were written (history). Returns how many
   * rows of each kind moved.
   */
  public Future<JsonObject> moveHoldings(SqlClient tx, long stationId, String divisionCode) {
    return tx.preparedQuery("""
            WITH t AS (UPDATE topic SET division_code = $2 WHERE station_id = $1 AND division_code <> $2 RETURNING 1),
                 m AS (UPDATE meeting SET division_code = $2 WHERE station_id = $1 AND division_code <> $2 RETURNING 1),
                 o AS (UPDATE outcome SET division_code = $2 WHERE station_id = $1 AND division_code <> $2 RETURNING 1)
            SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM m), (SELECT count(*) FROM o)""")
        .execute(Tuple.of(stationId, divisionCode))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new JsonObject().put("topics", r.getLong(0)).put("meetings", r.getLong(1)).put("outcomes", r.getLong(2));
        });
  }

  /**
   * Unassigns the station's members who may no longer serve it (neither of its district committee
   * nor of its city's), after a move to another district; returns their ids.
   */
  public Future<java.util.List<Long>> unassignIneligibleMembers(SqlClient tx, long stationId, String districtCode) {
    return tx.preparedQuery("""
            DELETE FROM station_member sm USING member m, committee c
             WHERE sm.station_id = $1 AND m.id = sm.member_id AND c.id = m.committee_id
               AND c.division_code NOT IN ($2, $3)
            RETURNING sm.member_id""")
        .execute(Tuple.of(stationId, districtCode, districtCode.substring(0, 4) + "00000000"))
        .map(rows -> {
          java.util.List<Long> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(r.getLong(0)));
          return out;
        });
  }

  public Future<Boolean> update(SqlClient tx, long id, int version, StationValues v) {
    return tx.preparedQuery("""
            UPDATE station SET name = $3, type = $4, level = $5, division_code = $6, district_code = $7, committee_id = $8,
                   address = $9, latitude = $10, longitude = $11, opening_hours = $12, contact_name = $13,
                   contact_phone = $14, founded_on = $15, updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2""")
        .execute(Tuple.tuple().addLong(id).addInteger(version).addString(v.name()).addString(v.type().key())
            .addString(v.level()).addString(v.divisionCode()).addString(v.districtCode()).addLong(v.committeeId())
            .addString(v.address()).addBigDecimal(v.latitude()).addBigDecimal(v.longitude())
            .addString(v.openingHours()).addString(v.contactName()).addString(v.contactPhone())
            .addLocalDate(v.foundedOn()))
        .map(rows -> rows.rowCount() == 1);
  }

  /** The station's own promised days for residents' requests (null: the node's default, YISHI_REQUEST_PROMISED_DAYS). */
  public Future<Void> setPromisedDays(SqlClient tx, long id, Integer days) {
    return tx.preparedQuery("UPDATE station SET promised_days = $2, updated_at = now(), version = version + 1 WHERE id = $1")
        .execute(Tuple.of(id, days)).mapEmpty();
  }

  public Future<Void> setStatus(SqlClient tx, long id, StationStatus to, String reason) {
    return tx.preparedQuery("""
            UPDATE station SET status = $2, status_reason = $3, updated_at = now(), version = version + 1 WHERE id = $1""")
        .execute(Tuple.of(id, to.key(), reason)).mapEmpty();
  }

  public Future<Void> addHistory(SqlClient tx, long stationId, String from, StationStatus to, String reason,
                                 Long actorId, String actorName) {
    return history.add(tx, stationId, from, to.key(), reason, actorId, actorName);
  }

  public Future<JsonArray> history(long stationId) {
    return history.read(pool, stationId);
  }

  /** Links a coordinator to the station they registered. */
  public Future<Void> linkCoordinator(SqlClient tx, long accountId, long stationId) {
    return tx.preparedQuery("INSERT INTO account_station (account_id, station_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(accountId, stationId)).mapEmpty();
  }

  /** The district committee of a district code, or null. */
  public Future<Long> committeeOf(SqlClient client, String districtCode) {
    return client.preparedQuery("SELECT id FROM committee WHERE division_code = $1").execute(Tuple.of(districtCode))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }
}
