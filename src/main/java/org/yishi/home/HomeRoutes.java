package org.yishi.home;

import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.TextSize;
import org.yishi.platform.web.Web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

/**
 * The home page: signed out, what Yishi is for; signed in, the caller's work queue (我的待办, see
 * docs/work-queue.md), also as {@code GET /api/v1/me/queue}.
 */
public final class HomeRoutes implements Routes {
  private final App app;
  private final QueueStore store;
  private final QueueBadges badges;

  private final LockedAccounts locked;

  /**
   * What the work queue needs to know about sign-in: the account names locked by failed sign-ins
   * (implemented by the account feature, wired by the composition root).
   */
  public interface LockedAccounts {
    Future<java.util.Set<String>> lockedAccountNames();
  }

  @Override
  public App app() {
    return app;
  }

  private final ReportSchedules schedules;

  /**
   * What the city's queue needs of the report feature: the report schedules in force at {@code now},
   * the enabled ones with {@code id, kind, level, nextRun, nextPeriod} (implemented by the report
   * feature, wired by the composition root).
   */
  public interface ReportSchedules {
    Future<JsonArray> nextRuns(Instant now);
  }

  public HomeRoutes(App app, QueueStore store, LockedAccounts locked, ReportSchedules schedules) {
    this.app = app;
    this.store = store;
    this.locked = locked;
    this.schedules = schedules;
    this.badges = (QueueBadges) app.web().badgesIfAbsent(() -> new QueueBadges(store));
  }

  @Override
  public void register(SecureRouter r) {
    r.get("/", Access.open("the public home page; signed in, the caller's own work queue"), this::home);
    r.get("/api/v1/me/queue", Access.signedIn(), this::queueApi);
    r.post("/text-size", Access.open("the larger-text setting (适老化) works before signing in: a cookie of the browser"),
        this::textSize);
  }

  private void home(RoutingContext ctx) {
    Principal me = Security.principal(ctx);
    if (me == null) {
      app.web().page(ctx, "home", Map.of());
      return;
    }
    if (me.is(Role.MEMBER)) {
      Web.redirect(ctx, "/my"); // a member's start page is their own schedule
      return;
    }
    queueOf(me).onSuccess(queue -> {
      badges.put(me, queue.getLong("total"));
      Map<String, Object> model = new HashMap<>();
      model.put("queue", queue.getMap());
      List<Map<String, Object>> sections = new ArrayList<>();
      for (Map<String, Object> section : Web.rows(queue.getJsonArray("sections"))) {
        Map<String, Object> copy = new HashMap<>(section);
        copy.put("items", Web.rows((JsonArray) section.get("items")));
        sections.add(copy);
      }
      model.put("sections", sections);
      model.put("queueCount", queue.getLong("total"));
      if (me.is(Role.ADMIN)) {
        model.put("members", app.cluster().getNodes().size()); // the operators' concern, not the users'
      }
      app.web().page(ctx, "home", model);
    }).onFailure(ctx::fail);
  }

  /**
   * The caller's queue; an admin's also lists the accounts locked by sign-in throttling (kept in
   * Hazelcast), the city staff's the reports scheduled next (from the report schedules in force).
   */
  private Future<JsonObject> queueOf(Principal me) {
    Instant now = Instant.now();
    Future<JsonObject> queue = store.queue(me, now);
    if (me.is(Role.CITY_STAFF)) {
      return queue.compose(q -> schedules.nextRuns(now).map(next -> {
        q.getJsonArray("sections").add(store.scheduledReports(next));
        return q;
      }));
    }
    if (!me.is(Role.ADMIN)) {
      return queue;
    }
    return queue.compose(q -> store.lockedAccounts(locked::lockedAccountNames).map(locked -> {
      q.getJsonArray("sections").add(1, locked);
      return q;
    }));
  }

  /**
   * The header's larger-text switch (a form, CSRF-checked as every POST): remembers {@code size}
   * ({@code normal} or {@code large}) in the browser, then goes back to the page it was on.
   */
  private void textSize(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String size = in.text("size", 16);
    if (size != null && !TextSize.SIZES.contains(size)) {
      in.reject("size", "field.textSize.unknown");
    }
    in.done();
    TextSize.remember(ctx, size);
    Web.redirect(ctx, Web.safeLocalPath(ctx.request().getFormAttribute("back")));
  }

  private void queueApi(RoutingContext ctx) {
    Principal me = Security.principal(ctx);
    queueOf(me).onSuccess(queue -> {
      badges.put(me, queue.getLong("total"));
      Json.ok(ctx, queue);
    }).onFailure(ctx::fail);
  }
}
