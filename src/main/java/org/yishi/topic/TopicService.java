package org.yishi.topic;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
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
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Text;
import org.yishi.topic.TopicStore.TopicValues;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Topics raised at stations, vetted by the "two questions" (两问) before they go to the district
 * for approval. Coordinators (and staff on a station's behalf) write drafts, submit, withdraw and
 * revise; only staff approve or reject. Every write is one transaction with its history row and
 * audit entry.
 */
public final class TopicService {
  private final Pool pool;
  private final TopicStore store;
  private final DomainEvents events;
  private final TopicNeighbours stations;
  private final TopicNeighbours plans;

  public TopicService(Pool pool, DomainEvents events, TopicNeighbours neighbours, java.time.ZoneId zone) {
    this.pool = pool;
    this.events = events;
    this.store = new TopicStore(pool, zone);
    this.stations = neighbours;
    this.plans = neighbours;
  }

  public TopicStore store() {
    return store;
  }

  /** A topic's form or JSON body, checked field by field. */
  public record TopicInput(Long stationId, String title, String description, String category, TopicSource source,
                           Long planItemId, String proposer, Boolean q1Answer, String q1Reason, Boolean q2Answer,
                           String q2Reason, Integer version, Long proposerMemberId) {
    TopicValues values() {
      return new TopicValues(title, description, category, source, planItemId, proposer, q1Answer, q1Reason,
          q2Answer, q2Reason, proposerMemberId);
    }
  }

  /** Reads a topic; {@code editing} asks for the version instead of the station. */
  public static TopicInput read(Input in, boolean editing) {
    Long station = null;
    if (!editing) {
      station = in.optionalLong("stationId", 1, Long.MAX_VALUE);
      if (station == null && !in.failed("stationId")) {
        in.reject("stationId", "field.required");
      }
    }
    String title = in.text("title", 100);
    String description = in.optionalText("description", 4000, true);
    String category = in.text("category", 40);
    String sourceKey = in.text("source", 40);
    TopicSource source = TopicSource.fromKey(sourceKey);
    if (sourceKey != null && source == null) {
      in.reject("source", "topic.error.source");
    }
    Long planItem = in.optionalLong("planItemId", 1, Long.MAX_VALUE);
    if (source == TopicSource.YEARLY_PLAN && planItem == null && !in.failed("planItemId")) {
      in.reject("planItemId", "topic.error.planItemRequired");
    }
    if (source != null && source != TopicSource.YEARLY_PLAN && planItem != null) {
      in.reject("planItemId", "topic.error.planItemOnlyForPlan");
    }
    String proposer = in.optionalText("proposer", 100, false);
    Long proposerMember = in.optionalLong("proposerMemberId", 1, Long.MAX_VALUE);
    Boolean q1 = in.optionalBool("q1Answer");
    String r1 = in.optionalText("q1Reason", 1000, true);
    Boolean q2 = in.optionalBool("q2Answer");
    String r2 = in.optionalText("q2Reason", 1000, true);
    Long version = editing ? in.optionalLong("version", 1, Integer.MAX_VALUE) : null;
    if (editing && version == null && !in.failed("version")) {
      in.reject("version", "field.required");
    }
    in.done();
    return new TopicInput(station, title, description, category, source, planItem, proposer, q1, r1, q2, r2,
        version == null ? null : version.intValue(), proposerMember);
  }

  /**
   * The rule of the two questions: a topic is submitted only when both are answered "yes", each
   * with its reason. Each missing piece is its own field error (422).
   */
  static Map<String, Msg> twoQuestionProblems(Boolean q1, String r1, Boolean q2, String r2) {
    Map<String, Msg> problems = new LinkedHashMap<>();
    question(problems, "q1", q1, r1);
    question(problems, "q2", q2, r2);
    return problems;
  }

  private static void question(Map<String, Msg> problems, String q, Boolean answer, String reason) {
    if (answer == null) {
      problems.put(q + "Answer", Msg.of("topic.error.answerMissing"));
    } else if (!answer) {
      problems.put(q + "Answer", Msg.of("topic.error.answerNo"));
    }
    if (Text.blank(reason)) {
      problems.put(q + "Reason", Msg.of("topic.error.reasonMissing"));
    }
  }

  private static Future<Void> requireTwoQuestions(Boolean q1, String r1, Boolean q2, String r2) {
    Map<String, Msg> problems = twoQuestionProblems(q1, r1, q2, r2);
    return problems.isEmpty() ? Future.succeededFuture()
        : Future.failedFuture(new AppException(ErrorKind.INVALID,
            "Both questions must be answered yes, each with a reason, before a topic is submitted", problems));
  }

  private static String cityOf(String code) {
    return code.substring(0, 4) + "00000000";
  }

  /**
   * Checks what the topic refers to: an active category (or the one it already has) and, for a
   * topic from a yearly plan, an item of the plan of the station's district committee or of its city committee;
   * a proposing member, one who may take part in the district's meetings.
   */
  private Future<Void> checkReferences(SqlClient client, JsonObject station, TopicInput in, String currentCategory) {
    Future<Void> category = store.category(client, in.category()).compose(c -> {
      if (c == null || (!c.getBoolean("active") && !in.category().equals(currentCategory))) {
        return Future.failedFuture(AppException.invalid("category", "topic.error.category"));
      }
      return Future.succeededFuture();
    });
    if (in.proposerMemberId() != null) {
      category = category.compose(v -> stations.requireProposer(client, station.getString("districtCode"),
          "proposerMemberId", in.proposerMemberId()));
    }
    if (in.planItemId() == null) {
      return category;
    }
    return category.compose(v -> plans.committeeCodeOfPlanItem(client, in.planItemId())).compose(code -> {
      String district = station.getString("districtCode");
      if (code == null || !(code.equals(district) || code.equals(cityOf(district)))) {
        return Future.failedFuture(AppException.invalid("planItemId", "topic.error.planItem"));
      }
      return Future.succeededFuture();
    });
  }

  /** The station a new topic belongs to: it must exist, lie in the caller's jurisdiction and not be closed. */
  private Future<JsonObject> stationFor(Principal actor, long stationId) {
    return stations.station(stationId).compose(s -> {
      if (s == null) {
        return Future.failedFuture(AppException.invalid("stationId", "topic.error.station"));
      }
      if (!actor.jurisdiction().coversStation(stationId, s.getString("divisionCode"))) {
        return Future.failedFuture(AppException.forbidden("The station lies outside your jurisdiction"));
      }
      if ("revoked".equals(s.getString("status")) || "rejected".equals(s.getString("status"))) {
        return Future.failedFuture(AppException.invalid("stationId", "topic.error.stationClosed"));
      }
      return Future.succeededFuture(s);
    });
  }

  /** Creates a draft, or with {@code submit} a draft submitted at once (one transaction, two history rows). */
  public Future<JsonObject> create(Principal actor, TopicInput in, boolean submit) {
    Future<Void> questions = submit ? requireTwoQuestions(in.q1Answer(), in.q1Reason(), in.q2Answer(), in.q2Reason())
        : Future.succeededFuture();
    return events.afterCommit(DomainEvent.TOPIC_CREATED, questions.compose(v -> stationFor(actor, in.stationId()))
        .compose(station -> checkReferences(pool, station, in, null))
        .compose(v -> pool.withTransaction(tx -> store.insert(tx, in.stationId(), in.values(), actor.id())
            .compose(id -> store.addHistory(tx, id, null, TopicStatus.DRAFT, null, actor.id(), actor.shownName()).map(id))
            .compose(id -> !submit ? Future.succeededFuture(id)
                : store.setStatus(tx, id, TopicStatus.SUBMITTED, null, true)
                    .compose(x -> store.addHistory(tx, id, TopicStatus.DRAFT, TopicStatus.SUBMITTED, null, actor.id(),
                        actor.shownName())).map(id))
            .compose(id -> store.byId(tx, id))
            .compose(topic -> AuditLog.record(tx, AuditEntry.by(actor, submit ? "topic.create_submit" : "topic.create",
                "topic", topic.getLong("id"), topic.getString("divisionCode"), null, topic)).map(topic))))
        .recover(TopicService::foreignKey));
  }

  /**
   * Edits a draft if {@code in.version()} is current; with {@code submit} it is submitted in the
   * same transaction. Outside draft, or on a stale version, a 409 carrying the stored topic.
   */
  public Future<JsonObject> update(Principal actor, long id, TopicInput in, boolean submit) {
    Future<Void> questions = submit ? requireTwoQuestions(in.q1Answer(), in.q1Reason(), in.q2Answer(), in.q2Reason())
        : Future.succeededFuture();
    return events.afterCommit(DomainEvent.TOPIC_UPDATED, questions.compose(q -> pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such topic"));
      }
      if (!TopicStatus.DRAFT.key().equals(before.getString("status"))) {
        return Future.failedFuture(new StaleTopic(before, "Only a draft can be edited; this topic is "
            + before.getString("status")));
      }
      if (before.getInteger("version").intValue() != in.version()) {
        return Future.failedFuture(new StaleTopic(before,
            "Someone changed this topic meanwhile; review the current values and try again"));
      }
      JsonObject station = new JsonObject().put("districtCode", before.getString("districtCode"));
      return checkReferences(tx, station, in, before.getString("category"))
          .compose(v -> store.update(tx, id, in.version(), in.values()))
          .compose(v -> !submit ? Future.succeededFuture()
              : store.setStatus(tx, id, TopicStatus.SUBMITTED, null, true)
                  .compose(x -> store.addHistory(tx, id, TopicStatus.DRAFT, TopicStatus.SUBMITTED, null, actor.id(),
                      actor.shownName())))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, submit ? "topic.update_submit" : "topic.update",
              "topic", id, after.getString("divisionCode"), before, after)).map(after));
    }))).recover(TopicService::foreignKey));
  }

  /** A category or plan item removed between the check and the write. */
  private static <T> Future<T> foreignKey(Throwable err) {
    if (err instanceof PgException pg && "23503".equals(pg.getSqlState())) {
      return Future.failedFuture(AppException.invalid("planItemId", "topic.error.planItem"));
    }
    return Future.failedFuture(err);
  }

  /** 409 for an edit of a topic that is not a draft any more or based on an old version, with the stored values. */
  public static final class StaleTopic extends StaleConflict {
    public StaleTopic(JsonObject current, String message) {
      super(current, message, Map.of("version", Msg.of("topic.error.stale")));
    }
  }

  /** Whether the caller's role may take this action (approving and rejecting is staff's). */
  public static boolean mayTake(Principal p, TopicStatus.Action action) {
    return !action.staffOnly || !p.is(Role.STATION_COORDINATOR);
  }

  /**
   * Moves a topic through its lifecycle: an action not allowed from the current status is a 409,
   * a missing reason (rejection) or an unanswered question (submission) a 422.
   */
  public Future<JsonObject> transition(Principal actor, long id, TopicStatus.Action action, String reason) {
    if (!mayTake(actor, action)) {
      return Future.failedFuture(AppException.forbidden("Only committee staff may " + action.key() + " topics"));
    }
    if (action.reasonRequired && (Text.blank(reason))) {
      return Future.failedFuture(AppException.invalid("reason", "topic.error.reason"));
    }
    return events.afterCommit(DomainEvent.topicStep(action.key()), pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such topic"));
      }
      TopicStatus from = TopicStatus.fromKey(before.getString("status"));
      if (!action.from.contains(from)) {
        return Future.failedFuture(new AppException(ErrorKind.CONFLICT,
            "Cannot " + action.key() + " a topic that is " + from.key(),
            Map.of("status", Msg.of("topic.error.transition", from.key(), action.key()))));
      }
      Future<Void> check = action == TopicStatus.Action.SUBMIT
          ? requireTwoQuestions(before.getBoolean("q1Answer"), before.getString("q1Reason"),
              before.getBoolean("q2Answer"), before.getString("q2Reason"))
          : Future.succeededFuture();
      boolean decision = action == TopicStatus.Action.APPROVE || action == TopicStatus.Action.REJECT;
      return check.compose(v -> store.setStatus(tx, id, action.to, reason, !decision))
          .compose(v -> store.addHistory(tx, id, from, action.to, reason, actor.id(), actor.shownName()))
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "topic." + action.key(), "topic", id,
              after.getString("divisionCode"), before, after)).map(after))
          .compose(after -> !decision ? Future.succeededFuture(after)
              : Outbox.queue(tx, Notices.topicDecided(action.key(), id, after.getInteger("version"), after.getLong("stationId"),
                  after.getString("title"), after.getString("stationName"), reason)).map(after));
    })));
  }

  /** One topic with its history (404 when there is none). */
  public Future<JsonObject> get(long id) {
    return store.byId(pool, id).compose(t -> t == null ? Future.failedFuture(AppException.notFound("No such topic"))
        : store.history(id).map(h -> t.put("history", h)));
  }

  // ---------------------------------------------------------------- categories

  /** A category's body: key (new ones only), names in both languages, sort order, active. */
  public record CategoryInput(String key, String nameZh, String nameEn, int sort, boolean active) {
  }

  public static CategoryInput readCategory(Input in, String key) {
    String k = key;
    if (k == null) {
      k = in.text("key", 40);
      if (k != null && !k.matches("[a-z][a-z_]{1,39}")) {
        in.reject("key", "topic.error.categoryKey");
      }
    }
    String zh = in.text("nameZh", 50);
    String en = in.text("nameEn", 50);
    Long sort = in.optionalLong("sort", 0, 100_000);
    Boolean active = in.optionalBool("active");
    in.done();
    return new CategoryInput(k, zh, en, sort == null ? 0 : sort.intValue(), active == null || active);
  }

  /** Adds a category (admin); 409 when the key exists. */
  public Future<JsonObject> addCategory(Principal actor, CategoryInput in) {
    return pool.withTransaction(tx -> store.insertCategory(tx, in.key(), in.nameZh(), in.nameEn(), in.sort())
        .compose(v -> store.category(tx, in.key()))
        .compose(c -> AuditLog.record(tx, AuditEntry.by(actor, "topic_category.create", "topic_category", in.key(),
            null, null, c)).map(c)))
        .onSuccess(c -> store.categoriesChanged())
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new AppException(ErrorKind.CONFLICT, "A category with this key exists",
                Map.of("key", Msg.of("topic.error.categoryDuplicate"))))
            : Future.failedFuture(err));
  }

  /** Renames or (de)activates a category (admin); topics keep a deactivated category. */
  public Future<JsonObject> updateCategory(Principal actor, CategoryInput in) {
    return pool.withTransaction(tx -> store.category(tx, in.key()).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such category"));
      }
      return store.updateCategory(tx, in.key(), in.nameZh(), in.nameEn(), in.sort(), in.active())
          .compose(v -> store.category(tx, in.key()))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "topic_category.update", "topic_category",
              in.key(), null, before, after)).map(after));
    })).onSuccess(c -> store.categoriesChanged());
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link TopicStore#byId}, for the routes. */
  public Future<JsonObject> byId(SqlClient client, long id) {
    return store().byId(client, id);
  }

  /** {@link TopicStore#categories}, for the routes. */
  public Future<io.vertx.core.json.JsonArray> categories(boolean includeInactive) {
    return store().categories(includeInactive);
  }

  /** {@link TopicStore#list}, for the routes. */
  public Future<JsonObject> list(org.yishi.platform.security.Jurisdiction j, TopicStore.Filter f, org.yishi.platform.web.PageRequest page) {
    return store().list(j, f, page);
  }

  /** {@link TopicStore#scopeOf}, for the routes. */
  public Future<org.yishi.platform.security.Access.Scope> scopeOf(long id) {
    return store().scopeOf(id);
  }
}
