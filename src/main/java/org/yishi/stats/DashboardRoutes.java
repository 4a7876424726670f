package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.EncodedPart;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The district and city dashboard ({@code /stats}): headline figures with the change against the
 * previous period of the same length, filters (unit, months, topic category), the per-unit table
 * with drill-down city → district → township → station, meetings by kind and format and outcomes
 * by form, members' participation, dormant stations and overdue referrals (each paginated), a
 * chart beside each table (ECharts from the jar); its live stream ({@code /stats/live}, server-sent
 * events) and the CSV/XLSX export of every table ({@code /stats/export.csv|xlsx?table=}).
 * Staff start at their own city or district.
 */
public final class DashboardRoutes implements Routes {
  /** The headline figures, in display order. */
  static final List<String> HEADLINE = List.of("meetings_held", "attendance_residents", "suggestions", "outcomes",
      "reply_rate", "satisfaction_rate", "stations_active", "overdue_referrals");
  /** Rows per page of the dashboard's lists. */
  static final int LIST_SIZE = 20;
  private final App app;
  private final StatsService stats;
  /** For the exports' whole lists (up to {@link StatsExport#MAX_ROWS} rows): not kept in the node's cache. */
  private final StatsService uncached;
  private final Divisions divisions;
  private final StatsLive live;
  /** The page's rendered parts (per verticle; each is rendered again once the roll-up cache has a new answer). */
  private final DashboardParts parts = new DashboardParts();

  /**
   * @param activeAccount the active account with this id read afresh, null when disabled or gone
   *                      (the account feature's, wired by the composition root): open live streams
   *                      check their user with it
   */
  @Override
  public App app() {
    return app;
  }

  public DashboardRoutes(App app, StatsService stats, StatsService uncached, Divisions divisions,
                         java.util.function.Function<Long, Future<Principal>> activeAccount) {
    this.app = app;
    this.stats = stats;
    this.uncached = uncached;
    this.divisions = divisions;
    this.live = new StatsLive(app.vertx(), activeAccount, app.config().security().liveRecheckSeconds() * 1000L);
  }

  @Override
  public void register(SecureRouter r) {
    Access staff = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
    // the page re-renders its filter form for a malformed code, so it checks the caller's own unit then
    Access.ScopeResolver page = ctx -> {
      String code = ctx.request().getParam("division");
      return Future.succeededFuture(Access.Scope.division(StatsQuery.isDivision(code) ? code : home(ctx)));
    };
    Access.ScopeResolver unit = ctx -> {
      String code = ctx.request().getParam("division");
      if (Text.blank(code)) {
        return Future.succeededFuture(Access.Scope.division(home(ctx)));
      }
      return StatsRoutes.requiredUnit(ctx);
    };
    r.get("/stats", staff.scoped(page), this::dashboard);
    r.get("/stats/live", staff.scoped(StatsRoutes::requiredUnit), this::live);
    r.get("/stats/export.csv", staff.scoped(unit), ctx -> export(ctx, false));
    r.get("/stats/export.xlsx", staff.scoped(unit), ctx -> export(ctx, true));
  }

  /** Where a user starts: their city or district (admins: the demo city, 白城市). */
  private static String home(RoutingContext ctx) {
    Principal me = Security.principal(ctx);
    return me != null && me.scopeCode() != null && !me.is(Role.STATION_COORDINATOR) ? me.scopeCode() : "220800000000";
  }

  // ------------------------------------------------------------------ the page

  /** The lists a request may ask for alone ({@code ?part=}: the next page of one, fetched by htmx). */
  static final List<String> LISTS = List.of("members", "dormant", "overdue");
  private static final String HTML = "text/html; charset=utf-8";

