package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import org.yishi.audit.AuditEntry;
import org.yishi.audit.AuditStore;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Text;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scheduling meetings for approved topics. PostgreSQL's exclusion constraints guarantee that a
 * station, and a member, is never booked into two overlapping meetings, also when two nodes book
 * at the same instant; the service turns the refusal into a 409 that names the clashing meeting.
 */
public final class MeetingService {
  public static final Set<String> FORMATS = Set.of("on_site", "online", "hybrid");
  public static final List<String> KINDS = List.of("thematic_consultation", "forum", "counterpart", "proposal_handling",
      "sector", "grassroots", "standing_committee_session");
  public static final List<String> ROLES = List.of("host", "proposer", "responder", "related", "expert_resident");
  private static final Duration MAX_LENGTH = Duration.ofHours(12);

  private final Pool pool;
  private final MeetingStore store;
  private final DomainEvents events;

  public MeetingService(Pool pool, DomainEvents events) {
    this.pool = pool;
    this.store = new MeetingStore(pool);
    this.events = events;
  }

  public MeetingStore store() {
    return store;
  }

  /** A meeting form or JSON body. */
  public record MeetingInput(long topicId, OffsetDateTime startsAt, OffsetDateTime endsAt, String venue, String format,
                             String onlineLink, String kind, String researchPlan, String capacityAssessment,
                             List<JsonObject> participants, List<Long> memberIds) {
  }

