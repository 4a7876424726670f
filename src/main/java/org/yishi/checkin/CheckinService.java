package org.yishi.checkin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Check-in at meetings: by scanning the meeting's signed code (members under their account, guests by
 * the role they choose) or marked by the coordinator. Each person is checked in once per meeting (a
 * unique key; a second scan answers the first check-in). A member who was not invited is checked in and
 * flagged. Nobody checks in at a cancelled meeting or once its record is filed. One transaction each.
 */
public final class CheckinService {
  /** Arriving more than this many minutes before the start is "early". */
  public static final int EARLY_MINUTES = 15;
  /** Arriving more than this many minutes after the start is "late". */
  public static final int LATE_MINUTES = 5;
  /** Guest roles one may choose when checking in without an account. */
  public static final List<String> GUEST_ROLES = List.of("residents", "departments", "experts", "others");

  private final Pool pool;
  private final CheckinStore store;
  private final CheckinCodes codes;
  private final CheckinMembers accounts;
  private final CheckinMembers members;

  /** The check-in window around a meeting ({@code YISHI_CHECKIN_OPENS_MINUTES}, {@code YISHI_CHECKIN_CLOSES_MINUTES}). */
  private final org.yishi.platform.config.AppConfig.CheckinSettings window;

  public CheckinService(Pool pool, CheckinMembers members, java.time.ZoneId zone,
                        org.yishi.platform.config.AppConfig.CheckinSettings window) {
    this.window = window;
    this.store = new CheckinStore(zone);
    this.pool = pool;
    this.codes = new CheckinCodes(pool);
    this.accounts = members;
    this.members = members;
  }

  public CheckinStore store() {
    return store;
  }

  public Pool pool() {
    return pool;
  }

  /** Who is checking in by scanning: a member account, or a guest (role, optional name and phone, device key). */
  public record Scanner(Principal account, String role, String name, String phone, String deviceKey) {
  }

  /** The window [opens, closes] of a meeting's code. */
  OffsetDateTime[] window(CheckinStore.MeetingRef m) {
    return new OffsetDateTime[] {m.startsAt().minusMinutes(window.opensMinutes()), m.endsAt().plusMinutes(window.closesMinutes())};
  }

