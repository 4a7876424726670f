package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
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
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;
import org.yishi.platform.vocabulary.MeetingFormat;
import org.yishi.platform.vocabulary.MeetingKind;

import java.time.DateTimeException;
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
public record MeetingService(Pool pool, MeetingStore store, java.time.ZoneId zone, DomainEvents events,
                             CommitteeMembers members) {
  public static final Set<String> FORMATS = Set.copyOf(MeetingFormat.keys());
  /** The kinds in the order the scheduling form offers them (one vocabulary: {@link MeetingKind}). */
  public static final List<String> KINDS = MeetingKind.formOrder();
  public static final List<String> ROLES = List.of("host", "proposer", "responder", "related", "expert_resident");
  private static final Duration MAX_LENGTH = Duration.ofHours(12);

  public MeetingService(Pool pool, DomainEvents events, CommitteeMembers members, java.time.ZoneId zone) {
    this(pool, new MeetingStore(pool, zone), zone, events, members);
  }

  /** The node's time zone: local times of forms, calendar days of the calendar pages and feeds. */
  public java.time.ZoneId zone() {
    return zone;
  }

  /** A meeting form or JSON body. */
  public record MeetingInput(long topicId, OffsetDateTime startsAt, OffsetDateTime endsAt, String venue, String format,
                             String onlineLink, String kind, String researchPlan, String capacityAssessment,
                             List<JsonObject> participants, List<Long> memberIds) {
  }

  /** Reads a date-time: with an offset, or a local time in {@code zone} (what a datetime-local field sends). */
  static OffsetDateTime time(Input in, String field, java.time.ZoneId zone) {
    String raw = in.optionalText(field, 40, false);
    if (raw == null) {
      if (!in.failed(field)) {
        in.reject(field, "field.required");
      }
      return null;
    }
    OffsetDateTime t;
    try {
      t = OffsetDateTime.parse(raw);
    } catch (DateTimeException e) {
      try {
        t = LocalDateTime.parse(raw).atZone(zone).toOffsetDateTime();
      } catch (DateTimeException e2) {
        in.reject(field, "field.datetime");
        return null;
      }
    }
    // nothing is planned a billion years away: such a time would only overflow date arithmetic later
    if (!Params.yearAllowed(t)) {
      in.reject(field, "field.year", String.valueOf(Params.MIN_YEAR), String.valueOf(Params.MAX_YEAR));
      return null;
    }
    return t;
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

  public MeetingInput read(Input in, List<JsonObject> participants, OffsetDateTime now) {
    Long topic = in.optionalLong("topicId", 1, Long.MAX_VALUE);
    if (topic == null && !in.failed("topicId")) {
      in.reject("topicId", "field.required");
    }
    OffsetDateTime starts = time(in, "startsAt", zone);
    OffsetDateTime ends = time(in, "endsAt", zone);
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
    checkParticipants(in, participants);
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
      return events.afterCommit(DomainEvent.MEETING_SCHEDULED, this.members.requireEligible(pool, district, "memberIds", in.memberIds())
          .compose(eligible -> retryOnDeadlock(() -> pool.withTransaction(tx -> store.insert(tx, new MeetingStore.MeetingValues(topic.id(), topic.stationId(),
                  topic.divisionCode(), in.startsAt(), in.endsAt(), in.venue(), in.format(), in.onlineLink(), in.kind(),
                  in.researchPlan(), in.capacityAssessment()), actor.id())
              .compose(id -> store.addParticipants(tx, id, in.participants()).map(id))
              .compose(id -> store.addMembers(tx, id, members, in.startsAt(), in.endsAt()).map(id))
              .compose(id -> store.byId(tx, id))
              .compose(m -> store.addHistory(tx, m.getLong("id"), "schedule", null, times(m), null, actor.shownName())
                  .compose(v -> AuditLog.record(tx, AuditEntry.by(actor, "meeting.schedule", "meeting", m.getLong("id"),
                      topic.divisionCode(), null, m)))
                  .compose(v -> members.length == 0 ? Future.succeededFuture() : Outbox.queue(tx, Notices.meetingInvited(
                      m.getLong("id"), m.getString("topicTitle"), m.getString("stationName"), m.getString("startsAt"), m.getString("venue"))))
                  .map(m))), 3)
          .recover(err -> clash(actor, err, topic.stationId(), members, in.startsAt(), in.endsAt(), null))));
    });
  }

  private static JsonObject times(JsonObject m) {
    return new JsonObject().put("startsAt", m.getString("startsAt")).put("endsAt", m.getString("endsAt"));
  }

  /**
   * Turns an exclusion-constraint refusal into a 409 that says what is in the way, as far as the
   * caller may see it (see {@link Clash}).
   */
  private Future<JsonObject> clash(Principal actor, Throwable err, long stationId, Long[] members, OffsetDateTime starts,
                                   OffsetDateTime ends, Long exceptId) {
    if (!(err instanceof PgException pg) || !"23P01".equals(pg.getSqlState())) {
      return Future.failedFuture(err);
    }
    boolean memberClash = pg.getConstraint() != null && pg.getConstraint().startsWith("meeting_member");
    Future<JsonObject> other = memberClash ? store.memberClash(members, starts, ends, exceptId)
        : store.stationClash(stationId, starts, ends, exceptId);
    return other.compose(found -> Future.failedFuture(Clash.of(actor, memberClash, found)));
  }

  /**
   * 409: the station or a member is booked at that time. What it tells is only what the caller may
   * see: a clashing meeting inside the caller's jurisdiction (for a coordinator: at one of their
   * stations) is named by id, title, station and time; one outside it is not described at all, the
   * answer only says that the member (one the caller invited, so one they may see) is booked then.
   */
  public static final class Clash extends AppException {
    private final transient JsonObject shown;

    private Clash(String field, Msg msg, JsonObject shown) {
      super(ErrorKind.CONFLICT, "The time clashes with another meeting", Map.of(field, msg));
      this.shown = shown;
    }

    static Clash of(Principal actor, boolean memberClash, JsonObject other) {
      String field = memberClash ? "memberIds" : "startsAt";
      JsonObject shown = new JsonObject();
      if (memberClash && other != null) {
        shown.put("memberId", other.getLong("memberId")).put("memberName", other.getString("memberName"));
      }
      boolean visible = other != null && actor.jurisdiction().coversStation(other.getLong("stationId"), other.getString("divisionCode"));
      if (visible) {
        shown.put("id", other.getLong("id")).put("topicTitle", other.getString("topicTitle"))
            .put("stationId", other.getLong("stationId")).put("stationName", other.getString("stationName"))
            .put("startsAt", other.getString("startsAt")).put("endsAt", other.getString("endsAt"));
        String at = other.getString("startsAt").substring(0, 16).replace('T', ' ');
        return new Clash(field, memberClash ? Msg.of("field.meeting.memberClash", other.getString("topicTitle"), at, other.getString("memberName"))
            : Msg.of("field.meeting.stationClash", other.getString("topicTitle"), at), shown);
      }
      if (memberClash && other != null) {
        return new Clash(field, Msg.of("field.meeting.memberBusy", other.getString("memberName")), shown);
      }
      return new Clash(field, Msg.of(memberClash ? "field.meeting.membersBusy" : "field.meeting.stationBusy"), shown);
    }

    /**
     * What the caller may see of the clash: {@code id}, {@code topicTitle}, {@code stationId},
     * {@code stationName}, {@code startsAt}, {@code endsAt} of a meeting inside their jurisdiction;
     * {@code memberId}, {@code memberName} of the booked member for a member clash; empty otherwise.
     */
    public JsonObject shown() {
      return shown;
    }
  }

  /** Moves a meeting to another time (reason required); version-checked, clash-checked. */
  public Future<JsonObject> reschedule(Principal actor, long id, OffsetDateTime starts, OffsetDateTime ends, String reason,
                                       int version) {
    return events.afterCommit(DomainEvent.MEETING_RESCHEDULED, retryOnDeadlock(() -> pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
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
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "meeting.reschedule", "meeting", id,
              after.getString("divisionCode"), before, after)).map(after))
          .compose(after -> Outbox.queue(tx, Notices.meetingChanged(id, after.getInteger("version"), after.getLong("stationId"),
              after.getString("topicTitle"), after.getString("stationName"), after.getString("startsAt"), reason)).map(after));
    })), 3).recover(err -> {
      if (err instanceof PgException) {
        return store.byId(pool, id).compose(m -> clash(actor, err, m.getLong("stationId"),
            m.getJsonArray("members").stream().map(o -> ((JsonObject) o).getLong("id")).toArray(Long[]::new), starts, ends, id))
            .recover(e -> e instanceof Clash ? Future.failedFuture(e) : Future.failedFuture(err));
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
    return events.afterCommit(DomainEvent.MEETING_CANCELLED, pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      return store.cancel(tx, id, reason).compose(ok -> ok ? Future.<Void>succeededFuture()
              : Future.failedFuture(AppException.conflict("Only a scheduled meeting can be cancelled")))
          .compose(v -> store.addHistory(tx, id, "cancel", null, null, reason, actor.shownName()))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "meeting.cancel", "meeting", id,
              after.getString("divisionCode"), before, after)).map(after))
          .compose(after -> Outbox.queue(tx, Notices.meetingCancelled(id, after.getLong("stationId"),
              after.getString("topicTitle"), after.getString("stationName"), after.getString("startsAt"), reason)).map(after));
    })));
  }

  /** A party's contact: a mobile number, a landline (area code, optional dash) or an e-mail address. */
  static final String PARTY_CONTACT = "1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8}|[^@\\s<>\"']{1,64}@[^@\\s<>\"']+\\.[^@\\s<>\"']+";

  /** The five-party list's rules: at most 50, each with a known role and a name, contacts a party can be reached at. */
  private static void checkParticipants(Input in, List<JsonObject> participants) {
    if (participants.size() > 50) {
      in.reject("participants", "field.tooMany", 50);
    }
    for (JsonObject p : participants) {
      String role = p.getString("role");
      String contact = p.getString("contact");
      if (role == null || !ROLES.contains(role) || p.getString("name") == null || p.getString("name").length() > 100
          || (p.getString("organisation") != null && p.getString("organisation").length() > 100)
          || (contact != null && contact.length() > 100)
          || Text.hasControl(p.getString("name")) || p.getString("organisation") != null && Text.hasControl(p.getString("organisation"))
          || contact != null && Text.hasControl(contact)) {
        in.reject("participants", "field.meeting.participant");
      } else if (contact != null && !contact.matches(PARTY_CONTACT)) {
        in.reject("participants", "field.meeting.participantContact");
      }
    }
  }

  /**
   * Replaces a meeting's five-party list (e.g. a corrected contact), for a meeting that is not
   * cancelled; validated as at scheduling, audited, in one transaction.
   */
  public Future<JsonObject> replaceParticipants(Principal actor, long id, Input in, List<JsonObject> participants) {
    checkParticipants(in, participants);
    in.done();
    return pool.withTransaction(tx -> store.byId(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such meeting"));
      }
      if ("cancelled".equals(before.getString("status"))) {
        return Future.failedFuture(AppException.conflict("A cancelled meeting's parties can no longer be changed"));
      }
      return store.replaceParticipants(tx, id, participants)
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "meeting.participants", "meeting", id,
              after.getString("divisionCode"), new JsonObject().put("participants", before.getJsonArray("participants")),
              new JsonObject().put("participants", after.getJsonArray("participants")))).map(after));
    }));
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

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link MeetingStore#approvedTopics}, for the routes. */
  public Future<JsonArray> approvedTopics(org.yishi.platform.security.Jurisdiction j) {
    return store().approvedTopics(j);
  }

  /** {@link MeetingStore#between}, for the routes. */
  public Future<JsonArray> between(org.yishi.platform.security.Jurisdiction j, Long stationId, String within, OffsetDateTime from, OffsetDateTime to, boolean includeCancelled) {
    return store().between(j, stationId, within, from, to, includeCancelled);
  }

  /** {@link MeetingStore#byId}, for the routes. */
  public Future<JsonObject> byId(io.vertx.sqlclient.SqlClient client, long id) {
    return store().byId(client, id);
  }

  /** {@link MeetingStore#scopeOf}, for the routes. */
  public Future<Object[]> scopeOf(long id) {
    return store().scopeOf(id);
  }
}
