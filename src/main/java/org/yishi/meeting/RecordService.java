package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Filing what happened at a meeting (the record): held or not (and why), actual times, attendance by
 * role, which members came, minutes, suggestions made, consensus. The coordinator files it once
 * the meeting has started; district staff may return it for correction, after which it is filed
 * again (version-checked). The meeting becomes held / not held. A held meeting's outcomes may come
 * with its record and are then written in the same transaction (all or nothing). Audited; events
 * after commit.
 */
public final class RecordService {
  private final Pool pool;
  private final MeetingStore meetings;
  private final RecordStore records;
  private final java.time.ZoneId zone;
  private final DomainEvents events;
  private final OutcomeFiling outcomes;
  private final CommitteeMembers members;

  public RecordService(Pool pool, DomainEvents events, CommitteeMembers members, OutcomeFiling outcomes, java.time.ZoneId zone) {
    this.pool = pool;
    this.members = members;
    this.meetings = new MeetingStore(pool, zone);
    this.records = new RecordStore(zone);
    this.zone = zone;
    this.events = events;
    this.outcomes = outcomes;
  }

  /** Most outcomes filed with one record (a meeting's outcomes are a handful; more: one request each). */
  public static final int MAX_OUTCOMES = 20;

  public RecordStore store() {
    return records;
  }

  /** A record form or JSON body, checked field by field, with the outcomes filed with it (API only). */
  public record RecordInput(RecordStore.Values values, List<Long> attendedMemberIds, Integer version,
                            List<OutcomeFiling.Pending> outcomes) {
  }

  /** A record form (no outcomes). */
  public RecordInput read(Input in, Map<String, Object> attendance) {
    return read(in, attendance, null, null, null);
  }

  /**
   * A record's JSON body. {@code outcomes} is its optional {@code outcomes} array: each element the
   * body of {@code POST /api/v1/outcomes} without {@code meetingId}, read by the outcome feature's
   * own rules; an error names the element, e.g. {@code outcomes[1].form}.
   */
  public RecordInput read(Input in, Map<String, Object> attendance, Object outcomes, LocalDate today) {
    return read(in, attendance, outcomes, today, this.outcomes);
  }