  /** The meeting's check-in code (its link path is {@code /checkin/<code>}) with its window, or a 404. */
  public Future<JsonObject> codeFor(long meetingId) {
    return store.meeting(pool, meetingId, false).compose(m -> {
      if (m == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      OffsetDateTime[] w = window(m);
      return codes.sign(m.id(), w[0].toEpochSecond(), w[1].toEpochSecond())
          .map(code -> new JsonObject().put("code", code).put("path", "/checkin/" + code)
              .put("validFrom", store.time(w[0])).put("validUntil", store.time(w[1])).put("meeting", m.toJson(store.zone())));
    });
  }

  private static AppException badCode() {
    return AppException.invalid("code", "checkin.code.invalid");
  }

  /**
   * The meeting a code admits to now. A forged or altered code (another meeting's id, another window)
   * and one outside its window fail with a 422 on {@code code} that says nothing about the meeting.
   */
  public Future<CheckinStore.MeetingRef> admit(String token, OffsetDateTime now) {
    return codes.verify(token).compose(code -> {
      if (code == null) {
        return Future.failedFuture(badCode());
      }
      long t = now.toEpochSecond();
      if (t < code.notBefore() || t > code.notAfter()) {
        return Future.failedFuture(AppException.invalid("code", "checkin.code.outside"));
      }
      return store.meeting(pool, code.meetingId(), false).compose(m -> {
        if (m == null) {
          return Future.failedFuture(badCode());
        }
        OffsetDateTime[] w = window(m); // the meeting may have moved since the code was printed
        if (now.isBefore(w[0]) || now.isAfter(w[1])) {
          return Future.failedFuture(AppException.invalid("code", "checkin.code.outside"));
        }
        return Future.succeededFuture(m);
      });
    });
  }

  private static Future<Void> requireOpen(CheckinStore.MeetingRef m) {
    if ("cancelled".equals(m.status())) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The meeting is cancelled",
          Map.of("meeting", Msg.of("checkin.closed.cancelled"))));
    }
    if (m.filed()) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The record is filed: check-in is closed",
          Map.of("meeting", Msg.of("checkin.closed.filed"))));
    }
    return Future.succeededFuture();
  }

  static String arrival(int minutesOff) {
    return minutesOff < -EARLY_MINUTES ? "early" : minutesOff > LATE_MINUTES ? "late" : "on_time";
  }

  /**
   * Checks in whoever scanned the code: the answer is the check-in (with {@code already: true} when it
   * was made before). A member account is checked in as that member; anyone else as a guest.
   */
  public Future<JsonObject> scan(String token, Scanner who, OffsetDateTime now) {
    return admit(token, now).compose(m -> {
      if (who.account() != null && who.account().is(Role.MEMBER)) {
        return accounts.memberOf(who.account().id()).compose(memberId -> {
          if (memberId == null) {
            return Future.failedFuture(AppException.forbidden("This account is not linked to a member"));
          }
          return checkInMember(m.id(), memberId, now, "scan", null);
        });
      }
      if (who.role() == null || !GUEST_ROLES.contains(who.role())) {
        return Future.failedFuture(AppException.invalid("role", "checkin.role.choose"));
      }
      if (who.deviceKey() == null) {
        return Future.failedFuture(AppException.invalid("deviceKey", "field.required"));
      }
      int off = minutesFromStart(m, now);
      return pool.withTransaction(tx -> store.meeting(tx, m.id(), true)
              .compose(locked -> requireOpen(locked))
              .compose(v -> store.insertGuest(tx, m.id(), who.role(), who.deviceKey(), who.name(), who.phone(), arrival(off), off, "scan"))
              .compose(id -> id != null ? store.byId(tx, id).map(c -> c.put("already", false))
                  : store.ofDevice(tx, m.id(), who.deviceKey()).map(c -> c.put("already", true))))
          .map(c -> c.put("meeting", m.toJson(store.zone())));
    });
  }

  private static int minutesFromStart(CheckinStore.MeetingRef m, OffsetDateTime now) {
    return (int) Math.floorDiv(Duration.between(m.startsAt(), now).toSeconds(), 60);
  }

  private Future<JsonObject> checkInMember(long meetingId, long memberId, OffsetDateTime now, String source, Principal actor) {
    return pool.withTransaction(tx -> store.meeting(tx, meetingId, true).compose(m -> requireOpen(m).compose(v -> {
          int off = "scan".equals(source) ? minutesFromStart(m, now) : 0;
          return store.insertMember(tx, meetingId, memberId, arrival(off), off, source);
        })
        .compose(id -> id != null ? store.byId(tx, id).map(c -> c.put("already", false))
            : store.ofMember(tx, meetingId, memberId).map(c -> c.put("already", true)))
        .map(c -> c.put("meeting", m.toJson(store.zone())))));
  }

  /**
   * The coordinator marks members present (those without a phone) and adds guests by role; members
   * already checked in are left as they are. Members must be eligible at the station. Audited.
   */
  public Future<JsonObject> mark(Principal actor, long meetingId, List<Long> memberIds, Map<String, Integer> guests) {
    return pool.withTransaction(tx -> store.meeting(tx, meetingId, true).compose(m -> {
      if (m == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      return requireOpen(m)
          .compose(v -> members.requireEligible(tx, m.divisionCode().substring(0, 6) + "000000", "memberIds", memberIds))
          .compose(v -> {
            Future<Integer> added = Future.succeededFuture(0);
            for (Long id : new java.util.LinkedHashSet<>(memberIds)) {
              added = added.compose(n -> store.insertMember(tx, meetingId, id, "on_time", 0, "coordinator").map(x -> x == null ? n : n + 1));
            }
            for (Map.Entry<String, Integer> g : guests.entrySet()) {
              for (int i = 0; i < g.getValue(); i++) {
                added = added.compose(n -> store.insertGuest(tx, meetingId, g.getKey(), null, null, null, "on_time", 0, "coordinator")
                    .map(x -> n + 1));
              }
            }
            return added;
          })
          .compose(n -> AuditLog.record(tx, AuditEntry.by(actor, "checkin.mark", "meeting", meetingId, m.divisionCode(), null,
              new JsonObject().put("memberIds", new JsonArray(new ArrayList<>(memberIds))).put("guests", new JsonObject(new java.util.HashMap<>(guests)))
                  .put("added", n))).map(v -> n))
          .compose(n -> store.attendance(tx, meetingId).map(a -> a.put("added", n)));
    }));
  }

  /** The coordinator removes a wrong check-in. Audited. */
  public Future<JsonObject> remove(Principal actor, long meetingId, long checkinId) {
    return pool.withTransaction(tx -> store.meeting(tx, meetingId, true).compose(m -> requireOpen(m)
        .compose(v -> store.byId(tx, checkinId))
        .compose(before -> {
          if (before == null || before.getLong("meetingId") != meetingId) {
            return Future.failedFuture(AppException.notFound("No such check-in at this meeting"));
          }
          return store.delete(tx, meetingId, checkinId)
              .compose(ok -> AuditLog.record(tx, AuditEntry.by(actor, "checkin.remove", "meeting", meetingId, m.divisionCode(),
                  before, null)))
              .compose(v -> store.attendance(tx, meetingId));
        })));
  }

  /** A meeting's check-ins with the attendance they add up to. */
  public Future<JsonObject> overview(long meetingId) {
    return Future.all(store.list(pool, meetingId), store.attendance(pool, meetingId), codeFor(meetingId))
        .map(all -> {
          JsonObject code = all.resultAt(2);
          JsonObject att = all.resultAt(1);
          return new JsonObject().put("meeting", code.getJsonObject("meeting")).put("items", (JsonArray) all.resultAt(0))
              .put("attendance", att.getJsonObject("attendance")).put("memberIds", att.getJsonArray("memberIds"))
              .put("code", code.getString("code")).put("path", code.getString("path"))
              .put("validFrom", code.getString("validFrom")).put("validUntil", code.getString("validUntil"));
        });
  }

  /** Members to mark, found by name. */
  public Future<JsonArray> search(long meetingId, String q) {
    return store.meeting(pool, meetingId, false).compose(m -> m == null ? Future.failedFuture(AppException.notFound("No such meeting"))
        : store.searchMembers(pool, meetingId, m.divisionCode(), q));
  }

  /** For the scan API without a session: check-in by the member linked to the caller's account. */
  public Future<Long> memberOf(Principal p) {
    return p == null || !p.is(Role.MEMBER) ? Future.succeededFuture() : accounts.memberOf(p.id());
  }


  /** The station and division of a meeting, for the routes' jurisdiction check: {stationId, divisionCode}, or null. */
  public Future<Object[]> scopeOf(long meetingId) {
    return store.scopeOf(pool, meetingId);
  }
}
