package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Like;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

/** All SQL of committees, members and members' station assignments. */
public record MemberStore(Pool pool) {
  private static final String MEMBER = """
      m.id, m.name, m.sector, m.committee_id, c.name AS committee_name, c.division_code, m.phone, m.email,
      m.active, m.version,
      COALESCE((SELECT array_agg(sm.station_id ORDER BY sm.station_id) FROM station_member sm WHERE sm.member_id = m.id),
               '{}') AS station_ids
      FROM member m JOIN committee c ON c.id = m.committee_id
      """;

  // ---------------------------------------------------------------- committees

  static JsonObject committee(Row r) {
    return new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
        .put("level", r.getString("level")).put("divisionCode", r.getString("division_code"))
        .put("parentId", r.getLong("parent_id"));
  }

  /** Committees inside a jurisdiction (by division code), city first. */
  public Future<JsonArray> committees(String prefix) {
    return pool.preparedQuery("""
            SELECT id, name, level, division_code, parent_id FROM committee
             WHERE $1 = '' OR division_code LIKE $1 || '%' ORDER BY level, division_code""")
        .execute(Tuple.of(prefix == null ? "" : prefix))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(committee(r)));
          return out;
        });
  }

  public Future<JsonObject> committee(SqlClient client, long id) {
    return client.preparedQuery("SELECT id, name, level, division_code, parent_id FROM committee WHERE id = $1")
        .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null : committee(rows.iterator().next()));
  }

  /** Inserts a committee; the city committee (if any) of a district's city becomes its parent. */
  public Future<Long> insertCommittee(SqlClient tx, String name, String level, String divisionCode) {
    return tx.preparedQuery("""
            INSERT INTO committee (name, level, division_code, parent_id)
            VALUES ($1, $2, $3, CASE WHEN $2 = 'district'
                                     THEN (SELECT id FROM committee WHERE level = 'city' AND division_code = $4) END)
            RETURNING id""")
        .execute(Tuple.of(name, level, divisionCode, divisionCode.substring(0, 4) + "00000000"))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  // ---------------------------------------------------------------- members

  static JsonObject member(Row r) {
    Long[] stations = r.getArrayOfLongs("station_ids");
    return new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
        .put("sector", r.getString("sector")).put("committeeId", r.getLong("committee_id"))
        .put("committeeName", r.getString("committee_name")).put("divisionCode", r.getString("division_code"))
        .put("phone", r.getString("phone")).put("email", r.getString("email"))
        .put("active", r.getBoolean("active")).put("version", r.getInteger("version"))
        .put("stationIds", new JsonArray(stations == null ? java.util.List.of() : java.util.List.of(stations)));
  }

  private static JsonObject first(RowSet<Row> rows) {
    return rows.size() == 0 ? null : member(rows.iterator().next());
  }

  public Future<JsonObject> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + MEMBER + " WHERE m.id = $1").execute(Tuple.of(id)).map(MemberStore::first);
  }

  /** The division code of a member's committee (for the route's scope check), or null. */
  public Future<String> divisionOf(long id) {
    return pool.preparedQuery("SELECT c.division_code FROM member m JOIN committee c ON c.id = m.committee_id WHERE m.id = $1")
        .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /** Members inside a jurisdiction, optionally by name/sector fragment or station: {@code {"items","total"}}. */
  public Future<JsonObject> list(Jurisdiction j, String q, Long stationId, PageRequest page) {
    String prefix = j.prefixArg();
    String like = Like.contains(q);
    String where = """
         WHERE """ + Jurisdiction.sqlInside("c.division_code", 1) + """
           AND ($2::text IS NULL OR m.name ILIKE $2 OR m.sector ILIKE $2)
           AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM station_member sm WHERE sm.member_id = m.id AND sm.station_id = $3))""";
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM member m JOIN committee c ON c.id = m.committee_id\n" + where)
        .execute(Tuple.of(prefix, like, stationId)).map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + MEMBER + "\n" + where + " ORDER BY c.division_code, m.name LIMIT $4 OFFSET $5")
        .execute(Tuple.of(prefix, like, stationId, page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(member(r)));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** Active members who may be assigned to a station in {@code districtCode}: its committee and its city's. */
  public Future<JsonArray> candidatesFor(String districtCode) {
    return pool.preparedQuery("SELECT " + MEMBER + """
             WHERE m.active AND c.division_code IN ($1, $2)
             ORDER BY c.level DESC, m.name""")
        .execute(Tuple.of(districtCode, cityOf(districtCode)))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(member(r)));
          return out;
        });
  }

  private static String cityOf(String code) {
    return code.substring(0, 4) + "00000000";
  }

  public Future<Long> insert(SqlClient tx, String name, String sector, long committeeId, String phone, String email) {
    return tx.preparedQuery("""
            INSERT INTO member (name, sector, committee_id, phone, email) VALUES ($1, $2, $3, $4, $5) RETURNING id""")
        .execute(Tuple.of(name, sector, committeeId, phone, email)).map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Boolean> update(SqlClient tx, long id, int version, String name, String sector, long committeeId,
                                String phone, String email, boolean active) {
    return tx.preparedQuery("""
            UPDATE member SET name = $3, sector = $4, committee_id = $5, phone = $6, email = $7, active = $8,
                   updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2""")
        .execute(Tuple.tuple().addLong(id).addInteger(version).addString(name).addString(sector).addLong(committeeId)
            .addString(phone).addString(email).addBoolean(active))
        .map(rows -> rows.rowCount() == 1);
  }

  /** The members of a station now, as ids. */
  public Future<java.util.List<Long>> stationMembers(SqlClient client, long stationId) {
    return client.preparedQuery("SELECT member_id FROM station_member WHERE station_id = $1 ORDER BY member_id")
        .execute(Tuple.of(stationId))
        .map(rows -> {
          java.util.List<Long> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(r.getLong(0)));
          return out;
        });
  }

  /** Replaces a station's members. */
  public Future<Void> setStationMembers(SqlClient tx, long stationId, Long[] memberIds) {
    return tx.preparedQuery("DELETE FROM station_member WHERE station_id = $1").execute(Tuple.of(stationId))
        .compose(v -> memberIds.length == 0 ? Future.succeededFuture()
            : tx.preparedQuery("INSERT INTO station_member (station_id, member_id) SELECT $1, unnest($2::bigint[])")
                .execute(Tuple.tuple().addLong(stationId).addArrayOfLong(memberIds)))
        .mapEmpty();
  }

  /**
   * The one rule for members named at a station (its assigned members, a meeting's invited members,
   * a record's attendees): each must be an active member of the station's district committee
   * ({@code districtCode}) or of its city's committee. Fails with a 422 naming every refused element
   * as {@code field[i]} (its index in {@code memberIds} as sent), and nothing about the member
   * (whether it exists, its name): a member outside is indistinguishable from one that does not exist.
   */
  public Future<Void> requireEligible(SqlClient client, String districtCode, String field, java.util.List<Long> memberIds) {
    if (memberIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] distinct = new java.util.LinkedHashSet<>(memberIds).toArray(new Long[0]);
    return client.preparedQuery("""
            SELECT m.id FROM member m JOIN committee c ON c.id = m.committee_id
             WHERE m.id = ANY($2) AND m.active AND c.division_code IN ($1, $3)""")
        .execute(Tuple.tuple().addString(districtCode).addArrayOfLong(distinct).addString(cityOf(districtCode)))
        .compose(rows -> {
          java.util.Set<Long> eligible = new java.util.HashSet<>();
          rows.forEach(r -> eligible.add(r.getLong(0)));
          java.util.Map<String, org.yishi.platform.http.Msg> refused = new java.util.LinkedHashMap<>();
          for (int i = 0; i < memberIds.size(); i++) {
            if (!eligible.contains(memberIds.get(i))) {
              refused.put(field + "[" + i + "]", org.yishi.platform.http.Msg.of("field.member.notEligible"));
            }
          }
          return refused.isEmpty() ? Future.<Void>succeededFuture()
              : Future.failedFuture(org.yishi.platform.http.AppException.invalid(refused));
        });
  }
}