  /**
   * The page: the caller's own bits (layout, breadcrumbs, filter form) rendered for the request, the
   * figures and lists spliced in as parts rendered once per answer of the roll-up cache
   * ({@link DashboardParts}). {@code ?part=members|dormant|overdue} answers that list's section alone.
   */
  private void dashboard(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    StatsQuery q;
    Map<String, PageRequest> pages = new LinkedHashMap<>();
    String part;
    try {
      q = StatsQuery.parse(ctx, home(ctx), stats.zone());
      Map<String, Msg> errors = new LinkedHashMap<>();
      for (String list : LISTS) {
        pages.put(list, listPage(ctx, list + "_page", errors));
      }
      part = ctx.request().getParam("part");
      if (part != null && !LISTS.contains(part)) {
        errors.put("part", Msg.of("field.oneOf", String.join(", ", LISTS)));
      }
      if (!errors.isEmpty()) {
        throw AppException.invalid(errors);
      }
    } catch (AppException e) {
      refused(ctx, e);
      return;
    }
    // a live refresh (htmx) follows a committed change: its figures must not predate the change
    boolean live = part == null && "true".equals(ctx.request().getHeader("HX-Request"));
    Locale l = Web.locale(ctx);
    Map<String, Future<JsonObject>> lists = new LinkedHashMap<>();
    for (String list : LISTS) {
      if (part == null || part.equals(list)) {
        lists.put(list, list(list, q, me, pages.get(list), live));
      }
    }
    if (part != null) {
      lists.get(part).onFailure(err -> failed(ctx, err)).onSuccess(result -> EncodedPart.send(ctx, 200, HTML,
          EncodedPart.marker(part), Map.of(part, listPart(part, q, me, pages, result, l))));
      return;
    }
    Future<JsonObject> now = stats.rollup(q, live);
    Future<JsonObject> before = stats.rollup(q.previous());
    Future<JsonArray> categories = stats.categories();
    Future<List<Division>> crumbs = divisions.ancestors(q.division());
    List<Future<?>> all = new ArrayList<>(List.of(now, before, categories, crumbs));
    all.addAll(lists.values());
    Future.all(all).onFailure(err -> failed(ctx, err)).onSuccess(v -> {
      Map<String, Object> model = filterModel(ctx, categories.result());
      model.put("unit", now.result().getJsonObject("unit").getMap());
      model.put("from", q.from().toString());
      model.put("to", q.to().toString());
      model.put("category", q.category());
      model.put("crumbs", crumbs(crumbs.result(), me, q));
      EncodedPart[] summary = summary(q, now.result(), before.result(), l);
      Map<String, EncodedPart> encoded = new HashMap<>();
      encoded.put("top", summary[0]);
      encoded.put("tail", summary[1]);
      lists.forEach((name, list) -> encoded.put(name, listPart(name, q, me, pages, list.result(), l)));
      Map<String, Object> markers = new HashMap<>();
      encoded.keySet().forEach(name -> markers.put(name, EncodedPart.marker(name)));
      model.put("parts", markers);
      model.put("liveUrl", "/stats/live?division=" + q.division());
      model.put("updatedAt", ZonedDateTime.now(stats.zone()).toLocalTime().withNano(0).toString());
      // htmx (the live refresh) asks for the changing part only
      String html;
      try {
        html = app.web().html(ctx, live ? "stats/body" : "stats/dashboard", model);
      } catch (RuntimeException e) {
        ctx.fail(e);
        return;
      }
      EncodedPart.send(ctx, 200, HTML, html, encoded);
    });
  }

