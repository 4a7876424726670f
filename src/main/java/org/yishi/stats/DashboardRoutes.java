package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Web;

import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The district and city dashboard: headline figures with the change against the previous period of
 * the same length, one row per child unit with drill-down, and a chart (ECharts from the jar) beside
 * the table. Staff start at their own city or district.
 */
public final class DashboardRoutes {
  /** The headline figures, in display order. */
  static final List<String> HEADLINE = List.of("meetings_held", "attendance_residents", "suggestions", "outcomes",
      "reply_rate", "satisfaction_rate", "stations_active", "overdue_referrals");
  private final App app;
  private final StatsService stats;

  private DashboardRoutes(App app) {
    this.app = app;
    this.stats = new StatsService(app.pool(), app.readPool());
  }

  public static Router router(App app) {
    DashboardRoutes routes = new DashboardRoutes(app);
    Access.ScopeResolver unit = ctx -> {
      String code = division(ctx);
      return code == null ? Future.failedFuture(AppException.invalid("division", "field.scope.format"))
          : Future.succeededFuture(Access.Scope.division(code));
    };
    SecureRouter r = app.secureRouter();
    r.get("/stats", Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF).scoped(unit), routes::dashboard);
    return r.router();
  }

  /** The unit asked for, else the caller's city or district (admins: the first city with a committee, 白城市 in the demo). */
  private static String division(RoutingContext ctx) {
    String code = ctx.request().getParam("division");
    if (code != null) {
      return code.matches("\\d{12}") ? code : null;
    }
    Principal me = Security.principal(ctx);
    return me != null && me.scopeCode() != null && !me.is(Role.STATION_COORDINATOR) ? me.scopeCode() : "220800000000";
  }

  private static YearMonth month(RoutingContext ctx, String name, YearMonth dflt) {
    String raw = ctx.request().getParam(name);
    try {
      return raw == null || raw.isBlank() ? dflt : YearMonth.parse(raw);
    } catch (DateTimeParseException e) {
      throw AppException.invalid(name, "field.stats.month");
    }
  }

  private void dashboard(RoutingContext ctx) {
    String code = division(ctx);
    YearMonth to = month(ctx, "to", YearMonth.now(ZoneId.of("Asia/Shanghai")));
    YearMonth from = month(ctx, "from", to.minusMonths(11));
    if (from.isAfter(to) || ChronoUnit.MONTHS.between(from, to) > 119) {
      throw AppException.invalid("from", "field.stats.range");
    }
    long span = ChronoUnit.MONTHS.between(from, to) + 1;
    Future<JsonObject> now = stats.rollup(code, from, to);
    Future<JsonObject> before = stats.rollup(code, from.minusMonths(span), to.minusMonths(span));
    Future.all(now, before).onFailure(ctx::fail).onSuccess(v -> {
      JsonObject totals = now.result().getJsonObject("totals");
      JsonObject previous = before.result().getJsonObject("totals");
      List<Map<String, Object>> headline = new ArrayList<>();
      for (String key : HEADLINE) {
        Object value = totals.getValue(key);
        Object old = previous.getValue(key);
        Map<String, Object> h = new HashMap<>();
        h.put("key", key);
        h.put("value", format(value));
        h.put("change", change(value, old, key));
        headline.add(h);
      }
      JsonArray children = now.result().getJsonArray("children");
      List<Map<String, Object>> rows = new ArrayList<>();
      JsonArray labels = new JsonArray();
      JsonArray held = new JsonArray();
      JsonArray outcomes = new JsonArray();
      for (Object o : children) {
        JsonObject c = (JsonObject) o;
        Map<String, Object> row = new HashMap<>(c.getMap());
        row.put("reply_rate", format(c.getValue("reply_rate")));
        row.put("satisfaction_rate", format(c.getValue("satisfaction_rate")));
        row.put("drill", !"village".equals(c.getString("level")));
        rows.add(row);
        labels.add(c.getString("name"));
        held.add(c.getLong("meetings_held"));
        outcomes.add(c.getLong("outcomes"));
      }
      Map<String, Object> model = new HashMap<>();
      model.put("unit", now.result().getJsonObject("unit").getMap());
      model.put("from", from.toString());
      model.put("to", to.toString());
      model.put("headline", headline);
      model.put("children", rows);
      // inside <script type="application/json">: no "<" may appear, or a name could close the element
      model.put("chart", new JsonObject().put("labels", labels).put("held", held).put("outcomes", outcomes).encode()
          .replace("<", "\\u003c"));
      app.web().page(ctx, "stats/dashboard", model);
    });
  }

  /** Rates as percentages, counts as they are, "–" for no value. */
  static String format(Object value) {
    if (value == null) {
      return "–";
    }
    if (value instanceof Double d) {
      return String.format("%.1f%%", d * 100);
    }
    return String.valueOf(value);
  }

  /** The change against the previous period: "+3", "-2", "+5.0 pt" for rates, "" when not comparable. */
  static String change(Object value, Object old, String key) {
    if (value == null || old == null) {
      return "";
    }
    if (value instanceof Double d && old instanceof Double o) {
      double pt = (d - o) * 100;
      return String.format("%+.1f pt", pt);
    }
    if (value instanceof Number n && old instanceof Number o) {
      long diff = n.longValue() - o.longValue();
      return diff == 0 ? "±0" : String.format("%+d", diff);
    }
    return "";
  }
}
