package org.yishi.plan;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import org.yishi.plan.PlanStore.ItemValues;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.http.StaleConflict;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.Input;

import java.util.Map;

/**
 * Yearly consultation plans (年度协商计划) of the city and district committees, and their items
 * with a target quarter. Staff write the plans of committees inside their jurisdiction; every
 * write is one transaction with its audit entry.
 */
public record PlanService(Pool pool, PlanStore store, Committees committees) {

  public PlanService(Pool pool, Committees committees, java.time.ZoneId zone) {
    this(pool, new PlanStore(pool, zone), committees);
  }

  /** A plan's body: the committee (new plans only), the year and a title. */
  public record PlanInput(Long committeeId, int year, String title, Integer version) {
  }

  public static PlanInput read(Input in, boolean editing) {
    Long committee = null;
    if (!editing) {
      committee = in.optionalLong("committeeId", 1, Long.MAX_VALUE);
      if (committee == null && !in.failed("committeeId")) {
        in.reject("committeeId", "field.required");
      }
    }
    Long year = in.optionalLong("year", 2000, 2100);
    if (year == null && !in.failed("year")) {
      in.reject("year", "field.required");
    }
    String title = in.text("title", 100);
    Long version = editing ? in.version() : null;
    in.done();
    return new PlanInput(committee, year == null ? 0 : year.intValue(), title, version == null ? null : version.intValue());
  }

  /** An item's body. */
  public static ItemValues readItem(Input in) {
    String title = in.text("title", 100);
    String description = in.optionalText("description", 2000, true);
    String kindKey = in.text("kind", 40);
    PlanItemKind kind = PlanItemKind.fromKey(kindKey);
    if (kindKey != null && kind == null) {
      in.reject("kind", "plan.error.kind");
    }
    String category = in.optionalText("category", 40, false);
    Long quarter = in.optionalLong("targetQuarter", 1, 4);
    if (quarter == null && !in.failed("targetQuarter")) {
      in.reject("targetQuarter", "field.required");
    }
    Long sort = in.optionalLong("sort", 0, 100_000);
    in.done();
    return new ItemValues(title, description, kind, category, quarter == null ? 1 : quarter.intValue(),
        sort == null ? 0 : sort.intValue());
  }

