package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.Json;

import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** {@code GET /api/v1/stats/rollup} (the contract) and the admin's rebuild. */
public final class StatsRoutes {
  private final StatsService stats;

  private StatsRoutes(App app) {
    this.stats = new StatsService(app.pool(), app.readPool());
  }

  public static Router router(App app) {
    StatsRoutes routes = new StatsRoutes(app);
    Access.ScopeResolver division = ctx -> {
      String code = ctx.request().getParam("division");
      if (code == null || !code.matches("\\d{12}")) {
        return Future.failedFuture(AppException.invalid("division", "field.scope.format"));
      }
      return Future.succeededFuture(Access.Scope.division(code));
    };
    SecureRouter r = app.secureRouter();
    r.get("/api/v1/stats/rollup", Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF).scoped(division),
        routes::rollup);
    r.post("/api/v1/stats/rebuild", Access.roles(Role.ADMIN), routes::rebuild);
    return r.router();
  }

  private static YearMonth month(RoutingContext ctx, String name, YearMonth dflt) {
    String raw = ctx.request().getParam(name);
    if (raw == null || raw.isBlank()) {
      return dflt;
    }
    try {
      if (!raw.matches("\\d{4}-\\d{2}")) {
        throw new DateTimeParseException("not YYYY-MM", raw, 0);
      }
      return YearMonth.parse(raw);
    } catch (DateTimeParseException e) {
      throw AppException.invalid(name, "field.stats.month");
    }
  }

  private void rollup(RoutingContext ctx) {
    YearMonth to = month(ctx, "to", YearMonth.now(ZoneId.of("Asia/Shanghai")));
    YearMonth from = month(ctx, "from", to.minusMonths(11));
    if (from.isAfter(to) || ChronoUnit.MONTHS.between(from, to) > 119) {
      throw AppException.invalid("from", "field.stats.range");
    }
    stats.rollup(ctx.request().getParam("division"), from, to).onSuccess(r -> Json.ok(ctx, r)).onFailure(ctx::fail);
  }

  private void rebuild(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    stats.store().rebuild().onSuccess(n -> Json.ok(ctx, new JsonObject().put("stationMonths", n)
        .put("durationMs", System.currentTimeMillis() - started))).onFailure(ctx::fail);
  }
}
