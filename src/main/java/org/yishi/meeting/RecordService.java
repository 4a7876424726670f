package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.audit.AuditEntry;
import org.yishi.audit.AuditStore;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;

import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Filing what happened at a meeting (the record): held or not (and why), actual times, attendance by
 * role, which members came, minutes, suggestions made, consensus. The coordinator files it once
 * the meeting has started; district staff may return it for correction, after which it is filed
 * again (version-checked). The meeting becomes held / not held. Audited; events after commit.
 */
public final class RecordService {
  private final Pool pool;
  private final MeetingStore meetings;
  private final RecordStore records = new RecordStore();
  private final DomainEvents events;

  public RecordService(Pool pool, DomainEvents events) {
    this.pool = pool;
    this.meetings = new MeetingStore(pool);
    this.events = events;
  }

  public RecordStore store() {
    return records;
  }

  /** A record form or JSON body, checked field by field. */
  public record RecordInput(RecordStore.Values values, List<Long> attendedMemberIds, Integer version) {
  }

  public static RecordInput read(Input in, Map<String, Object> attendance) {
    Boolean held = in.optionalBool("held");
    if (held == null && !in.failed("held")) {
      in.reject("held", "field.required");
    }
    String reason = in.optionalText("notHeldReason", 1000, true);
    OffsetDateTime start = null;
    OffsetDateTime end = null;
    if (Boolean.TRUE.equals(held)) {
      start = MeetingService.time(in, "actualStart");
      end = MeetingService.time(in, "actualEnd");
      if (start != null && end != null && !end.isAfter(start)) {
        in.reject("actualEnd", "field.meeting.endBeforeStart");
      }
    } else if (Boolean.FALSE.equals(held) && reason == null && !in.failed("notHeldReason")) {
      in.reject("notHeldReason", "field.record.notHeldReason");
    }
    int[] counts = new int[5];
    String[] roles = {"members", "residents", "departments", "experts", "others"};
    Input att = Input.fromObjects(attendance);
    for (int i = 0; i < roles.length; i++) {
      Long n = att.optionalLong(roles[i], 0, 100_000);
      counts[i] = n == null ? 0 : n.intValue();
    }
    att.errors().forEach((field, msg) -> in.reject("attendance." + field, msg.key(), msg.args().toArray()));
    String minutes = in.optionalText("minutes", 20_000, true);
    Long suggestions = in.optionalLong("suggestionsCount", 0, 100_000);
    Boolean consensus = in.optionalBool("consensus");
    List<Long> attended = in.longList("attendedMemberIds", 500);
    Long version = in.optionalLong("version", 1, Integer.MAX_VALUE);
    in.done();
    return new RecordInput(new RecordStore.Values(held, Boolean.TRUE.equals(held) ? null : reason, start, end,
        counts[0], counts[1], counts[2], counts[3], counts[4], minutes, suggestions == null ? 0 : suggestions.intValue(),
        consensus), attended, version == null ? null : version.intValue());
  }

  /**
   * Files the record, or corrects a returned one (then {@code in.version()} must be current).
   * 409 when the meeting was cancelled, has not started yet, or its record is filed already.
   */
  public Future<JsonObject> file(Principal actor, long meetingId, RecordInput in, OffsetDateTime now) {
    Long[] attended = new LinkedHashSet<>(in.attendedMemberIds()).toArray(new Long[0]);
    Future<JsonObject> write = pool.withTransaction(tx -> meetings.byId(tx, meetingId).compose(meeting -> {
      if (meeting == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      if ("cancelled".equals(meeting.getString("status"))) {
        return Future.failedFuture(AppException.conflict("A cancelled meeting has no record"));
      }
      if (OffsetDateTime.parse(meeting.getString("startsAt")).isAfter(now)) {
        return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The meeting has not started yet",
            Map.of("held", Msg.of("field.record.notStarted"))));
      }
      return records.countMembers(tx, attended).compose(n -> n != attended.length
              ? Future.failedFuture(AppException.invalid("attendedMemberIds", "field.stations.unknown"))
              : records.byMeeting(tx, meetingId))
          .compose(before -> {
            Future<Boolean> saved;
            if (before == null) {
              saved = records.insert(tx, meetingId, in.values(), actor.id());
            } else if ("returned".equals(before.getString("status")) && in.version() != null) {
              saved = records.correct(tx, meetingId, in.values(), in.version(), actor.id());
            } else {
              return Future.failedFuture(new AppException(ErrorKind.CONFLICT, before.getString("status").equals("filed")
                  ? "The record is filed; district staff can return it for correction"
                  : "Send the version of the returned record you corrected",
                  Map.of("version", Msg.of(before.getString("status").equals("filed") ? "field.record.filed" : "field.stale"))));
            }
            return saved.compose(ok -> ok ? Future.<Void>succeededFuture()
                    : Future.failedFuture(new AppException(ErrorKind.CONFLICT, "Someone changed the record meanwhile",
                        Map.of("version", Msg.of("field.stale")))))
                .compose(v -> records.setAttendees(tx, meetingId, attended))
                .compose(v -> records.setMeetingStatus(tx, meetingId, in.values().held()))
                .compose(v -> records.byMeeting(tx, meetingId))
                .compose(after -> AuditStore.record(tx, AuditEntry.by(actor, before == null ? "record.file" : "record.correct",
                        "meeting", meetingId, meeting.getString("divisionCode"), before, after))
                    .map(v -> after.put("divisionCode", meeting.getString("divisionCode"))
                        .put("stationId", meeting.getLong("stationId"))));
          });
    }));
    return events.afterCommit("record.filed", write);
  }

  /** District staff (and city, admin) return a filed record for correction, with a reason. */
  public Future<JsonObject> returnForCorrection(Principal actor, long meetingId, String reason, int version) {
    if (actor.is(Role.STATION_COORDINATOR)) {
      return Future.failedFuture(AppException.forbidden("Only committee staff return records"));
    }
    Future<JsonObject> write = pool.withTransaction(tx -> records.byMeeting(tx, meetingId).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No record for this meeting"));
      }
      return records.returnForCorrection(tx, meetingId, reason, version)
          .compose(ok -> ok ? records.byMeeting(tx, meetingId)
              : Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The record is not filed at that version",
                  Map.of("version", Msg.of("field.stale")))))
          .compose(after -> meetings.byId(tx, meetingId).compose(m -> AuditStore.record(tx, AuditEntry.by(actor,
              "record.return", "meeting", meetingId, m.getString("divisionCode"), before, after))
              .map(v -> after.put("divisionCode", m.getString("divisionCode")).put("stationId", m.getLong("stationId")))));
    }));
    return events.afterCommit("record.returned", write);
  }
}