  /** Reads a date-time: with an offset, or a local time in Asia/Shanghai (what a datetime-local field sends). */
  static OffsetDateTime time(Input in, String field) {
    String raw = in.optionalText(field, 40, false);
    if (raw == null) {
      if (!in.failed(field)) {
        in.reject(field, "field.required");
      }
      return null;
    }
    try {
      return OffsetDateTime.parse(raw);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(raw).atZone(MeetingStore.SHANGHAI).toOffsetDateTime();
      } catch (DateTimeParseException e2) {
        in.reject(field, "field.datetime");
        return null;
      }
    }
  }

  /** Checks the times: the end after the start, at most 12 hours, not in the past. */
  static void checkTimes(Input in, OffsetDateTime starts, OffsetDateTime ends, OffsetDateTime now) {
    if (starts != null && ends != null) {
      if (!ends.isAfter(starts)) {
        in.reject("endsAt", "field.meeting.endBeforeStart");
      } else if (Duration.between(starts, ends).compareTo(MAX_LENGTH) > 0) {
        in.reject("endsAt", "field.meeting.tooLong");
      }
    }
    if (starts != null && starts.isBefore(now)) {
      in.reject("startsAt", "field.meeting.past");
    }
  }

  public static MeetingInput read(Input in, List<JsonObject> participants, OffsetDateTime now) {
    Long topic = in.optionalLong("topicId", 1, Long.MAX_VALUE);
    if (topic == null && !in.failed("topicId")) {
      in.reject("topicId", "field.required");
    }
    OffsetDateTime starts = time(in, "startsAt");
    OffsetDateTime ends = time(in, "endsAt");
    checkTimes(in, starts, ends, now);
    String venue = in.optionalText("venue", 200, false);
    String format = in.text("format", 20);
    if (format != null && !FORMATS.contains(format)) {
      in.reject("format", "field.meeting.format");
    }
    String link = in.optionalText("onlineLink", 500, false);
    if (format != null && !"on_site".equals(format) && link == null) {
      in.reject("onlineLink", "field.meeting.link");
    }
    if (link != null && !link.matches("https?://\\S+")) {
      in.reject("onlineLink", "field.meeting.linkFormat");
    }
    if ("on_site".equals(format) && venue == null) {
      in.reject("venue", "field.required");
    }
    String kind = in.text("kind", 40);
    if (kind != null && !KINDS.contains(kind)) {
      in.reject("kind", "field.meeting.kind");
    }
    String plan = in.optionalText("researchPlan", 4000, true);
    String capacity = in.optionalText("capacityAssessment", 2000, true);
    List<Long> members = in.longList("memberIds", 200);
    if (participants.size() > 50) {
      in.reject("participants", "field.tooMany", 50);
    }
    for (JsonObject p : participants) {
      String role = p.getString("role");
      if (role == null || !ROLES.contains(role) || p.getString("name") == null || p.getString("name").length() > 100
          || (p.getString("organisation") != null && p.getString("organisation").length() > 100)
          || (p.getString("contact") != null && p.getString("contact").length() > 100)
          || Text.hasControl(p.getString("name")) || p.getString("organisation") != null && Text.hasControl(p.getString("organisation"))
          || p.getString("contact") != null && Text.hasControl(p.getString("contact"))) {
        in.reject("participants", "field.meeting.participant");
      }
    }
    in.done();
    return new MeetingInput(topic, starts, ends, venue, format, link, kind, plan, capacity, participants, members);
  }

  /**
   * Schedules a meeting for an approved topic inside the caller's jurisdiction. A clash with another
   * meeting of the station or of an invited member answers 409 naming that meeting.
   */
  public Future<JsonObject> schedule(Principal actor, MeetingInput in) {
    Long[] members = new LinkedHashSet<>(in.memberIds()).toArray(new Long[0]);
    return store.approvedTopic(in.topicId()).compose(topic -> {
      if (topic == null) {
        return Future.failedFuture(AppException.invalid("topicId", "field.meeting.topic"));
      }
      actor.jurisdiction().requireStation(topic.stationId(), topic.divisionCode());
      if (!"active".equals(topic.stationStatus())) {
        return Future.failedFuture(AppException.invalid("topicId", "field.meeting.stationInactive"));
      }
      String district = topic.divisionCode().substring(0, 6) + "000000";
      return events.afterCommit("meeting.scheduled", store.countEligibleMembers(district, members).compose(n -> n != members.length
          ? Future.failedFuture(AppException.invalid("memberIds", "field.member.notEligible"))
          : retryOnDeadlock(() -> pool.withTransaction(tx -> store.insert(tx, new MeetingStore.MeetingValues(topic.id(), topic.stationId(),
                  topic.divisionCode(), in.startsAt(), in.endsAt(), in.venue(), in.format(), in.onlineLink(), in.kind(),
                  in.researchPlan(), in.capacityAssessment()), actor.id())
              .compose(id -> store.addParticipants(tx, id, in.participants()).map(id))
              .compose(id -> store.addMembers(tx, id, members, in.startsAt(), in.endsAt()).map(id))
              .compose(id -> store.byId(tx, id))
              .compose(m -> store.addHistory(tx, m.getLong("id"), "schedule", null, times(m), null, actor.shownName())
                  .compose(v -> AuditStore.record(tx, AuditEntry.by(actor, "meeting.schedule", "meeting", m.getLong("id"),
                      topic.divisionCode(), null, m)))
                  .map(m))), 3)
          .recover(err -> clash(err, topic.stationId(), members, in.startsAt(), in.endsAt(), null))));
    });
  }

  private static JsonObject times(JsonObject m) {
    return new JsonObject().put("startsAt", m.getString("startsAt")).put("endsAt", m.getString("endsAt"));
  }

  /** Turns an exclusion-constraint refusal into a 409 that says which meeting is in the way. */
  private Future<JsonObject> clash(Throwable err, long stationId, Long[] members, OffsetDateTime starts,
                                   OffsetDateTime ends, Long exceptId) {
    if (!(err instanceof PgException pg) || !"23P01".equals(pg.getSqlState())) {
      return Future.failedFuture(err);
    }
    boolean memberClash = pg.getConstraint() != null && pg.getConstraint().startsWith("meeting_member");
    return store.clash(stationId, members, starts, ends, exceptId).compose(other -> Future.failedFuture(
        new Clash(memberClash ? "memberIds" : "startsAt", memberClash ? "field.meeting.memberClash" : "field.meeting.stationClash",
            other)));
  }

  /** 409: the station or a member is booked at that time; carries the other meeting. */
  public static final class Clash extends AppException {
    private final transient JsonObject other;

    Clash(String field, String key, JsonObject other) {
      super(ErrorKind.CONFLICT, "The time clashes with another meeting", Map.of(field, Msg.of(key,
          other == null ? "" : other.getString("topicTitle"), other == null ? "" : other.getString("startsAt").substring(0, 16).replace('T', ' '))));
      this.other = other;
    }

    public JsonObject other() {
      return other;
    }
  }

  /** Moves a meeting to another time (reason required); version-checked, clash-checked. */
  public Future<JsonObject> reschedule(Principal actor, long id, OffsetDateTime starts, OffsetDateTime ends, String reason,
                                       int version) {
    return events.afterCommit("meeting.rescheduled", retryOnDeadlock(() -> pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      if (!"scheduled".equals(before.getString("status"))) {
        return Future.failedFuture(AppException.conflict("Only a scheduled meeting can be moved"));
      }
      return store.reschedule(tx, id, version, starts, ends).compose(ok -> ok ? Future.<Void>succeededFuture()
              : Future.failedFuture(new AppException(ErrorKind.CONFLICT, "Someone changed this meeting meanwhile; reload",
                  Map.of("version", Msg.of("field.stale")))))
          .compose(v -> store.addHistory(tx, id, "reschedule", times(before),
              new JsonObject().put("startsAt", starts.toString()).put("endsAt", ends.toString()), reason, actor.shownName()))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditStore.record(tx, AuditEntry.by(actor, "meeting.reschedule", "meeting", id,
              after.getString("divisionCode"), before, after)).map(after));
    })), 3).recover(err -> {
      if (err instanceof PgException) {
        return store.byId(pool, id).compose(m -> clash(err, m.getLong("stationId"),
            m.getJsonArray("members").stream().map(o -> ((JsonObject) o).getLong("id")).toArray(Long[]::new), starts, ends, id));
      }
      return Future.failedFuture(err);
    }));
  }

  /**
   * Two transactions that book colliding slots at once can deadlock on the exclusion constraint's
   * index (SQLSTATE 40P01) instead of one getting 23P01; PostgreSQL aborts one of them. Running the
   * aborted one again lets it see the other's committed booking and fail with a proper clash.
   */
  private static <T> Future<T> retryOnDeadlock(java.util.function.Supplier<Future<T>> attempt, int retries) {
    return attempt.get().recover(err -> retries > 0 && err instanceof PgException pg
        && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()))
        ? retryOnDeadlock(attempt, retries - 1) : Future.failedFuture(err));
  }

  /** Cancels a scheduled meeting (reason required); its members are free again at that time. */
  public Future<JsonObject> cancel(Principal actor, long id, String reason) {
    return events.afterCommit("meeting.cancelled", pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      return store.cancel(tx, id, reason).compose(ok -> ok ? Future.<Void>succeededFuture()
              : Future.failedFuture(AppException.conflict("Only a scheduled meeting can be cancelled")))
          .compose(v -> store.addHistory(tx, id, "cancel", null, null, reason, actor.shownName()))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditStore.record(tx, AuditEntry.by(actor, "meeting.cancel", "meeting", id,
              after.getString("divisionCode"), before, after)).map(after));
    })));
  }

  /** Reads the five-party list from a JSON body ({@code participants: [{role,name,organisation,contact}]}). */
  public static List<JsonObject> participants(Object raw) {
    List<JsonObject> out = new ArrayList<>();
    if (raw instanceof JsonArray arr) {
      for (Object o : arr) {
        if (o instanceof JsonObject p) {
          out.add(new JsonObject().put("role", str(p.getValue("role"))).put("name", str(p.getValue("name")))
              .put("organisation", str(p.getValue("organisation"))).put("contact", str(p.getValue("contact"))));
        } else {
          out.add(new JsonObject()); // reported as an invalid participant
        }
      }
    }
    return out;
  }

  private static String str(Object o) {
    return o instanceof String s ? Text.orNull(s) : null;
  }
}