  private RecordInput read(Input in, Map<String, Object> attendance, Object outcomes, LocalDate today,
                                  OutcomeFiling filing) {
    Boolean held = in.optionalBool("held");
    if (held == null && !in.failed("held")) {
      in.reject("held", "field.required");
    }
    String reason = in.optionalText("notHeldReason", 1000, true);
    OffsetDateTime start = null;
    OffsetDateTime end = null;
    if (Boolean.TRUE.equals(held)) {
      start = MeetingService.time(in, "actualStart", zone);
      end = MeetingService.time(in, "actualEnd", zone);
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
    List<OutcomeFiling.Pending> filed = readOutcomes(in, outcomes, today, filing);
    if (!filed.isEmpty() && Boolean.FALSE.equals(held)) {
      in.reject("outcomes", "outcome.error.meetingCancelled");
    }
    in.done();
    return new RecordInput(new RecordStore.Values(held, Boolean.TRUE.equals(held) ? null : reason, start, end,
        counts[0], counts[1], counts[2], counts[3], counts[4], minutes, suggestions == null ? 0 : suggestions.intValue(),
        consensus), attended, version == null ? null : version.intValue(), filed);
  }

  private static List<OutcomeFiling.Pending> readOutcomes(Input in, Object outcomes, LocalDate today, OutcomeFiling filing) {
    if (outcomes == null) {
      return List.of();
    }
    if (!(outcomes instanceof JsonArray list)) {
      in.reject("outcomes", "field.record.outcomes", MAX_OUTCOMES);
      return List.of();
    }
    if (list.size() > MAX_OUTCOMES) {
      in.reject("outcomes", "field.record.outcomes", MAX_OUTCOMES);
      return List.of();
    }
    List<OutcomeFiling.Pending> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "outcomes[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject element)) {
        in.reject(at, "field.record.outcome");
        continue;
      }
      Input one = Input.fromObjects(element.getMap());
      out.add(filing.read(one, today));
      one.errors().forEach((field, msg) -> in.reject(at + "." + field, msg.key(), msg.args().toArray()));
    }
    return out;
  }

  /**
   * Files the record, or corrects a returned one (then {@code in.version()} must be current).
   * 409 when the meeting was cancelled, has not started yet, or its record is filed already.
   */
  public Future<JsonObject> file(Principal actor, long meetingId, RecordInput in, OffsetDateTime now) {
    Long[] attended = new LinkedHashSet<>(in.attendedMemberIds()).toArray(new Long[0]);
    // the meeting (its own row: its state is all this needs) and the record as it is are read together;
    // the writes are sent together once the checks pass (pipelined on the transaction's connection, in this order)
    Future<Filed> write = pool.withTransaction(tx -> Future.join(meetings.rowById(tx, meetingId), records.byMeeting(tx, meetingId))
        .compose(read -> {
      JsonObject meeting = read.resultAt(0);
      JsonObject before = read.resultAt(1);
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
      String district = meeting.getString("divisionCode").substring(0, 6) + "000000";
      return members.requireEligible(tx, district, "attendedMemberIds", in.attendedMemberIds())
          .compose(v -> {
            if (before != null && !("returned".equals(before.getString("status")) && in.version() != null)) {
              return Future.failedFuture(new AppException(ErrorKind.CONFLICT, before.getString("status").equals("filed")
                  ? "The record is filed; district staff can return it for correction"
                  : "Send the version of the returned record you corrected",
                  Map.of("version", Msg.of(before.getString("status").equals("filed") ? "field.record.filed" : "field.stale"))));
            }
            // the record as stored comes back from its own INSERT/UPDATE and the attendees' (no re-read)
            Future<JsonObject> saved = before == null ? records.insert(tx, meetingId, in.values(), actor.id())
                : records.correct(tx, meetingId, in.values(), in.version(), actor.id());
            Future<JsonObject> attendees = records.setAttendees(tx, meetingId, attended, new JsonObject(), before == null);
            Future<Void> status = records.setMeetingStatus(tx, meetingId, in.values().held());
            Future<List<JsonObject>> created = insertOutcomes(tx, actor, meetingId, in.outcomes());
            Future<JsonObject> after = saved.compose(row -> row != null ? attendees.map(row::mergeIn)
                : Future.failedFuture(new AppException(ErrorKind.CONFLICT, "Someone changed the record meanwhile",
                    Map.of("version", Msg.of("field.stale")))));
            Future<Void> audited = after.compose(row -> AuditLog.record(tx, AuditEntry.by(actor,
                before == null ? "record.file" : "record.correct", "meeting", meetingId, meeting.getString("divisionCode"),
                before, row)));
            // join, not all: every statement sent is answered before the transaction ends (a failure rolls all back);
            // the first failure in this order is the answer
            return Future.join(after, status, audited, created).map(all -> new Filed(after.result()
                .put("divisionCode", meeting.getString("divisionCode")).put("stationId", meeting.getLong("stationId")),
                created.result()));
          });
    }));
    // after the commit: the record's event, then one per outcome, as the separate requests publish them
    return write.map(filed -> {
      events.publish(DomainEvent.RECORD_FILED, filed.record());
      filed.outcomes().forEach(outcomes::publishCreated);
      JsonObject answer = filed.record().copy();
      if (!in.outcomes().isEmpty()) {
        answer.put("outcomes", new JsonArray(filed.outcomes()));
      }
      return answer;
    });
  }

  private record Filed(JsonObject record, List<JsonObject> outcomes) {
  }

  /** The outcomes in the record's transaction, in batches (each with its history and audit entry). */
  private Future<List<JsonObject>> insertOutcomes(SqlConnection tx, Principal actor, long meetingId,
                                                  List<OutcomeFiling.Pending> values) {
    return values.isEmpty() ? Future.succeededFuture(List.of()) : outcomes.insertAll(tx, actor, meetingId, values);
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
          .compose(after -> meetings.rowById(tx, meetingId).compose(m -> AuditLog.record(tx, AuditEntry.by(actor,
              "record.return", "meeting", meetingId, m.getString("divisionCode"), before, after))
              .compose(v -> Outbox.queue(tx, Notices.recordReturned(meetingId, after.getInteger("version"), m.getLong("stationId"),
                  m.getString("topicTitle"), m.getString("stationName"), reason)))
              .map(v -> after.put("divisionCode", m.getString("divisionCode")).put("stationId", m.getLong("stationId")))));
    }));
    return events.afterCommit(DomainEvent.RECORD_RETURNED, write);
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link RecordStore#byMeeting}, for the routes. */
  public Future<JsonObject> byMeeting(io.vertx.sqlclient.SqlClient client, long meetingId) {
    return store().byMeeting(client, meetingId);
  }
}
