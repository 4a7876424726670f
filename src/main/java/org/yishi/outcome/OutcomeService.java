package org.yishi.outcome;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.outcome.OutcomeStore.OutcomeValues;
import org.yishi.outcome.OutcomeStore.StepValues;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.http.StaleConflict;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Params;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Outcomes (协商成果) of meetings and their follow-up loop: referred to a responsible unit,
 * answered, implemented, closed with the station's satisfaction and the effectiveness evaluation.
 * Every change is one transaction with its history row and audit entry, checked against the
 * version the caller read; after the commit a domain event {@code outcome.*} goes out (never for a
 * refused or rolled-back change).
 */
public record OutcomeService(Pool pool, OutcomeStore store, DomainEvents events, OutcomeMembers members) {
  /** The node's time zone: calendar days of due dates and of "today". */
  public java.time.ZoneId zone() {
    return store.zone();
  }

  /** Most overdue outcomes escalated in one run; the rest follow in the next. */
  static final int ESCALATION_BATCH = 500;

  public OutcomeService(Pool pool, DomainEvents events, OutcomeMembers members, java.time.ZoneId zone) {
    this(pool, new OutcomeStore(pool, zone), events, members);
  }

  // ---------------------------------------------------------------- input

  /** A new or edited outcome (the "three clarities": form, responsible unit and how it applies it, due date). */
  public record OutcomeInput(Long meetingId, OutcomeValues values, Integer version) {
  }

  /** Reads an outcome; {@code editing} asks for the version instead of the meeting. */
  public static OutcomeInput read(Input in, boolean editing, LocalDate today) {
    Long meeting = null;
    if (!editing) {
      meeting = in.optionalLong("meetingId", 1, Long.MAX_VALUE);
      if (meeting == null && !in.failed("meetingId")) {
        in.reject("meetingId", "field.required");
      }
    }
    OutcomeValues values = values(in, today);
    Integer version = editing ? version(in) : null;
    in.done();
    return new OutcomeInput(meeting, values, version);
  }

  /**
   * The fields of a new outcome other than its meeting, each rejected on {@code in} when wrong (the
   * caller ends with {@code in.done()}): also read for the outcomes filed with a meeting's record.
   */
  public static OutcomeValues values(Input in, LocalDate today) {
    String content = in.optionalText("content", 4000, true);
    if (content == null && !in.failed("content")) {
      in.reject("content", "field.required");
    }
    String form = in.text("form", 40);
    if (form != null && !OutcomeStatus.FORMS.contains(form)) {
      in.reject("form", "outcome.error.form");
    }
    String unit = in.text("responsibleUnit", 100);
    String application = in.optionalText("application", 1000, true);
    LocalDate due = date(in, "dueOn");
    if (due != null && due.isBefore(today)) {
      in.reject("dueOn", "outcome.error.duePast");
    }
    return new OutcomeValues(content, form, unit, application, due);
  }

  /** A required date, {@code YYYY-MM-DD}. */
  static LocalDate date(Input in, String field) {
    String raw = in.text(field, 10);
    if (raw == null) {
      return null;
    }
    LocalDate d = Params.parseDate(raw);
    if (d == null) {
      in.reject(field, "field.date");
      return null;
    }
    if (!Params.yearAllowed(d)) {
      in.reject(field, "field.year", String.valueOf(Params.MIN_YEAR), String.valueOf(Params.MAX_YEAR));
      return null;
    }
    return d;
  }

  /** The required {@code version} the caller read. */
  static Integer version(Input in) {
    Long v = in.version();
    return v == null ? null : v.intValue();
  }

  /** A step of the loop with its fields. */
  public record StepInput(OutcomeStatus.Action action, StepValues values, Integer version) {
  }

