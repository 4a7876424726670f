package org.yishi.station;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorHandler;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.CollectionRoutes;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.PagedList;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The station registry: coordinators register and edit their stations (phone-friendly forms),
 * district staff approve, suspend or revoke them and browse the district by hierarchy; the same
 * through {@code /api/v1/stations}.
 */
public record StationRoutes(App app, StationService stations, Divisions divisions) implements Routes {
  private static final Access ANYONE = Access.signedIn();
  /** The list filters of the API (within: the name of earlier releases). */
  private static final ApiQuery LIST = ApiQuery.of("division", "q", "status", "type").alias("within", "division");
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private static final int EXPORT_MAX = 100_000;

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver station = Access.stationById(stations::divisionOf);
    r.get("/api/v1/stations.csv", ANYONE, LIST, this::exportCsv);
    r.post("/api/v1/stations/import", ANYONE, ApiQuery.of("mode"), this::importApi);
    CollectionRoutes.api(r, "/api/v1/stations", ANYONE, ANYONE.scoped(station), LIST.paged(),
        new CollectionRoutes.Api(this::listApi, this::registerApi, this::getApi, this::updateApi, this::transitionApi));
    r.put("/api/v1/stations/:id/promised-days", ANYONE.scoped(station), this::promisedDaysApi);

