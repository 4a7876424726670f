package org.yishi.station;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.http.StaleConflict;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Text;
import org.yishi.station.StationStore.StationValues;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Registering and editing stations and moving them through their lifecycle. The division must
 * exist, be a township or village/community and lie where the caller may act (coordinators: their
 * district). Every write is one transaction with its audit entry (and history row).
 */
public record StationService(ZoneId zone, Pool pool, StationStore store, Divisions divisions, AccountChanges accounts,
                             DomainEvents events) {
  /**
   * What the station registry tells the account feature: an account's station set changed (its
   * cached principal must be read again). Implemented by the account feature, wired by the root.
   */
  public interface AccountChanges {
    void changed(long accountId);
  }

  /** @param events where {@code station.moved} is published after a move commits (null: nowhere) */
  public StationService(Pool pool, AccountChanges accounts, DomainEvents events, Divisions divisions, ZoneId zone) {
    this(zone, pool, new StationStore(pool, zone), divisions, accounts, events);
  }

  /** Where a caller may register stations: coordinators in their district, others in their jurisdiction. */
  static Jurisdiction registrationArea(Principal p) {
    return p.is(Role.STATION_COORDINATOR) ? Jurisdiction.division(p.scopeCode()) : p.jurisdiction();
  }

  /** A station's form or JSON body, checked field by field (the division is checked by the service). */
  public record StationInput(String name, StationType type, String divisionCode, String address, BigDecimal latitude,
                             BigDecimal longitude, String openingHours, String contactName, String contactPhone,
                             LocalDate foundedOn, Integer version) {
  }

  public StationInput read(Input in, boolean editing) {
    String name = in.text("name", 100);
    String typeKey = in.text("type", 40);
    StationType type = StationType.fromKey(typeKey);
    if (typeKey != null && type == null) {
      in.reject("type", "field.station.type");
    }
    String division = in.text("divisionCode", 12);
    if (division != null && !division.matches("\\d{12}")) {
      in.reject("divisionCode", "field.scope.format");
    }
    String address = in.optionalText("address", 200, false);
    BigDecimal lat = decimal(in, "latitude", -90, 90);
    BigDecimal lon = decimal(in, "longitude", -180, 180);
    if ((lat == null) != (lon == null) && !in.failed("latitude") && !in.failed("longitude")) {
      in.reject(lat == null ? "latitude" : "longitude", "field.station.coordinates");
    }
    String hours = in.optionalText("openingHours", 100, false);
    String contact = in.optionalText("contactName", 50, false);
    String phone = in.optionalText("contactPhone", 30, false);
    if (phone != null && !phone.matches("[0-9+\\-() ]{3,30}")) {
      in.reject("contactPhone", "field.phone.format");
    }
    LocalDate founded = null;
    String foundedText = in.optionalText("foundedOn", 10, false);
    if (foundedText != null) {
      try {
        founded = LocalDate.parse(foundedText);
        if (founded.isAfter(LocalDate.now(zone)) || founded.getYear() < 1949) {
          in.reject("foundedOn", "field.station.founded");
        }
      } catch (DateTimeParseException e) {
        in.reject("foundedOn", "field.date");
      }
    }
    Long version = editing ? in.version() : null;
    in.done();
    return new StationInput(name, type, division, address, lat, lon, hours, contact, phone, founded,
        version == null ? null : version.intValue());
  }

  private static BigDecimal decimal(Input in, String field, int min, int max) {
    String raw = in.optionalText(field, 20, false);
    if (raw == null) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(raw);
      if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0 || d.scale() > 6) {
        in.reject(field, "field.range", min, max);
        return null;
      }
      return d;
    } catch (NumberFormatException e) {
      in.reject(field, "field.number");
      return null;
    }
  }

  /** Checks the division (exists, township/village, inside {@code area}) and builds the stored values. */
  private Future<StationValues> resolve(StationInput in, Jurisdiction area) {
    return divisions.find(in.divisionCode()).compose(found -> {
      Division d = found.orElse(null);
      if (d == null) {
        return Future.failedFuture(AppException.invalid("divisionCode", "field.station.divisionUnknown"));
      }
      if (d.level() != DivisionLevel.TOWNSHIP && d.level() != DivisionLevel.VILLAGE) {
        return Future.failedFuture(AppException.invalid("divisionCode", "field.station.divisionLevel"));
      }
      if (!area.coversDivision(d.code())) {
        return Future.failedFuture(AppException.forbidden("The division lies outside your jurisdiction"));
      }
      String district = d.code().substring(0, 6) + "000000";
      return store.committeeOf(pool, district).map(committee -> new StationValues(in.name(), in.type(), d.level().key(),
          d.code(), district, committee, in.address(), in.latitude(), in.longitude(), in.openingHours(),
          in.contactName(), in.contactPhone(), in.foundedOn()));
    });
  }

  private static <T> Future<T> duplicateName(Throwable err) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "A station of this name exists in this division",
          Map.of("name", Msg.of("field.station.duplicate"))));
    }
    return Future.failedFuture(err);
  }

  /**
   * Registers a station (status 申请中, awaiting district approval). A coordinator who registers
   * one runs it from then on.
   */
  public Future<JsonObject> register(Principal actor, StationInput in) {
    return pool.withTransaction(tx -> registerIn(tx, actor, in))
        .recover(StationService::duplicateName)
        .onSuccess(s -> {
          announce(s);
          if (actor.is(Role.STATION_COORDINATOR)) {
            accounts.changed(actor.id()); // the coordinator's station set grew
          }
        });
  }

  /**
   * Publishes {@code station.status} for a station registered, edited or decided (committed): the work
   * queue's stations applying and dormant stations are dropped by it on every node.
   */
  void announce(JsonObject station) {
    if (events != null) {
      events.publish(DomainEvent.STATION_STATUS, new JsonObject().put("id", station.getLong("id"))
          .put("stationId", station.getLong("id")).put("divisionCode", station.getString("divisionCode"))
          .put("status", station.getString("status")));
    }
  }

  /** Registers a station within the caller's transaction (bulk import); see {@link #register}. */
  Future<JsonObject> registerIn(io.vertx.sqlclient.SqlConnection tx, Principal actor, StationInput in) {
    return resolve(in, registrationArea(actor))
        .compose(values -> store.insert(tx, values, actor.id()))
        .compose(id -> id != null ? Future.succeededFuture(id) : Future.failedFuture(new AppException(ErrorKind.CONFLICT,
            "A station of this name exists in this division", Map.of("name", Msg.of("field.station.duplicate")))))
        .compose(id -> store.addHistory(tx, id, null, StationStatus.PENDING, null, actor.id(), actor.shownName()).map(id))
        .compose(id -> actor.is(Role.STATION_COORDINATOR)
            ? store.linkCoordinator(tx, actor.id(), id).map(id) : Future.succeededFuture(id))
        .compose(id -> store.byId(tx, id))
        .compose(station -> AuditLog.record(tx, AuditEntry.by(actor, "station.register", "station",
            station.getLong("id"), station.getString("divisionCode"), null, station)).map(station));
  }

  /** Bulk registration from CSV text; see {@link StationImport}. */
  public Future<JsonObject> importCsv(Principal actor, String text, boolean atomic, java.util.Locale locale) {
    return new StationImport(pool, this).run(actor, text, atomic, locale)
        .onSuccess(r -> {
          if (actor.is(Role.STATION_COORDINATOR) && r.getInteger("created") > 0) {
            accounts.changed(actor.id());
          }
        });
  }

  /**
   * Edits a station if {@code in.version()} is current (else 409 with the stored values). A new
   * division moves the station's topics, meetings and outcomes with it, in the same transaction
   * ({@link StationStore#moveHoldings}); after a move to another district, members who may no longer
   * serve the station are unassigned. {@code station.moved} is published after the commit with the
   * new {@code divisionCode} and the {@code previousDivisionCode}.
   */
  public Future<JsonObject> update(Principal actor, long id, StationInput in) {
    String[] moved = new String[1];
    return resolve(in, registrationArea(actor)).compose(values -> pool.withTransaction(tx -> store.byIdForUpdate(tx, id)
        .compose(before -> {
          if (before == null) {
            return Future.failedFuture(AppException.notFound("No such station"));
          }
          if (before.getInteger("version").intValue() != in.version()) {
            return Future.failedFuture(new StaleStation(before));
          }
          if (StationStatus.REVOKED.key().equals(before.getString("status"))) {
            return Future.failedFuture(AppException.conflict("A revoked station cannot be edited"));
          }
          String from = before.getString("divisionCode");
          boolean move = !from.equals(values.divisionCode());
          boolean newDistrict = !before.getString("districtCode").equals(values.districtCode());
          return store.update(tx, id, in.version(), values)
              .compose(ok -> move ? store.moveHoldings(tx, id, values.divisionCode()) : Future.succeededFuture(null))
              .compose(holdings -> (newDistrict ? store.unassignIneligibleMembers(tx, id, values.districtCode())
                  : Future.succeededFuture(java.util.List.<Long>of()))
                  .compose(unassigned -> store.byId(tx, id).compose(after -> {
                    JsonObject logged = after.copy();
                    if (move) {
                      moved[0] = from;
                      logged.put("moved", holdings.put("from", from).put("unassignedMemberIds", new io.vertx.core.json.JsonArray(unassigned)));
                    }
                    // the district left keeps a trace of where the station went (and nothing more of it)
                    return AuditLog.record(tx, AuditEntry.by(actor, "station.update", "station", id,
                            after.getString("divisionCode"), before, logged))
                        .compose(v -> move && newDistrict ? AuditLog.record(tx, AuditEntry.by(actor, "station.move_out", "station", id,
                            from, new JsonObject().put("id", id).put("divisionCode", from),
                            new JsonObject().put("id", id).put("divisionCode", after.getString("divisionCode")))) : Future.succeededFuture())
                        .map(after);
                  })));
        }))).recover(StationService::duplicateName)
        .onSuccess(after -> {
          announce(after); // its name or place as the work queue shows it
          if (moved[0] != null && events != null) {
            events.publish(DomainEvent.STATION_MOVED, new JsonObject().put("id", id).put("stationId", id)
                .put("divisionCode", after.getString("divisionCode")).put("previousDivisionCode", moved[0]));
          }
        });
  }

  /**
   * Sets the days within which the station promises to answer a resident's request ({@code null}:
   * the node's default, YISHI_REQUEST_PROMISED_DAYS); requests received from then on are due that
   * many days after the day they arrive (V33's trigger). The station's coordinator and the staff
   * whose jurisdiction holds it (the route checks the jurisdiction); 422 outside 1..365.
   */
  public Future<JsonObject> setPromisedDays(Principal actor, long id, Integer days) {
    if (!actor.is(Role.ADMIN) && !actor.is(Role.CITY_STAFF) && !actor.is(Role.DISTRICT_STAFF)
        && !actor.is(Role.STATION_COORDINATOR)) {
      return Future.failedFuture(AppException.forbidden("Your role may not set a station's promised days"));
    }
    if (days != null && (days < 1 || days > MAX_PROMISED_DAYS)) {
      return Future.failedFuture(AppException.invalid("promisedDays", "field.range", 1, MAX_PROMISED_DAYS));
    }
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such station"));
      }
      return store.setPromisedDays(tx, id, days).compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "station.promised_days", "station", id,
              after.getString("divisionCode"), before, after)).map(after));
    }));
  }

  /** The most days a station may promise (the column's check, V33). */
  public static final int MAX_PROMISED_DAYS = 365;

  /** 409 for an edit based on an old version, with the stored values. */
  public static final class StaleStation extends StaleConflict {
    public StaleStation(JsonObject current) {
      super(current, "Someone changed this station meanwhile; review the current values and try again");
    }
  }

  /** Who may take each action: district decisions are staff's; coordinators may only resubmit. */
  private static boolean mayTake(Principal p, StationStatus.Action action) {
    if (p.is(Role.STATION_COORDINATOR)) {
      return action == StationStatus.Action.RESUBMIT;
    }
    return true;
  }

  /**
   * Moves a station through its lifecycle; an action not allowed from the current status is a 409,
   * a missing reason where one is required a 422.
   */
  public Future<JsonObject> transition(Principal actor, long id, StationStatus.Action action, String reason) {
    if (!mayTake(actor, action)) {
      return Future.failedFuture(AppException.forbidden("Your role may not " + action.key() + " stations"));
    }
    if (action.reasonRequired && (Text.blank(reason))) {
      return Future.failedFuture(AppException.invalid("reason", "field.station.reason"));
    }
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such station"));
      }
      StationStatus from = StationStatus.fromKey(before.getString("status"));
      if (!action.from.contains(from)) {
        return Future.failedFuture(new AppException(ErrorKind.CONFLICT,
            "Cannot " + action.key() + " a station that is " + from.key(),
            Map.of("status", Msg.of("field.station.transition", from.key(), action.key()))));
      }
      return store.setStatus(tx, id, action.to, reason)
          .compose(v -> store.addHistory(tx, id, from.key(), action.to, reason, actor.id(), actor.shownName()))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "station." + action.key(), "station", id,
              after.getString("divisionCode"), before, after)).map(after))
          .compose(after -> action != StationStatus.Action.APPROVE && action != StationStatus.Action.REJECT
              ? Future.succeededFuture(after)
              : Outbox.queue(tx, Notices.stationDecided(action.key(), id, after.getInteger("version"), after.getString("name"),
                  reason)).map(after));
    })).onSuccess(this::announce);
  }

  /** One station with its status history. */
  public Future<JsonObject> get(long id) {
    return store.byId(id).compose(s -> s == null ? Future.failedFuture(AppException.notFound("No such station"))
        : store.history(id).map(h -> s.put("history", h)));
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link StationStore#all}, for the routes. */
  public Future<java.util.List<JsonObject>> all(Jurisdiction j, StationStore.Filter f, int max) {
    return store().all(j, f, max);
  }

  /** {@link StationStore#countsByChild}, for the routes. */
  public Future<io.vertx.core.json.JsonArray> countsByChild(Jurisdiction j, String parentCode, int childDigits) {
    return store().countsByChild(j, parentCode, childDigits);
  }

  /** {@link StationStore#divisionOf}, for the routes. */
  public Future<String> divisionOf(long id) {
    return store().divisionOf(id);
  }

  /** {@link StationStore#list}, for the routes. */
  public Future<JsonObject> list(Jurisdiction j, StationStore.Filter f, org.yishi.platform.web.PageRequest page) {
    return store().list(j, f, page);
  }
}