  /** Reads a step: the action, the version, and the fields the action requires (422 per missing field). */
  public static StepInput readStep(Input in) {
    String key = in.text("action", 20);
    OutcomeStatus.Action action = OutcomeStatus.Action.fromKey(key);
    if (key != null && action == null) {
      in.reject("action", "outcome.error.action");
    }
    String answer = null;
    String reply = null;
    String evidence = null;
    String satisfaction = null;
    String comment = null;
    String effectiveness = null;
    if (action == OutcomeStatus.Action.ANSWER) {
      answer = choice(in, "answer", OutcomeStatus.ANSWERS);
      reply = required(in, "reply", 4000);
    } else if (action == OutcomeStatus.Action.IMPLEMENT) {
      evidence = required(in, "evidence", 4000);
    } else if (action == OutcomeStatus.Action.CLOSE) {
      satisfaction = choice(in, "satisfaction", OutcomeStatus.SATISFACTION);
      comment = in.optionalText("satisfactionComment", 1000, true);
      effectiveness = required(in, "effectiveness", 2000);
    }
    Integer version = version(in);
    in.done();
    return new StepInput(action, new StepValues(answer, reply, evidence, satisfaction, comment, effectiveness), version);
  }

  private static String required(Input in, String field, int max) {
    String v = in.optionalText(field, max, true);
    if (v == null && !in.failed(field)) {
      in.reject(field, "field.required");
    }
    return v;
  }

  private static String choice(Input in, String field, List<String> allowed) {
    String v = in.text(field, 40);
    if (v != null && !allowed.contains(v)) {
      in.reject(field, "outcome.error." + field);
      return null;
    }
    return v;
  }

  // ---------------------------------------------------------------- writes

  /** 409 carrying the stored outcome: a stale version, or a change its status does not allow. */
  public static final class OutcomeConflict extends StaleConflict {
    OutcomeConflict(JsonObject current, String message, String field, Msg msg) {
      super(current, message, Map.of(field, msg));
    }

    static OutcomeConflict stale(JsonObject current) {
      return new OutcomeConflict(current, "Someone changed this outcome meanwhile; review the current values and try again",
          "version", Msg.of("outcome.error.stale"));
    }
  }

  /**
   * Records an outcome of a meeting inside the caller's jurisdiction. The meeting must have started
   * (or be held) and not be cancelled or recorded as not held: a 422 on {@code meetingId} otherwise.
   */
  public Future<JsonObject> create(Principal actor, OutcomeInput in) {
    Future<JsonObject> write = store.meeting(in.meetingId()).compose(m -> {
      if (m == null) {
        return Future.failedFuture(AppException.invalid("meetingId", "outcome.error.meeting"));
      }
      if (!actor.jurisdiction().coversStation(m.stationId(), m.divisionCode())) {
        return Future.failedFuture(AppException.forbidden("The meeting lies outside your jurisdiction"));
      }
      if ("cancelled".equals(m.status()) || "not_held".equals(m.status())) {
        return Future.failedFuture(AppException.invalid("meetingId", "outcome.error.meetingCancelled"));
      }
      if (!"held".equals(m.status()) && !m.started()) {
        return Future.failedFuture(AppException.invalid("meetingId", "outcome.error.meetingNotStarted"));
      }
      return pool.withTransaction(tx -> insert(tx, actor, m.id(), in.values()));
    });
    return events.afterCommit(CREATED, write);
  }

  /** The event of a new outcome, published after the commit with the outcome. */
  public static final String CREATED = DomainEvent.OUTCOME_CREATED.type();

  /**
   * Inserts a referred outcome of a meeting in the caller's transaction {@code tx}, with its
   * history row and audit entry, and answers it as stored. The caller has checked that the meeting
   * takes outcomes from {@code actor}, and publishes {@link #CREATED} once its transaction commits
   * ({@link #publishCreated}).
   */
  public Future<JsonObject> insert(SqlClient tx, Principal actor, long meetingId, OutcomeValues values) {
    return store.insert(tx, meetingId, values, actor.id())
        .compose(id -> store.addHistory(tx, id, "create", null, OutcomeStatus.REFERRED, null, actor.id(),
            actor.shownName()).map(id))
        .compose(id -> store.byId(tx, id))
        .compose(o -> AuditLog.record(tx, AuditEntry.by(actor, "outcome.create", "outcome", o.getLong("id"),
            o.getString("divisionCode"), null, o)).map(o))
        .compose(o -> Outbox.queue(tx, Notices.outcomeReferred(o.getLong("id"), o.getString("stationName"),
            o.getString("responsibleUnit"), o.getString("dueOn"), o.getString("content"))).map(o));
  }

