package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.Input;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Committees, their members (委员) and members' assignment to stations (驻站委员), each write audited. */
public record MemberService(Pool pool, MemberStore store, StationLookup stations, Divisions divisions) {

  public MemberService(Pool pool, StationLookup stations, Divisions divisions) {
    this(pool, new MemberStore(pool), stations, divisions);
  }

  /** A member form or JSON body. */
  public record MemberInput(String name, String sector, long committeeId, String phone, String email, Boolean active,
                            Integer version) {
  }

  public static MemberInput read(Input in, boolean editing) {
    String name = in.text("name", 50);
    String sector = in.text("sector", 50);
    Long committee = in.optionalLong("committeeId", 1, Long.MAX_VALUE);
    if (committee == null && !in.failed("committeeId")) {
      in.reject("committeeId", "field.required");
    }
    String phone = in.optionalText("phone", 30, false);
    if (phone != null && !phone.matches("[0-9+\\-() ]{3,30}")) {
      in.reject("phone", "field.phone.format");
    }
    String email = in.optionalText("email", 100, false);
    if (email != null && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      in.reject("email", "field.email");
    }
    Boolean active = editing ? in.optionalBool("active") : Boolean.TRUE;
    Long version = editing ? in.version() : null;
    in.done();
    return new MemberInput(name, sector, committee == null ? 0 : committee, phone, email,
        active == null ? Boolean.TRUE : active, version == null ? null : version.intValue());
  }

  /** The committee, if it exists and lies inside the caller's jurisdiction. */
  private Future<JsonObject> committeeFor(Principal actor, long committeeId) {
    return store.committee(pool, committeeId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(AppException.invalid("committeeId", "field.member.committee"));
      }
      if (!actor.jurisdiction().coversDivision(c.getString("divisionCode"))) {
        return Future.failedFuture(AppException.forbidden("The committee lies outside your jurisdiction"));
      }
      return Future.succeededFuture(c);
    });
  }

  public Future<JsonObject> create(Principal actor, MemberInput in) {
    return committeeFor(actor, in.committeeId()).compose(c -> pool.withTransaction(tx ->
        store.insert(tx, in.name(), in.sector(), in.committeeId(), in.phone(), in.email())
            .compose(id -> store.byId(tx, id))
            .compose(m -> AuditLog.record(tx, AuditEntry.by(actor, "member.create", "member", m.getLong("id"),
                c.getString("divisionCode"), null, m)).map(m))));
  }

  public Future<JsonObject> update(Principal actor, long id, MemberInput in) {
    return committeeFor(actor, in.committeeId()).compose(c -> pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such member"));
      }
      return store.update(tx, id, in.version(), in.name(), in.sector(), in.committeeId(), in.phone(), in.email(), in.active())
          .compose(ok -> ok ? store.byId(tx, id)
              : Future.failedFuture(new AppException(ErrorKind.CONFLICT,
                  "Someone changed this member meanwhile; reload and try again",
                  Map.of("version", Msg.of("field.stale")))))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "member.update", "member", id,
              c.getString("divisionCode"), before, after)).map(after));
    })));
  }

  /**
   * Replaces the members assigned to a station. Each must be an active member of the station's
   * district committee or of its city committee (422 otherwise).
   */
  public Future<JsonObject> assign(Principal actor, long stationId, List<Long> memberIds) {
    Long[] ids = new LinkedHashSet<>(memberIds).toArray(new Long[0]);
    return pool.withTransaction(tx -> stations.byIdForUpdate(tx, stationId).compose(station -> {
      if (station == null) {
        return Future.failedFuture(AppException.notFound("No such station"));
      }
      String district = station.getString("districtCode");
      return store.requireEligible(tx, district, "memberIds", memberIds).compose(eligible -> {
        JsonArray after = new JsonArray(List.of(ids));
        return store.stationMembers(tx, stationId)
            .compose(before -> store.setStationMembers(tx, stationId, ids)
                .compose(v -> AuditLog.record(tx, AuditEntry.by(actor, "station.members", "station", stationId,
                    station.getString("divisionCode"), new JsonObject().put("memberIds", new JsonArray(before)),
                    new JsonObject().put("memberIds", after)))))
            .map(v -> new JsonObject().put("stationId", stationId).put("memberIds", after));
      });
    }));
  }

  /** Creates the committee of a city or district/county division (admin). */
  public Future<JsonObject> createCommittee(Principal actor, String name, String divisionCode) {
    return divisions.find(divisionCode).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(AppException.invalid("divisionCode", "field.station.divisionUnknown"));
      }
      DivisionLevel level = found.get().level();
      if (level != DivisionLevel.CITY && level != DivisionLevel.COUNTY) {
        return Future.failedFuture(AppException.invalid("divisionCode", "field.committee.level"));
      }
      String kind = level == DivisionLevel.CITY ? "city" : "district";
      return pool.withTransaction(tx -> store.insertCommittee(tx, name, kind, divisionCode)
          .compose(id -> store.committee(tx, id))
          .compose(c -> AuditLog.record(tx, AuditEntry.by(actor, "committee.create", "committee", c.getLong("id"),
              divisionCode, null, c)).map(c)));
    }).recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
        ? Future.failedFuture(new AppException(ErrorKind.CONFLICT, "This division already has a committee",
            Map.of("divisionCode", Msg.of("field.committee.duplicate"))))
        : Future.failedFuture(err));
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link MemberStore#committee}, for the routes. */
  public Future<JsonObject> committee(io.vertx.sqlclient.SqlClient client, long id) {
    return store().committee(client, id);
  }

  /** {@link MemberStore#committees}, for the routes. */
  public Future<JsonArray> committees(String prefix) {
    return store().committees(prefix);
  }

  /** {@link MemberStore#byId}, for the routes. */
  public Future<JsonObject> byId(io.vertx.sqlclient.SqlClient client, long id) {
    return store().byId(client, id);
  }

  /** {@link MemberStore#candidatesFor}, for the routes. */
  public Future<JsonArray> candidatesFor(String districtCode) {
    return store().candidatesFor(districtCode);
  }

  /** {@link MemberStore#divisionOf}, for the routes. */
  public Future<String> divisionOf(long id) {
    return store().divisionOf(id);
  }

  /** {@link MemberStore#list}, for the routes. */
  public Future<JsonObject> list(org.yishi.platform.security.Jurisdiction j, String q, Long stationId, org.yishi.platform.web.PageRequest page) {
    return store().list(j, q, stationId, page);
  }
}