  private static <T> Future<T> duplicate(Throwable err) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "This committee already has a plan for this year",
          Map.of("year", Msg.of("plan.error.duplicate"))));
    }
    return Future.failedFuture(err);
  }

  /** Creates a committee's plan for a year; 409 when it has one, 403 outside the caller's jurisdiction. */
  public Future<JsonObject> create(Principal actor, PlanInput in) {
    return committees.committee(pool, in.committeeId()).compose(c -> {
      if (c == null) {
        return Future.failedFuture(AppException.invalid("committeeId", "field.member.committee"));
      }
      if (!actor.jurisdiction().coversDivision(c.getString("divisionCode"))) {
        return Future.failedFuture(AppException.forbidden("The committee lies outside your jurisdiction"));
      }
      return pool.withTransaction(tx -> store.insert(tx, in.committeeId(), in.year(), in.title())
          .compose(id -> store.byId(tx, id))
          .compose(p -> AuditLog.record(tx, AuditEntry.by(actor, "plan.create", "plan", p.getLong("id"),
              p.getString("divisionCode"), null, p)).map(p)));
    }).recover(PlanService::duplicate);
  }

  /** Changes a plan's year and title if {@code in.version()} is current (409 with the stored plan otherwise). */
  public Future<JsonObject> update(Principal actor, long id, PlanInput in) {
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such plan"));
      }
      return store.update(tx, id, in.version(), in.year(), in.title())
          .compose(ok -> ok ? store.byId(tx, id) : Future.failedFuture(new StalePlan(before)))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "plan.update", "plan", id,
              after.getString("divisionCode"), before, after)).map(after));
    })).recover(PlanService::duplicate);
  }

  /** 409 for an edit based on an old version, with the stored plan. */
  public static final class StalePlan extends StaleConflict {
    public StalePlan(JsonObject current) {
      super(current, "Someone changed this plan meanwhile; review the current values and try again",
          Map.of("version", Msg.of("field.stale")));
    }
  }

  /** A plan with its items and their progress (404 when there is none). */
  public Future<JsonObject> get(long id) {
    return store.byId(pool, id).compose(p -> p == null ? Future.failedFuture(AppException.notFound("No such plan"))
        : store.items(pool, id).map(items -> p.put("items", items)));
  }

  private Future<Void> checkCategory(SqlClient client, String category) {
    if (category == null) {
      return Future.succeededFuture();
    }
    return store.categoryUsable(client, category).compose(ok -> ok ? Future.succeededFuture()
        : Future.failedFuture(AppException.invalid("category", "topic.error.category")));
  }

  /** Adds an item to a plan. */
  public Future<JsonObject> addItem(Principal actor, long planId, ItemValues v) {
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, planId).compose(plan -> {
      if (plan == null) {
        return Future.failedFuture(AppException.notFound("No such plan"));
      }
      return checkCategory(tx, v.category())
          .compose(x -> store.insertItem(tx, planId, v))
          .compose(itemId -> store.touch(tx, planId).compose(x -> store.item(tx, planId, itemId)))
          .compose(item -> AuditLog.record(tx, AuditEntry.by(actor, "plan.item.create", "plan_item",
              item.getLong("id"), plan.getString("divisionCode"), null, item)).map(item));
    }));
  }

  /** Changes an item (404 when it is not an item of this plan). */
  public Future<JsonObject> updateItem(Principal actor, long planId, long itemId, ItemValues v) {
    return pool.withTransaction(tx -> lockedItem(tx, planId, itemId, (plan, before) -> {
      boolean keepsCategory = v.category() != null && v.category().equals(before.getString("category"));
      return checkCategory(tx, keepsCategory ? null : v.category())
          .compose(x -> store.updateItem(tx, itemId, v))
          .compose(x -> store.touch(tx, planId).compose(y -> store.item(tx, planId, itemId)))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "plan.item.update", "plan_item", itemId,
              plan.getString("divisionCode"), before, after)).map(after));
    }));
  }

  /**
   * Locks plan {@code planId} in {@code tx} (item changes serialise on it) and reads its item
   * {@code itemId}, then runs {@code then} with both; 404 when either is missing.
   */
  private <T> Future<T> lockedItem(SqlClient tx, long planId, long itemId,
                                   java.util.function.BiFunction<JsonObject, JsonObject, Future<T>> then) {
    return store.byIdForUpdate(tx, planId).compose(plan -> {
      if (plan == null) {
        return Future.failedFuture(AppException.notFound("No such plan"));
      }
      return store.item(tx, planId, itemId).compose(before -> before == null
          ? Future.failedFuture(AppException.notFound("No such item in this plan"))
          : then.apply(plan, before));
    });
  }

  /** Deletes an item; refused (409) while topics name it. */
  public Future<Void> deleteItem(Principal actor, long planId, long itemId) {
    return pool.withTransaction(tx -> lockedItem(tx, planId, itemId, (plan, before) ->
        store.topicsLinked(tx, itemId).compose(n -> {
          if (n > 0) {
            return Future.failedFuture(new AppException(ErrorKind.CONFLICT,
                "Topics are linked to this item; it cannot be deleted",
                Map.of("item", Msg.of("plan.error.itemInUse", n))));
          }
          return store.deleteItem(tx, itemId)
              .compose(x -> store.touch(tx, planId))
              .compose(x -> AuditLog.record(tx, AuditEntry.by(actor, "plan.item.delete", "plan_item", itemId,
                  plan.getString("divisionCode"), before, null)));
        }))).recover(err -> err instanceof PgException pg && "23503".equals(pg.getSqlState())
        // a topic named the item between the check and the delete
        ? Future.failedFuture(new AppException(ErrorKind.CONFLICT, "Topics are linked to this item; it cannot be deleted",
            Map.of("item", Msg.of("plan.error.itemInUse", 1))))
        : Future.failedFuture(err));
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link PlanStore#divisionOf}, for the routes. */
  public Future<String> divisionOf(long id) {
    return store().divisionOf(id);
  }

  /** {@link PlanStore#item}, for the routes. */
  public Future<JsonObject> item(SqlClient client, long planId, long itemId) {
    return store().item(client, planId, itemId);
  }

  /** {@link PlanStore#list}, for the routes. */
  public Future<JsonObject> list(org.yishi.platform.security.Jurisdiction j, Long committeeId, Integer year, org.yishi.platform.web.PageRequest page) {
    return store().list(j, committeeId, year, page);
  }
}
