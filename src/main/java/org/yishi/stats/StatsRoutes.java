package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;

/**
 * {@code GET /api/v1/stats/rollup} (the contract), the dashboard's lists as JSON (dormant stations,
 * overdue referrals, members' participation) and the admin's rebuild. Every read names its unit
 * ({@code division}, inside the caller's jurisdiction) and takes {@code from}, {@code to} and
 * {@code category} as in {@link StatsQuery}.
 */
public final class StatsRoutes implements Routes {
  private final StatsService stats;
  /** Encoded answers of the roll-ups served lately, by identity (this verticle's event loop only). */
  private final java.util.Map<JsonObject, io.vertx.core.buffer.Buffer> encoded = new java.util.IdentityHashMap<>();

  private final App app;

  @Override
  public App app() {
    return app;
  }

  public StatsRoutes(App app, StatsService stats) {
    this.app = app;
    this.stats = stats;
  }

  @Override
  public void register(SecureRouter r) {
    Access staff = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF).scoped(StatsRoutes::requiredUnit);
    r.get("/api/v1/stats/rollup", staff, ApiQuery.of("division", "from", "to", "category"), this::rollup);
    r.get("/api/v1/stats/dormant", staff, ApiQuery.of("division", "from", "to").paged(), this::dormant);
    r.get("/api/v1/stats/overdue", staff, ApiQuery.of("division", "category").paged(), this::overdue);
    r.get("/api/v1/stats/members", staff, ApiQuery.of("division", "from", "to", "category").paged(), this::members);
    r.post("/api/v1/stats/rebuild", Access.roles(Role.ADMIN), this::rebuild);
  }

  /** The unit named by {@code division} (required, 12 digits), for the jurisdiction check. */
  static Future<Access.Scope> requiredUnit(RoutingContext ctx) {
    String code = ctx.request().getParam("division");
    if (!StatsQuery.isDivision(code)) {
      return Future.failedFuture(AppException.invalid("division", code == null ? "field.required" : "field.scope.format"));
    }
    return Future.succeededFuture(Access.Scope.division(code));
  }

  private void rollup(RoutingContext ctx) {
    stats.rollup(StatsQuery.parse(ctx, null, stats.zone())).onSuccess(r -> {
      // a cached roll-up is the same object until it is recomputed: encode it once, not per request
      io.vertx.core.buffer.Buffer body = encoded.get(r);
      if (body == null) {
        if (encoded.size() >= 256) {
          encoded.clear();
        }
        body = r.toBuffer();
        encoded.put(r, body);
      }
      ctx.response().setStatusCode(200)
          .putHeader("Content-Type", "application/json; charset=utf-8")
          .putHeader("Cache-Control", "no-store")
          .end(body);
    }).onFailure(ctx::fail);
  }

  private void dormant(RoutingContext ctx) {
    StatsQuery q = StatsQuery.parse(ctx, null, stats.zone());
    Json.answer(ctx, stats.dormant(q, PageRequest.from(ctx), false));
  }

  private void overdue(RoutingContext ctx) {
    StatsQuery q = StatsQuery.parse(ctx, null, stats.zone());
    Json.answer(ctx, stats.overdue(q, PageRequest.from(ctx), false));
  }

  private void members(RoutingContext ctx) {
    StatsQuery q = StatsQuery.parse(ctx, null, stats.zone());
    Json.answer(ctx, stats.members(q, Security.require(ctx).jurisdiction(), PageRequest.from(ctx), false));
  }

  private void rebuild(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    stats.rebuild().onSuccess(n -> Json.ok(ctx, new JsonObject().put("stationMonths", n)
        .put("durationMs", System.currentTimeMillis() - started))).onFailure(ctx::fail);
  }
}