    r.get("/stations.csv", ANYONE, this::exportCsv);
    r.get("/stations/approvals", STAFF, this::approvalsPage);
    r.get("/stations/import", ANYONE, this::importPage);
    r.post("/stations/import", ANYONE, this::importFromForm);
    CollectionRoutes.pages(r, "/stations", ANYONE, ANYONE.scoped(station), new CollectionRoutes.Pages(this::listPage,
        this::newPage, this::registerFromForm, this::viewPage, this::editPage, this::updateFromForm, this::transitionFromForm));
    r.post("/stations/:id/promised-days", ANYONE.scoped(station), this::promisedDaysFromForm);
  }

  /** The list filters from the query string; bad values are a 422 naming the parameter. */
  private static StationStore.Filter filter(RoutingContext ctx) {
    // the API's name is division (within is its alias, rewritten by ApiQuery); the page still sends within
    String within = Params.divisionCode(ctx, Params.present(ctx, "division", "within"));
    String q = Params.search(ctx, "q");
    String status = Params.text(ctx, "status");
    StationStatus st = status == null ? null : StationStatus.fromKey(status);
    if (status != null && st == null) {
      throw AppException.invalid("status", "field.station.status");
    }
    String type = Params.text(ctx, "type");
    StationType ty = type == null ? null : StationType.fromKey(type);
    if (type != null && ty == null) {
      throw AppException.invalid("type", "field.station.type");
    }
    return new StationStore.Filter(within == null ? null : Jurisdiction.prefixOf(within), q, st, ty);
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> stations.list(Security.require(c).jurisdiction(), filter(c), page));
  }

  private void registerApi(RoutingContext ctx) {
    StationService.StationInput in = stations.read(Input.json(ctx), false);
    Json.createdIn(ctx, "/api/v1/stations/", stations.register(Security.require(ctx), in));
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, stations.get(Access.pathId(ctx)));
  }

  private void updateApi(RoutingContext ctx) {
    StationService.StationInput in = stations.read(Input.json(ctx), true);
    Json.answer(ctx, stations.update(Security.require(ctx), Access.pathId(ctx), in)); // a stale version: 409 with the current values (StaleConflict)
  }

  private void transitionApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String actionKey = in.text("action", 20);
    String reason = in.optionalText("reason", 500, true);
    StationStatus.Action action = StationStatus.Action.fromKey(actionKey);
    if (actionKey != null && action == null) {
      in.reject("action", "field.station.action");
    }
    in.done();
    Json.answer(ctx, stations.transition(Security.require(ctx), Access.pathId(ctx), action, reason));
  }

  /** {@code {"promisedDays": 15}} (1..365), or {@code null} for the node's default; the field is required. */
  private void promisedDaysApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    Long days = in.optionalLong("promisedDays", 1, StationService.MAX_PROMISED_DAYS);
    Object given = ctx.body().asJsonObject().getValue("promisedDays");
    if (!ctx.body().asJsonObject().containsKey("promisedDays") || given instanceof String text && Text.blank(text)) {
      in.reject("promisedDays", "field.required"); // null is the default; blank text is no answer at all
    }
    in.done();
    Json.answer(ctx, stations.setPromisedDays(Security.require(ctx), Access.pathId(ctx), days == null ? null : days.intValue()));
  }

  /** {@code ?mode=atomic} (default) or {@code skip-invalid}; anything else is a 422. */
  private static boolean atomic(String mode) {
    if (Text.blank(mode) || "atomic".equals(mode)) {
      return true;
    }
    if ("skip-invalid".equals(mode)) {
      return false;
    }
    throw AppException.invalid("mode", "field.import.mode");
  }

  /** The body is the CSV (UTF-8); 200 with the report when applied, 422 with it when not. */
  private void importApi(RoutingContext ctx) {
    boolean atomic = atomic(ctx.request().getParam("mode"));
    byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    Input.requireUtf8(body);
    stations.importCsv(Security.require(ctx), new String(body, java.nio.charset.StandardCharsets.UTF_8), atomic,
            org.yishi.platform.web.I18n.EN)
        .onSuccess(report -> {
          if (report.getBoolean("applied")) {
            Json.ok(ctx, report);
          } else {
            Json.send(ctx, 422, ErrorHandler.body(new AppException(ErrorKind.INVALID,
                "Nothing was imported: " + report.getInteger("errorsTotal") + " row problem(s), see report.errors"))
                .put("report", report));
          }
        })
        .onFailure(ctx::fail);
  }

  private void importPage(RoutingContext ctx) {
    app.web().page(ctx, "station/import", Map.of("columns", String.join(",", StationImport.COLUMNS), "mode", "atomic"));
  }

  private void importFromForm(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String text = in.optionalText("csv", 1_000_000, true);
    String mode = ctx.request().getFormAttribute("mode");
    Map<String, Object> model = new HashMap<>();
    model.put("columns", String.join(",", StationImport.COLUMNS));
    model.put("csv", text == null ? "" : text);
    model.put("mode", "skip-invalid".equals(mode) ? "skip-invalid" : "atomic");
    if (text == null) {
      model.put("errors", Map.of("csv", app.web().message(ctx, "field.required")));
      app.web().page(ctx, 422, "station/import", model);
      return;
    }
    Future<JsonObject> run;
    try {
      run = stations.importCsv(Security.require(ctx), text, atomic(mode), Web.locale(ctx));
    } catch (AppException e) {
      run = Future.failedFuture(e);
    }
    run.onSuccess(report -> {
      model.put("report", report.getMap());
      model.put("rowErrors", Web.rows(report.getJsonArray("errors")));
      app.web().page(ctx, report.getBoolean("applied") ? 200 : 422, "station/import", model);
    }).onFailure(err -> {
      if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
        model.put("errors", Map.of("csv", app.web().messages(ctx, e.fields()).values().stream().findFirst().orElse("")));
        app.web().page(ctx, 422, "station/import", model);
      } else {
        ctx.fail(err);
      }
    });
  }

  /** CSV of the stations matching the filters (UTF-8 with BOM so spreadsheet programs read Chinese). */
  private void exportCsv(RoutingContext ctx) {
    stations.all(Security.require(ctx).jurisdiction(), filter(ctx), EXPORT_MAX)
        .onFailure(ctx::fail)
        .onSuccess(rows -> {
          StringBuilder csv = new StringBuilder("\uFEFF");
          csv.append(StationCsv.HEADER).append("\r\n");
          rows.forEach(s -> csv.append(StationCsv.line(s)).append("\r\n"));
          ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
              .putHeader("Content-Disposition", "attachment; filename=\"stations.csv\"")
              .end(csv.toString());
        });
  }

  // ------------------------------------------------------------------ pages

  private Map<String, Object> baseModel() {
    Map<String, Object> model = new HashMap<>();
    model.put("types", Arrays.stream(StationType.values()).map(StationType::key).toList());
    model.put("statuses", Arrays.stream(StationStatus.values()).map(StationStatus::key).toList());
    return model;
  }

  private void listPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    StationStore.Filter f = filter(ctx);
    String within = Params.text(ctx, "within");
    // drill-down: staff see the child units of where they stand (their jurisdiction by default)
    String here = within != null ? within : homeCode(me);
    Future<List<Division>> crumbs = here == null ? Future.succeededFuture(List.of()) : divisions.ancestors(here);
    Future<JsonArray> children = here == null || me.is(Role.STATION_COORDINATOR) || Jurisdiction.prefixOf(here).length() >= 9
        ? Future.succeededFuture(new JsonArray())
        : stations.countsByChild(me.jurisdiction(), here, Jurisdiction.prefixOf(here).length() == 4 ? 6 : 9);
    Future<JsonObject> list = stations.list(me.jurisdiction(), f, page);
    Future.all(crumbs, children, list).onFailure(ctx::fail).onSuccess(v -> {
      Map<String, Object> model = baseModel();
      JsonObject result = list.result();
      page.into(model, "stations", Web.rows(result.getJsonArray("items")), result);
      model.put("crumbs", crumbs.result().stream().filter(d -> me.jurisdiction().isAll()
          || me.jurisdiction().coversDivision(d.code()) || d.code().equals(homeCode(me))).map(d -> d.toJson().getMap()).toList());
      model.put("children", Web.rows(children.result()));
      model.put("within", within == null ? "" : within);
      model.put("q", f.q() == null ? "" : f.q());
      model.put("status", f.status() == null ? "" : f.status().key());
      model.put("type", f.type() == null ? "" : f.type().key());
      model.put("query", PageRequest.queryWithoutPage(ctx));
      app.web().page(ctx, "station/list", model);
    });
  }

  /** Where a user's drill-down starts: their city or district; null for admins and coordinators. */
  private static String homeCode(Principal me) {
    return me.is(Role.CITY_STAFF) || me.is(Role.DISTRICT_STAFF) ? me.scopeCode() : null;
  }

  private void approvalsPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    stations.list(me.jurisdiction(), new StationStore.Filter(null, null, StationStatus.PENDING, null), page)
        .onFailure(ctx::fail)
        .onSuccess(result -> {
          Map<String, Object> model = baseModel();
          page.into(model, "stations", Web.rows(result.getJsonArray("items")), result);
          app.web().page(ctx, "station/approvals", model);
        });
  }

  /** The choices of the division select: townships and their villages in the chosen district. */
  private Future<Map<String, Object>> formModel(RoutingContext ctx, Map<String, Object> station) {
    Principal me = Security.require(ctx);
    Jurisdiction area = StationService.registrationArea(me);
    String chosen = Params.text(ctx, "district");
    Object division = station.get("divisionCode");
    if (chosen == null && division instanceof String code && code.matches("\\d{12}")) {
      chosen = code.substring(0, 6) + "000000";
    }
    if (chosen == null && me.scopeCode() != null && Jurisdiction.prefixOf(me.scopeCode()).length() == 6) {
      chosen = me.scopeCode();
    }
    String district = chosen != null && chosen.matches("\\d{12}") && area.coversDivision(chosen) ? chosen : null;
    String areaCode = me.scopeCode();
    Future<List<Division>> districts = district != null || areaCode == null ? Future.succeededFuture(List.of())
        : divisions.children(areaCode, 500, 0).map(p -> p.items());
    Future<List<Division>> sites = district == null ? Future.succeededFuture(List.of())
        : divisions.stationSites(district.substring(0, 6));
    return Future.all(districts, sites).map(v -> {
      Map<String, Object> model = baseModel();
      model.put("station", station);
      model.put("district", district == null ? "" : district);
      model.put("districts", districts.result().stream().map(d -> d.toJson().getMap()).toList());
      List<Map<String, Object>> options = new ArrayList<>();
      for (Division d : sites.result()) {
        options.add(Map.of("code", d.code(), "name", d.name(), "village", "village".equals(d.level().key())));
      }
      model.put("sites", options);
      model.put("needsDistrict", district == null);
      return model;
    });
  }

  private void newPage(RoutingContext ctx) {
    formModel(ctx, new HashMap<>()).onFailure(ctx::fail)
        .onSuccess(model -> app.web().page(ctx, "station/form", model));
  }

  private void registerFromForm(RoutingContext ctx) {
    Map<String, Object> values = formValues(ctx);
    StationService.StationInput in;
    try {
      in = stations.read(Input.form(ctx), false);
    } catch (AppException e) {
      reRender(ctx, values, e);
      return;
    }
    stations.register(Security.require(ctx), in)
        .onSuccess(s -> Web.redirect(ctx, "/stations/" + s.getLong("id") + "?registered=1"))
        .onFailure(err -> reRender(ctx, values, err));
  }

  private void viewPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    stations.get(Access.pathId(ctx)).onFailure(ctx::fail).onSuccess(s -> {
      Map<String, Object> model = viewModel(me, s);
      model.put("registered", ctx.request().getParam("registered") != null);
      model.put("promisedSaved", ctx.request().getParam("promised") != null);
      app.web().page(ctx, "station/view", model);
    });
  }

  /** The station page's model: the station, its history and the actions the caller may take. */
  private Map<String, Object> viewModel(Principal me, JsonObject s) {
    Map<String, Object> model = baseModel();
    model.put("station", s.getMap());
    model.put("history", Web.rows(s.getJsonArray("history")));
    StationStatus status = StationStatus.fromKey(s.getString("status"));
    model.put("actions", StationStatus.actions().get(status).stream()
        .filter(a -> !me.is(Role.STATION_COORDINATOR) || a == StationStatus.Action.RESUBMIT)
        .map(a -> Map.of("key", a.key(), "reason", a.reasonRequired)).toList());
    model.put("editable", status != StationStatus.REVOKED);
    model.put("mayPromise", me.is(Role.ADMIN) || me.is(Role.CITY_STAFF) || me.is(Role.DISTRICT_STAFF)
        || me.is(Role.STATION_COORDINATOR));
    return model;
  }

  /** The station page again, with the form's message and what was typed, after a refused form (422/409). */
  private void viewWithError(RoutingContext ctx, long id, AppException e, String key, Map<String, Object> extra) {
    stations.get(id).onFailure(ctx::fail).onSuccess(s -> {
      Map<String, Object> model = viewModel(Security.require(ctx), s);
      model.put(key, app.web().messages(ctx, e.fields()).values().stream().findFirst().orElse(""));
      model.putAll(extra);
      app.web().page(ctx, e.kind().status, "station/view", model);
    });
  }

  /** The promised-days form of the station page: a whole number of days, or blank for the node's default. */
  private void promisedDaysFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Input in = Input.form(ctx);
    Long days = in.optionalLong("promisedDays", 1, StationService.MAX_PROMISED_DAYS);
    String typed = ctx.request().getFormAttribute("promisedDays");
    Map<String, Object> kept = Map.of("promisedTyped", typed == null ? "" : typed);
    if (!in.ok()) {
      viewWithError(ctx, id, AppException.invalid(in.errors()), "promisedError", kept);
      return;
    }
    stations.setPromisedDays(Security.require(ctx), id, days == null ? null : days.intValue())
        .onSuccess(s -> Web.redirect(ctx, "/stations/" + id + "?promised=1"))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            viewWithError(ctx, id, e, "promisedError", kept);
          } else {
            ctx.fail(err);
          }
        });
  }

  private void editPage(RoutingContext ctx) {
    stations.get(Access.pathId(ctx))
        .compose(s -> formModel(ctx, new HashMap<>(s.getMap())))
        .onFailure(ctx::fail)
        .onSuccess(model -> app.web().page(ctx, "station/form", model));
  }

  private void updateFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Map<String, Object> values = formValues(ctx);
    values.put("id", id);
    StationService.StationInput in;
    try {
      in = stations.read(Input.form(ctx), true);
    } catch (AppException e) {
      reRender(ctx, values, e);
      return;
    }
    stations.update(Security.require(ctx), id, in)
        .onSuccess(s -> Web.redirect(ctx, "/stations/" + id))
        .onFailure(err -> {
          if (err instanceof StationService.StaleStation stale) {
            formModel(ctx, new HashMap<>(stale.current().getMap())).onFailure(ctx::fail).onSuccess(model -> {
              model.put("conflict", true);
              app.web().page(ctx, 409, "station/form", model);
            });
          } else {
            reRender(ctx, values, err);
          }
        });
  }

  private void transitionFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Input in = Input.form(ctx);
    StationStatus.Action action = StationStatus.Action.fromKey(ctx.request().getFormAttribute("action"));
    String reason = in.optionalText("reason", 500, true);
    if (action == null || !in.ok()) {
      ctx.fail(AppException.invalid("action", "field.station.action"));
      return;
    }
    stations.transition(Security.require(ctx), id, action, reason)
        .onSuccess(s -> Web.redirect(ctx, Web.backOr(ctx, "/stations/" + id)))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
            viewWithError(ctx, id, e, "actionError", Map.of());
          } else {
            ctx.fail(err);
          }
        });
  }

  private static Map<String, Object> formValues(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    for (String f : List.of("name", "type", "divisionCode", "address", "latitude", "longitude", "openingHours",
        "contactName", "contactPhone", "foundedOn", "version")) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, v);
      }
    }
    return values;
  }

  private void reRender(RoutingContext ctx, Map<String, Object> values, Throwable err) {
    app.web().formFailed(ctx, err, "station/form", () -> formModel(ctx, values));
  }
}