  private void failed(RoutingContext ctx, Throwable err) {
    if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
      refused(ctx, e);
    } else {
      ctx.fail(err);
    }
  }

  private Future<JsonObject> list(String name, StatsQuery q, Principal me, PageRequest page, boolean live) {
    return switch (name) {
      case "members" -> stats.members(q, me.jurisdiction(), page, live);
      case "dormant" -> stats.dormant(q, page, live);
      default -> stats.overdue(q, page, live);
    };
  }

  /** The part of a query: unit, period, category. */
  private static String key(StatsQuery q, Locale l) {
    return I18n.tag(l) + '|' + q.division() + '|' + q.from() + '|' + q.to() + '|' + q.category();
  }

  /** The headline and the per-unit tables (top) and all figures with the charts' data (tail), rendered once per roll-up. */
  private EncodedPart[] summary(StatsQuery q, JsonObject rollup, JsonObject before, Locale l) {
    return parts.get("summary|" + key(q, l), List.of(rollup, before), () -> {
      JsonObject totals = rollup.getJsonObject("totals");
      JsonObject previous = before.getJsonObject("totals");
      Map<String, Object> model = new HashMap<>();
      model.put("previousFrom", q.previous().from().toString());
      model.put("previousTo", q.previous().to().toString());
      List<Map<String, Object>> headline = new ArrayList<>();
      for (String key : HEADLINE) {
        Object value = totals.getValue(key);
        Map<String, Object> h = new HashMap<>();
        h.put("key", key);
        h.put("value", StatsTables.display(value, StatsTables.isRate(key) ? StatsTables.Kind.RATE : StatsTables.Kind.COUNT));
        h.put("change", StatsTables.change(value, previous.getValue(key)));
        headline.add(h);
      }
      model.put("headline", headline);
      StatsTables.Table children = StatsTables.children(rollup, q, l);
      StatsTables.Table kinds = StatsTables.kinds(totals, l);
      StatsTables.Table formats = StatsTables.formats(totals, l);
      model.put("tables", StatsTables.views(List.of(StatsTables.totals(rollup, before, l), children,
          StatsTables.requests(rollup, q, l), kinds, formats, StatsTables.forms(totals, l))));
      model.put("perStation", rollup.containsKey("stations"));
      model.put("exportQuery", exportQuery(q));
      model.put("chart", chartData(children, kinds, formats));
      return new EncodedPart[] {EncodedPart.of(app.web().render("stats/top", model, l)),
          EncodedPart.of(app.web().render("stats/tail", model, l))};
    });
  }

  /**
   * One list's section (a page of it), rendered once per answer of the roll-up cache; its pager's
   * links keep the unit, period, category and the other lists' pages.
   */
  private EncodedPart listPart(String name, StatsQuery q, Principal me, Map<String, PageRequest> pages, JsonObject list, Locale l) {
    StringBuilder others = new StringBuilder();
    pages.forEach((other, page) -> {
      if (!other.equals(name) && page.page() > 1) {
        others.append('&').append(other).append("_page=").append(page.page());
      }
    });
    String within = name.equals("members") ? me.jurisdiction().prefixArg() : "";
    String key = name + '|' + key(q, l) + '|' + pages.get(name).page() + '|' + others + '|' + within;
    return parts.get(key, List.of(list), () -> {
      Map<String, Object> model = new HashMap<>();
      model.put("exportQuery", exportQuery(q));
      StatsTables.Table table = switch (name) {
        case "members" -> StatsTables.members(list, l);
        case "dormant" -> StatsTables.dormant(list, l);
        default -> StatsTables.overdue(list, l);
      };
      model.put("tables", StatsTables.views(List.of(table)));
      PageRequest page = pages.get(name);
      long total = list.getLong("total");
      JsonObject pager = new JsonObject().put("page", page.page()).put("pages", page.pages(total)).put("total", total)
          .put("base", "/stats?" + exportQuery(q) + others + "&" + name + "_page=");
      if (name.equals("members")) {
        pager.put("participating", list.getLong("participating")).put("attended", list.getLong("attended"));
      }
      model.put(name, pager.getMap());
      return EncodedPart.of(app.web().render("stats/" + name, model, l));
    });
  }

  /** The filter form again, with the input kept and a message per bad field (422). */
  private void refused(RoutingContext ctx, AppException e) {
    if (e.kind() != ErrorKind.INVALID) {
      ctx.fail(e);
      return;
    }
    stats.categories().onFailure(ctx::fail).onSuccess(categories -> {
      Map<String, Object> model = filterModel(ctx, categories);
      Map<String, String> errors = app.web().messages(ctx, e.fields());
      model.put("errors", errors);
      model.put("otherErrors", errors.entrySet().stream()
          .filter(x -> !List.of("division", "from", "to", "category").contains(x.getKey()))
          .map(x -> x.getKey() + ": " + x.getValue()).toList());
      String division = ctx.request().getParam("division");
      model.put("unit", Map.of("code", division == null ? home(ctx) : division, "name", ""));
      model.put("from", param(ctx, "from"));
      model.put("to", param(ctx, "to"));
      model.put("category", param(ctx, "category"));
      model.put("refused", true);
      app.web().page(ctx, 422, "stats/dashboard", model);
    });
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null ? "" : v;
  }

  private static Map<String, Object> filterModel(RoutingContext ctx, JsonArray categories) {
    boolean en = I18n.normalise(Web.locale(ctx)) == I18n.EN;
    List<Map<String, Object>> options = new ArrayList<>();
    for (Object o : categories) {
      JsonObject c = (JsonObject) o;
      options.add(Map.of("key", c.getString("key"), "name", c.getString(en ? "nameEn" : "nameZh")));
    }
    Map<String, Object> model = new HashMap<>();
    model.put("categories", options);
    model.put("errors", Map.of());
    model.put("otherErrors", List.of());
    return model;
  }

  /** Breadcrumbs from the province down to the unit; links only inside the caller's jurisdiction. */
  private static List<Map<String, Object>> crumbs(List<Division> chain, Principal me, StatsQuery q) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Division d : chain) {
      Map<String, Object> c = new HashMap<>();
      c.put("name", d.name());
      c.put("href", me.jurisdiction().coversDivision(d.code()) ? StatsTables.drill(d.code(), q) : null);
      out.add(c);
    }
    return out;
  }

  private static PageRequest listPage(RoutingContext ctx, String name, Map<String, Msg> errors) {
    String v = ctx.request().getParam(name);
    if (Text.blank(v)) {
      return new PageRequest(1, LIST_SIZE);
    }
    if (!v.matches("\\d{1,7}") || Integer.parseInt(v) < 1) {
      errors.put(name, Msg.of("field.range", 1, 1_000_000));
      return null;
    }
    return new PageRequest(Integer.parseInt(v), LIST_SIZE);
  }

  /** The query string of the exports: the same unit, period and category. */
  private static String exportQuery(StatsQuery q) {
    return "division=" + q.division() + "&from=" + q.from() + "&to=" + q.to()
        + (q.category() == null ? "" : "&category=" + URLEncoder.encode(q.category(), StandardCharsets.UTF_8));
  }

  /**
   * The charts' data, for a {@code <script type="application/json">} block: no "<" may appear in
   * it, or a unit's name could close the element.
   */
  private static String chartData(StatsTables.Table children, StatsTables.Table kinds, StatsTables.Table formats) {
    int name = children.columns().indexOf(children.columns().stream().filter(c -> c.key().equals("name")).findFirst().orElseThrow());
    int held = column(children, "meetings_held");
    int outcomes = column(children, "outcomes");
    JsonArray labels = new JsonArray();
    JsonArray heldValues = new JsonArray();
    JsonArray outcomeValues = new JsonArray();
    for (List<StatsTables.Cell> row : children.rows()) {
      labels.add(row.get(name).value());
      heldValues.add(row.get(held).value());
      outcomeValues.add(row.get(outcomes).value());
    }
    return new JsonObject()
        .put("labels", labels).put("held", heldValues).put("outcomes", outcomeValues)
        .put("kinds", breakdown(kinds)).put("formats", breakdown(formats))
        .encode().replace("<", "\\u003c");
  }

  private static JsonObject breakdown(StatsTables.Table t) {
    JsonArray labels = new JsonArray();
    JsonArray values = new JsonArray();
    for (List<StatsTables.Cell> row : t.rows()) {
      labels.add(row.get(1).value());
      values.add(row.get(2).value());
    }
    return new JsonObject().put("labels", labels).put("values", values);
  }

  private static int column(StatsTables.Table t, String key) {
    for (int i = 0; i < t.columns().size(); i++) {
      if (t.columns().get(i).key().equals(key)) {
        return i;
      }
    }
    throw new IllegalArgumentException(key);
  }

  // ------------------------------------------------------------------ live refresh

  private void live(RoutingContext ctx) {
    StatsQuery q = StatsQuery.parse(ctx, null, stats.zone());
    divisions.find(q.division()).onFailure(ctx::fail).onSuccess(found -> {
      if (found.isEmpty()) {
        ctx.fail(AppException.notFound("No such division"));
      } else {
        live.open(ctx, q.division());
      }
    });
  }

  // ------------------------------------------------------------------ exports

  private void export(RoutingContext ctx, boolean xlsx) {
    Principal me = Security.require(ctx);
    StatsQuery q = StatsQuery.parse(ctx, home(ctx), stats.zone());
    String name = ctx.request().getParam("table");
    if (Text.blank(name)) {
      throw AppException.invalid("table", "field.required");
    }
    if (!StatsTables.NAMES.contains(name)) {
      throw AppException.invalid("table", "field.stats.table", String.join(", ", StatsTables.NAMES));
    }
    Locale l = Web.locale(ctx);
    PageRequest all = new PageRequest(1, StatsExport.MAX_ROWS + 1);
    Future<StatsTables.Table> table = switch (name) {
      case "totals" -> {
        Future<JsonObject> now = stats.rollup(q);
        Future<JsonObject> before = stats.rollup(q.previous());
        yield Future.all(now, before).map(v -> StatsTables.totals(now.result(), before.result(), l));
      }
      case "children" -> stats.rollup(q).map(r -> StatsTables.children(r, q, l));
      case "requests" -> stats.rollup(q).map(r -> StatsTables.requests(r, q, l));
      case "kinds" -> stats.rollup(q).map(r -> StatsTables.kinds(r.getJsonObject("totals"), l));
      case "formats" -> stats.rollup(q).map(r -> StatsTables.formats(r.getJsonObject("totals"), l));
      case "forms" -> stats.rollup(q).map(r -> StatsTables.forms(r.getJsonObject("totals"), l));
      case "members" -> uncached.members(q, me.jurisdiction(), all, false).compose(DashboardRoutes::bounded)
          .map(r -> StatsTables.members(r, l));
      case "dormant" -> uncached.dormant(q, all, false).compose(DashboardRoutes::bounded).map(r -> StatsTables.dormant(r, l));
      default -> uncached.overdue(q, all, false).compose(DashboardRoutes::bounded).map(r -> StatsTables.overdue(r, l));
    };
    String file = "stats-" + name + "-" + q.division() + "-" + q.from() + "-" + q.to()
        + (q.category() == null ? "" : "-" + q.category());
    table.onFailure(ctx::fail).onSuccess(t -> {
      if (!xlsx) {
        ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
            .putHeader("Content-Disposition", "attachment; filename=\"" + file + ".csv\"")
            .putHeader("Cache-Control", "no-store")
            .end(StatsExport.csv(t));
        return;
      }
      Map<String, String> about = new LinkedHashMap<>();
      about.put(I18n.t(l, "stats.col.unit"), q.division());
      about.put(I18n.t(l, "stats.from"), q.from().toString());
      about.put(I18n.t(l, "stats.to"), q.to().toString());
      about.put(I18n.t(l, "stats.category"), q.category() == null ? I18n.t(l, "stats.allCategories") : q.category());
      about.put(I18n.t(l, "stats.col.generated"), ZonedDateTime.now(stats.zone()).withNano(0).toOffsetDateTime().toString());
      app.vertx().executeBlocking(() -> StatsExport.xlsx(t, about), false).onFailure(ctx::fail).onSuccess(bytes ->
          ctx.response().putHeader("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
              .putHeader("Content-Disposition", "attachment; filename=\"" + file + ".xlsx\"")
              .putHeader("Cache-Control", "no-store")
              .end(io.vertx.core.buffer.Buffer.buffer(bytes)));
    });
  }

  /** A whole list for an export, unless it is longer than an export may be (413: choose a smaller unit). */
  private static Future<JsonObject> bounded(JsonObject list) {
    return list.getLong("total") > StatsExport.MAX_ROWS
        ? Future.failedFuture(new AppException(ErrorKind.TOO_LARGE, "More than " + StatsExport.MAX_ROWS
            + " rows: choose a smaller unit or period"))
        : Future.succeededFuture(list);
  }
}