  /**
   * {@link #insert} of several outcomes of one meeting with fewer round trips (a record's outcomes,
   * issue 25): one INSERT of the outcomes, one of their history rows, one read of what was stored,
   * their audit entries in one batch; then each outcome's notice. Answers them in the order given.
   */
  public Future<List<JsonObject>> insertAll(SqlClient tx, Principal actor, long meetingId, List<OutcomeValues> values) {
    if (values.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    // the audit entries and the notices are sent together (pipelined; join: both answered before the transaction ends)
    return store.insertAll(tx, meetingId, values, actor.id(), actor.shownName())
        .compose(list -> Future.join(
                AuditLog.recordAll(tx, list.stream().map(o -> AuditEntry.by(actor, "outcome.create", "outcome",
                    o.getLong("id"), o.getString("divisionCode"), null, o)).toList()),
                Outbox.queueAll(tx, list.stream().map(o -> Notices.outcomeReferred(o.getLong("id"), o.getString("stationName"),
                    o.getString("responsibleUnit"), o.getString("dueOn"), o.getString("content"))).toList()))
            .map(list));
  }

  /**
   * Reminds the responsible units' contacts of the outcomes still referred whose answer is due
   * within {@code days} days of {@code now} (dates in the node's zone), once per outcome and due date.
   */
  public Future<Integer> remindDue(Instant now, int days) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            SELECT o.id, s.name AS station, o.responsible_unit, o.due_on, o.content FROM outcome o
              JOIN station s ON s.id = o.station_id
             WHERE o.status = 'referred'
               AND o.due_on >= ($1::timestamptz AT TIME ZONE current_setting('TimeZone'))::date
               AND o.due_on <= ($1::timestamptz AT TIME ZONE current_setting('TimeZone'))::date + $2::int
               AND EXISTS (SELECT 1 FROM notify_unit_contact c WHERE c.district_code = s.district_code AND c.unit_name = o.responsible_unit)
             ORDER BY o.id""")
        .execute(Tuple.tuple().addOffsetDateTime(now.atOffset(java.time.ZoneOffset.UTC)).addInteger(days))
        .compose(rows -> {
          Future<Integer> chain = Future.succeededFuture(0);
          for (var r : rows) {
            chain = chain.compose(n -> Outbox.queue(tx, Notices.outcomeDue(r.getLong("id"), r.getString("station"),
                r.getString("responsible_unit"), r.getLocalDate("due_on").toString(), r.getString("content"))).map(k -> n + k));
          }
          return chain;
        }));
  }

  /** Publishes {@link #CREATED} for an outcome inserted with {@link #insert} (after the commit). */
  public void publishCreated(JsonObject outcome) {
    events.publish(CREATED, outcome);
  }

  /** Edits a referred outcome if {@code in.version()} is current; otherwise 409 with the stored outcome. */
  public Future<JsonObject> update(Principal actor, long id, OutcomeInput in) {
    Future<JsonObject> write = pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such outcome"));
      }
      if (before.getInteger("version").intValue() != in.version()) {
        return Future.failedFuture(OutcomeConflict.stale(before));
      }
      if (!OutcomeStatus.REFERRED.key().equals(before.getString("status"))) {
        return Future.failedFuture(new OutcomeConflict(before, "Only a referred outcome can be edited; this one is "
            + before.getString("status"), "status", Msg.of("outcome.error.notReferred")));
      }
      return store.update(tx, id, in.version(), in.values())
          .compose(ok -> ok ? store.addHistory(tx, id, "update", null, null, null, actor.id(), actor.shownName())
              : Future.failedFuture(OutcomeConflict.stale(before)))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "outcome.update", "outcome", id,
              after.getString("divisionCode"), before, after)).map(after));
    }));
    return events.afterCommit(DomainEvent.OUTCOME_UPDATED, write);
  }

  /**
   * Takes a step of the loop. A stale version is a 409 with the stored outcome, as is a step its
   * status does not allow (closing an answered outcome only when the answer was "not adopted").
   */
  public Future<JsonObject> transition(Principal actor, long id, StepInput in) {
    OutcomeStatus.Action action = in.action();
    Future<JsonObject> write = pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such outcome"));
      }
      if (before.getInteger("version").intValue() != in.version()) {
        return Future.failedFuture(OutcomeConflict.stale(before));
      }
      OutcomeStatus from = OutcomeStatus.fromKey(before.getString("status"));
      if (!action.allowedFrom(from, before.getString("answer"))) {
        return Future.failedFuture(new OutcomeConflict(before, "Cannot " + action.key() + " an outcome that is " + from.key(),
            "status", Msg.of("outcome.error.transition", from.key(), action.key())));
      }
      return store.step(tx, id, in.version(), from, action, in.values())
          .compose(ok -> ok ? store.addHistory(tx, id, action.key(), from, action.to, note(action, in.values()), actor.id(),
              actor.shownName()) : Future.failedFuture(OutcomeConflict.stale(before)))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "outcome." + action.key(), "outcome", id,
              after.getString("divisionCode"), before, after)).map(after));
    }));
    return events.afterCommit(action.event(), write);
  }

  /** What the history line says about a step: the answer, or the satisfaction rating. */
  private static String note(OutcomeStatus.Action action, StepValues v) {
    return switch (action) {
      case ANSWER -> v.answer();
      case IMPLEMENT -> null;
      case CLOSE -> v.satisfaction();
    };
  }

  /** Whether the caller may mark typical cases (district and city staff, admins; not coordinators). */
  public static boolean mayMarkTypical(Principal p) {
    return !p.is(Role.STATION_COORDINATOR);
  }

  /**
   * Marks or unmarks an outcome as a typical case (典型案例): staff only (403 for coordinators).
   * Asking for what already holds changes nothing (no history, audit or event). A given version
   * that is stale is a 409 with the stored outcome.
   */
  public Future<JsonObject> setTypical(Principal actor, long id, boolean typical, Integer version) {
    if (!mayMarkTypical(actor)) {
      return Future.failedFuture(AppException.forbidden("Only committee staff mark typical cases"));
    }
    boolean[] changed = {false};
    Future<JsonObject> write = pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such outcome"));
      }
      if (version != null && before.getInteger("version").intValue() != version) {
        return Future.failedFuture(OutcomeConflict.stale(before));
      }
      if (before.getBoolean("typical") == typical) {
        return Future.succeededFuture(before);
      }
      changed[0] = true;
      String action = typical ? "typical_mark" : "typical_unmark";
      return store.setTypical(tx, id, version, typical, actor.id())
          .compose(ok -> ok ? store.addHistory(tx, id, action, null, null, null, actor.id(), actor.shownName())
              : Future.failedFuture(OutcomeConflict.stale(before)))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "outcome." + action, "outcome", id,
              after.getString("divisionCode"), before, after)).map(after));
    }));
    return write.onSuccess(o -> {
      if (changed[0]) {
        events.publish(typical ? DomainEvent.OUTCOME_TYPICAL_MARKED : DomainEvent.OUTCOME_TYPICAL_UNMARKED, o);
      }
    });
  }

  /** One outcome with its history and the members named on it (404 when there is none). */
  public Future<JsonObject> get(long id) {
    return store.byId(pool, id).compose(o -> o == null ? Future.failedFuture(AppException.notFound("No such outcome"))
        : store.history(id).compose(h -> store.members(pool, id).map(m -> o.put("history", h).mergeIn(m))));
  }

  /**
   * Names the members on an outcome: {@code suggesters} (who made the suggestion; anyone who may edit
   * the outcome) and {@code typicalMembers} (whom a typical case names; staff only, and only on an
   * outcome marked typical). A null list leaves that role as it is; a given one replaces it. Each
   * member must be one who may take part in the district's meetings (422 naming the field). One
   * transaction with the audit entry; answers the outcome with its members.
   */
  public Future<JsonObject> setMembers(Principal actor, long id, List<Long> suggesters, List<Long> typicalMembers) {
    if (typicalMembers != null && !mayMarkTypical(actor)) {
      return Future.failedFuture(AppException.forbidden("Only committee staff name the members of a typical case"));
    }
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(outcome -> {
      if (outcome == null) {
        return Future.failedFuture(AppException.notFound("No such outcome"));
      }
      if (typicalMembers != null && !typicalMembers.isEmpty() && !outcome.getBoolean("typical")) {
        return Future.failedFuture(AppException.invalid("typicalMembers", "outcome.error.typicalMembersNotTypical"));
      }
      String district = outcome.getString("districtCode");
      return store.members(tx, id).compose(before -> {
        Future<Void> chain = Future.succeededFuture();
        if (suggesters != null) {
          chain = chain.compose(v -> members.requireEligible(tx, district, "suggesters", suggesters))
              .compose(v -> store.replaceMembers(tx, id, "suggester", suggesters, actor.id()));
        }
        if (typicalMembers != null) {
          chain = chain.compose(v -> members.requireEligible(tx, district, "typicalMembers", typicalMembers))
              .compose(v -> store.replaceMembers(tx, id, "typical", typicalMembers, actor.id()));
        }
        return chain.compose(v -> store.members(tx, id)).compose(after ->
            AuditLog.record(tx, AuditEntry.by(actor, "outcome.members", "outcome", id, outcome.getString("divisionCode"),
                before, after)).map(outcome.copy().mergeIn(after)));
      });
    }));
  }

  /** The members who may be named on an outcome of the district (the outcome page's form). */
  public Future<JsonArray> namable(String districtCode) {
    return members.candidates(districtCode);
  }

  // ---------------------------------------------------------------- overdue

  /**
   * Escalates each outcome still referred past its due date at {@code now}, exactly once: sets
   * {@code overdue_escalated_at}, writes a history row and an audit entry, and notifies the district
   * staff of the station's district, in one transaction. Safe to run on several nodes at once (the
   * claim is a conditional update; notifications have unique keys). After the commit one
   * {@code outcome.escalated} event per outcome. Answers the escalated outcomes.
   */
  public Future<JsonArray> escalateOverdue(Instant now) {
    Future<JsonArray> write = pool.withTransaction(tx -> store.claimOverdue(tx, now, ESCALATION_BATCH).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.succeededFuture(new JsonArray());
      }
      JsonArray out = new JsonArray();
      Future<Void> chain = store.notifyOverdue(tx, ids).mapEmpty();
      for (Long id : ids) {
        chain = chain.compose(v -> store.addHistory(tx, id, "escalate", null, null, null, null, "system"))
            .compose(v -> store.byId(tx, id))
            .compose(o -> {
              out.add(o);
              return AuditLog.record(tx, new AuditEntry(null, "system", "outcome.escalate", "outcome",
                  String.valueOf(id), o.getString("divisionCode"), null, o))
                  .compose(v -> Outbox.queue(tx, Notices.outcomeOverdue(id, o.getLong("stationId"), o.getString("stationName"),
                      o.getString("responsibleUnit"), o.getString("dueOn"), o.getString("content"))))
                  .mapEmpty();
            });
      }
      return chain.map(out);
    }));
    return write.onSuccess(list -> list.forEach(o -> events.publish(DomainEvent.OUTCOME_ESCALATED, (JsonObject) o)));
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link OutcomeStore#byId}, for the routes. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return store().byId(client, id);
  }

  /** {@link OutcomeStore#list}, for the routes. */
  public Future<JsonObject> list(org.yishi.platform.security.Jurisdiction j, OutcomeStore.Filter f, org.yishi.platform.web.PageRequest page) {
    return store().list(j, f, page);
  }

  /** {@link OutcomeStore#meeting}, for the routes. */
  public Future<OutcomeStore.MeetingRef> meeting(long meetingId) {
    return store().meeting(meetingId);
  }

  /** {@link OutcomeStore#meetingsTakingOutcomes}, for the routes. */
  public Future<JsonArray> meetingsTakingOutcomes(org.yishi.platform.security.Jurisdiction j) {
    return store().meetingsTakingOutcomes(j);
  }

  /** {@link OutcomeStore#scopeOf}, for the routes. */
  public Future<org.yishi.platform.security.Access.Scope> scopeOf(long id) {
    return store().scopeOf(id);
  }

  /** The scheduled job of this feature: overdue escalation, under its own cluster-wide lock. */
  public org.yishi.platform.schedule.SchedulerVerticle.Job escalationJob() {
    return new org.yishi.platform.schedule.SchedulerVerticle.Job("overdue-escalation", "yishi.scheduler.overdue",
        // overdue referrals escalate, then the answers due within three days are announced to the units
        now -> escalateOverdue(now).compose(x -> remindDue(now, 3)));
  }
}
