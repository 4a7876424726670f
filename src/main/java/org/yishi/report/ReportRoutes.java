package org.yishi.report;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.CollectionRoutes;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reports through {@code /api/v1/reports} (list, snapshot, XLSX and CSV downloads, generation and
 * regeneration, the schedules) and pages: the report list with versions, the printable report
 * (A4 print CSS), downloads, and the admins' schedule page. City staff read every report of their
 * city (the city's and its districts'), district staff their district's; coordinators none.
 */
public record ReportRoutes(App app, ReportService reports) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  /** Counter columns per table of the printed report, so that each table fits an A4 page. */
  private static final int COLUMNS_PER_TABLE = 8;

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver report = Access.byId(reports::scopeOf);
    r.post("/api/v1/reports/generate", STAFF, this::generateApi);
    r.get("/api/v1/reports/schedules", ADMIN, this::schedulesApi);
    r.put("/api/v1/reports/schedules/:id", ADMIN, this::saveScheduleApi);
    CollectionRoutes.api(r, "/api/v1/reports", STAFF, STAFF.scoped(report),
        ApiQuery.of("kind", "division", "period").paged().alias("unit", "division"),
        new CollectionRoutes.Api(this::listApi, null, this::getApi, null, null));
    r.get("/api/v1/reports/:id/xlsx", STAFF.scoped(report), this::xlsx);
    r.get("/api/v1/reports/:id/csv", STAFF.scoped(report), this::csv);
    r.get("/api/v1/reports/:id/pdf", STAFF.scoped(report), this::pdf);
    r.post("/api/v1/reports/:id/regenerate", STAFF.scoped(report), this::regenerateApi);

    r.post("/reports/generate", STAFF, this::generateFromForm);
    CollectionRoutes.pages(r, "/reports", STAFF, STAFF.scoped(report),
        new CollectionRoutes.Pages(this::listPage, null, null, this::viewPage, null, null, null));
    r.get("/reports/:id/xlsx", STAFF.scoped(report), this::xlsx);
    r.get("/reports/:id/csv", STAFF.scoped(report), this::csv);
    r.get("/reports/:id/pdf", STAFF.scoped(report), this::pdf);
    r.post("/reports/:id/regenerate", STAFF.scoped(report), this::regenerateFromForm);
    r.get("/admin/report-schedules", ADMIN, this::schedulesPage);
    r.post("/admin/report-schedules/:id", ADMIN, this::saveScheduleFromForm);
  }

  // ------------------------------------------------------------------ API

  /** The list filters of the query string; a bad one is a 422 naming it. */
  private record Filters(String kind, String unit, String period) {
  }

  private static Filters filters(RoutingContext ctx) {
    String kind = Params.text(ctx, "kind");
    // the API's name is division (unit: its alias, rewritten by ApiQuery); the page's form still sends unit
    String unit = Params.divisionCode(ctx, Params.present(ctx, "division", "unit"));
    String period = Params.text(ctx, "period");
    if (kind != null && ReportPeriod.Kind.fromKey(kind) == null) {
      throw AppException.invalid("kind", "report.field.kind");
    }
    if (period != null && !period.matches("\\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?")) {
      throw AppException.invalid("period", "report.field.period");
    }
    return new Filters(kind, unit, period);
  }

  private void listApi(RoutingContext ctx) {
    Filters f = filters(ctx);
    PageRequest page = PageRequest.from(ctx);
    reports.list(Security.require(ctx), f.kind(), f.unit(), f.period(), page)
        .onSuccess(list -> Json.ok(ctx, page.answer(list)))
        .onFailure(ctx::fail);
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, reports.get(Access.pathId(ctx)).compose(r -> reports.versions(r).map(v -> r.put("versions", v))));
  }

  /** What to generate: {@code kind}, {@code unit} (a city or district code) and {@code period}. */
  private record GenerateInput(ReportPeriod period, String unit) {
  }

  private static GenerateInput readGenerate(Input in) {
    String kindText = in.text("kind", 16);
    String unit = in.text("unit", 12);
    String periodText = in.text("period", 16);
    ReportPeriod.Kind kind = kindText == null ? null : ReportPeriod.Kind.fromKey(kindText);
    if (kindText != null && kind == null) {
      in.reject("kind", "report.field.kind");
    }
    if (unit != null && !unit.matches("\\d{12}")) {
      in.reject("unit", "field.scope.format");
      unit = null;
    }
    ReportPeriod period = null;
    if (kind != null && periodText != null) {
      try {
        period = ReportPeriod.parse(kind, periodText, "period");
      } catch (AppException e) {
        in.reject("period", "report.field.period." + kind.key());
      }
    }
    in.done();
    return new GenerateInput(period, unit);
  }

  private void generateApi(RoutingContext ctx) {
    GenerateInput in = readGenerate(Input.json(ctx));
    Json.createdIn(ctx, "/api/v1/reports/", reports.generate(Security.require(ctx), in.period(), in.unit()));
  }

  private void regenerateApi(RoutingContext ctx) {
    Json.createdIn(ctx, "/api/v1/reports/", reports.regenerate(Security.require(ctx), Access.pathId(ctx)));
  }

  private void schedulesApi(RoutingContext ctx) {
    Instant now = Instant.now();
    reports.schedules().onSuccess(list -> {
      JsonArray items = new JsonArray();
      list.forEach(s -> items.add(s.toJson(reports.zone(), now)));
      Json.ok(ctx, new JsonObject().put("items", items));
    }).onFailure(ctx::fail);
  }

  /** A schedule change: {@code cron} (required), {@code enabled} (default true), {@code version} (default 0: not yet overridden). */
  private record ScheduleInput(String cron, boolean enabled, int version) {
  }

  private static ScheduleInput readSchedule(Input in, boolean form) {
    String cron = in.text("cron", 200);
    Boolean enabled = form ? Boolean.valueOf("on".equals(formValue(in, "enabled")) || "true".equals(formValue(in, "enabled")))
        : in.optionalBool("enabled");
    Long version = in.optionalLong("version", 0, Integer.MAX_VALUE);
    in.done();
    return new ScheduleInput(cron, enabled == null || enabled, version == null ? 0 : version.intValue());
  }

  private static String formValue(Input in, String name) {
    return in.has(name) ? in.optionalText(name, 10, false) : null;
  }

  private void saveScheduleApi(RoutingContext ctx) {
    ScheduleInput in = readSchedule(Input.json(ctx), false);
    reports.saveSchedule(Security.require(ctx), ctx.pathParam("id"), in.cron(), in.enabled(), in.version())
        .onSuccess(s -> Json.ok(ctx, s.toJson(reports.zone(), Instant.now()))).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ downloads

  private void xlsx(RoutingContext ctx) {
    Locale locale = Web.locale(ctx);
    reports.get(Access.pathId(ctx))
        .compose(r -> app.vertx().executeBlocking(() -> ReportExport.xlsx(r, locale), false).map(bytes -> Map.entry(r, bytes)))
        .onSuccess(e -> ctx.response()
            .putHeader("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .putHeader("Content-Disposition", "attachment; filename=\"" + ReportExport.fileName(e.getKey(), "xlsx") + "\"")
            .putHeader("Cache-Control", "no-store")
            .end(io.vertx.core.buffer.Buffer.buffer(e.getValue())))
        .onFailure(ctx::fail);
  }

  private void csv(RoutingContext ctx) {
    reports.get(Access.pathId(ctx))
        .onSuccess(r -> ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
            .putHeader("Content-Disposition", "attachment; filename=\"" + ReportExport.fileName(r, "csv") + "\"")
            .putHeader("Cache-Control", "no-store")
            .end(ReportExport.csv(r.getJsonObject("content"))))
        .onFailure(ctx::fail);
  }

  /**
   * The report as PDF, with the bundled Simplified Chinese font (plus a configured one and, unless
   * turned off, the machine's CJK fonts as fallbacks; see {@link ReportPdf}).
   */
  private void pdf(RoutingContext ctx) {
    Locale locale = Web.locale(ctx);
    ReportPdf.FontSources fonts = ReportPdf.FontSources.of(app.config().reports().pdfFont(), app.config().reports().pdfSystemFonts());
    reports.get(Access.pathId(ctx))
        .compose(r -> reports.versions(r).map(v -> {
          Map<String, Object> model = view(r, v, locale);
          model.put("lang", org.yishi.platform.web.I18n.tag(locale));
          model.put("font", ReportPdf.familyList());
          return Map.entry(r, app.web().render("report/pdf", model, locale));
        }))
        .compose(e -> app.vertx().executeBlocking(() -> ReportPdf.render(e.getValue(), fonts), false).map(bytes -> Map.entry(e.getKey(), bytes)))
        .onSuccess(e -> ctx.response().putHeader("Content-Type", "application/pdf")
            .putHeader("Content-Disposition", "attachment; filename=\"" + ReportExport.fileName(e.getKey(), "pdf") + "\"")
            .putHeader("Cache-Control", "no-store")
            .end(io.vertx.core.buffer.Buffer.buffer(e.getValue())))
        .onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ pages

  private void listPage(RoutingContext ctx) {
    renderList(ctx, 200, Map.of(), Map.of());
  }

  private void renderList(RoutingContext ctx, int status, Map<String, String> errors, Map<String, Object> form) {
    Principal me = Security.require(ctx);
    Locale locale = Web.locale(ctx);
    Filters f;
    PageRequest page;
    boolean get = ctx.request().method() == io.vertx.core.http.HttpMethod.GET;
    try {
      // a re-rendered form (POST) lists the first page unfiltered: its fields are not list filters
      f = get ? filters(ctx) : new Filters(null, null, null);
      page = get ? PageRequest.from(ctx) : new PageRequest(1, 20);
    } catch (AppException e) {
      ctx.fail(e);
      return;
    }
    reports.list(me, f.kind(), f.unit(), f.period(), page).onFailure(ctx::fail).onSuccess(list -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object o : list.getJsonArray("items")) {
        JsonObject r = (JsonObject) o;
        Map<String, Object> row = new HashMap<>(r.getMap());
        row.put("periodLabel", ReportText.periodLabel(locale, r.getString("kind"), r.getString("period")));
        row.put("generatedAt", shortTime(r.getString("generatedAt")));
        rows.add(row);
      }
      Map<String, Object> model = new HashMap<>();
      page.into(model, "reports", rows, list);
      model.put("query", get ? PageRequest.queryWithoutPage(ctx) : "");
      model.put("kind", f.kind() == null ? "" : f.kind());
      model.put("kinds", List.of("monthly", "quarterly", "yearly"));
      model.put("errors", errors);
      Map<String, Object> values = new HashMap<>(Map.of("kind", "monthly", "unit", me.scopeCode() == null ? "" : me.scopeCode(),
          "period", YearMonth.now(reports.zone()).minusMonths(1).toString()));
      values.putAll(form);
      model.put("form", values);
      app.web().page(ctx, status, "report/list", model);
    });
  }

  private static String shortTime(String iso) {
    return iso == null || iso.length() < 16 ? iso : iso.substring(0, 16).replace('T', ' ');
  }

  private void generateFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Map<String, Object> form = new HashMap<>();
    for (String name : List.of("kind", "unit", "period")) {
      String v = ctx.request().getFormAttribute(name);
      form.put(name, v == null ? "" : v);
    }
    Future<JsonObject> made;
    try {
      GenerateInput in = readGenerate(Input.form(ctx));
      made = reports.generate(me, in.period(), in.unit());
    } catch (AppException e) {
      made = Future.failedFuture(e);
    }
    made.onSuccess(r -> Web.redirect(ctx, "/reports/" + r.getLong("id") + "?generated=1"))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == org.yishi.platform.http.ErrorKind.INVALID) {
            renderList(ctx, 422, app.web().messages(ctx, e.fields()), form);
          } else if (err instanceof AppException e && e.kind() == org.yishi.platform.http.ErrorKind.FORBIDDEN) {
            renderList(ctx, 403, Map.of("unit", app.web().message(ctx, "report.error.outside")), form);
          } else {
            ctx.fail(err);
          }
        });
  }

  private void regenerateFromForm(RoutingContext ctx) {
    reports.regenerate(Security.require(ctx), Access.pathId(ctx))
        .onSuccess(r -> Web.redirect(ctx, "/reports/" + r.getLong("id") + "?generated=1"))
        .onFailure(ctx::fail);
  }

  private void viewPage(RoutingContext ctx) {
    Locale locale = Web.locale(ctx);
    reports.get(Access.pathId(ctx)).compose(r -> reports.versions(r).map(v -> view(r, v, locale)))
        .onFailure(ctx::fail)
        .onSuccess(model -> {
          model.put("generated", "1".equals(ctx.request().getParam("generated")));
          app.web().page(ctx, "report/view", model);
        });
  }

  /** The page model of a report in one language: every figure already formatted from the snapshot. */
  static Map<String, Object> view(JsonObject report, JsonArray versions, Locale locale) {
    JsonObject c = report.getJsonObject("content");
    List<String> counters = new ArrayList<>();
    c.getJsonArray("counters").forEach(k -> counters.add((String) k));
    JsonArray rates = c.getJsonArray("rates");
    JsonObject totals = c.getJsonObject("totals");
    JsonObject prev = c.getJsonObject("previous").getJsonObject("totals");
    JsonObject last = c.getJsonObject("lastYear").getJsonObject("totals");
    JsonObject changes = c.getJsonObject("changes");
    Map<String, Object> model = new HashMap<>();
    JsonObject head = report.copy();
    head.remove("content");
    model.put("report", plain(head.put("generatedAt", shortTime(report.getString("generatedAt")))));
    model.put("title", ReportExport.title(report, locale));
    model.put("periodLabel", ReportText.periodLabel(locale, c.getString("kind"), c.getString("period")));
    model.put("previousLabel", ReportText.periodLabel(locale, c.getString("kind"), c.getJsonObject("previous").getString("period")));
    model.put("lastYearLabel", ReportText.periodLabel(locale, c.getString("kind"), c.getJsonObject("lastYear").getString("period")));
    model.put("unit", plain(c.getJsonObject("unit")));
    model.put("asOf", c.getString("asOf"));
    model.put("summary", c.getJsonObject("summary").getString(locale.getLanguage().equals("en") ? "en" : "zh"));
    List<Map<String, Object>> figures = new ArrayList<>();
    for (String key : counters) {
      boolean rate = rates.contains(key);
      Map<String, Object> f = new HashMap<>();
      f.put("key", key);
      f.put("label", ReportText.counterLabel(locale, key));
      f.put("value", ReportText.value(totals.getValue(key), rate));
      f.put("previous", ReportText.value(prev.getValue(key), rate));
      f.put("changePrevious", ReportText.change(changes.getJsonObject(key).getValue("previous"), rate));
      f.put("lastYear", ReportText.value(last.getValue(key), rate));
      f.put("changeLastYear", ReportText.change(changes.getJsonObject(key).getValue("lastYear"), rate));
      figures.add(f);
    }
    model.put("figures", figures);
    // the child units' table, split into A4-wide tables of a few counters each
    List<Map<String, Object>> tables = new ArrayList<>();
    JsonArray children = c.getJsonArray("children");
    for (int start = 0; start < counters.size() && !children.isEmpty(); start += COLUMNS_PER_TABLE) {
      List<String> keys = counters.subList(start, Math.min(counters.size(), start + COLUMNS_PER_TABLE));
      List<String> heads = keys.stream().map(k -> ReportText.counterLabel(locale, k)).toList();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object o : children) {
        JsonObject child = (JsonObject) o;
        rows.add(Map.of("name", child.getString("name"), "code", child.getString("code"),
            "cells", keys.stream().map(k -> ReportText.value(child.getValue(k), rates.contains(k))).toList()));
      }
      tables.add(Map.of("keys", keys, "heads", heads, "rows", rows,
          "totals", keys.stream().map(k -> ReportText.value(totals.getValue(k), rates.contains(k))).toList()));
    }
    model.put("tables", tables);
    List<Map<String, Object>> rankings = new ArrayList<>();
    for (Object o : c.getJsonArray("rankings")) {
      JsonObject ranking = (JsonObject) o;
      boolean rate = ranking.getBoolean("rate", false);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object x : ranking.getJsonArray("rows")) {
        JsonObject e = (JsonObject) x;
        rows.add(Map.of("rank", e.getValue("rank") == null ? "–" : e.getValue("rank"), "name", e.getString("name"),
            "value", ReportText.value(e.getValue("value"), rate)));
      }
      rankings.add(Map.of("label", ReportText.counterLabel(locale, ranking.getString("key")), "rows", rows));
    }
    model.put("rankings", rankings);
    model.put("dormant", plain(c.getJsonObject("dormantStations")));
    model.put("dormantMore", c.getJsonObject("dormantStations").getLong("total", 0L)
        > c.getJsonObject("dormantStations").getJsonArray("items").size());
    model.put("overdue", plain(c.getJsonObject("overdueReferrals")));
    model.put("typical", plain(c.getJsonObject("typicalCases")));
    List<Map<String, Object>> history = new ArrayList<>();
    for (Object o : versions) {
      JsonObject v = (JsonObject) o;
      history.add(Map.of("id", v.getLong("id"), "version", v.getInteger("version"), "trigger", v.getString("trigger"),
          "generatedAt", shortTime(v.getString("generatedAt")), "current", v.getLong("id").equals(report.getLong("id"))));
    }
    model.put("versions", history);
    return model;
  }

  /** JSON as plain maps and lists, which templates read ({@code x.field}, {@code list.size}). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> plain(JsonObject json) {
    return io.vertx.core.json.Json.decodeValue(json.encode(), Map.class);
  }

  private void schedulesPage(RoutingContext ctx) {
    renderSchedules(ctx, 200, null, Map.of(), Map.of());
  }

  private void renderSchedules(RoutingContext ctx, int status, String editing, Map<String, String> errors, Map<String, Object> form) {
    Instant now = Instant.now();
    reports.schedules().onFailure(ctx::fail).onSuccess(list -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ReportService.Schedule s : list) {
        Map<String, Object> row = new HashMap<>(s.toJson(reports.zone(), now).getMap());
        if (s.id().equals(editing)) {
          row.putAll(form); // the admin's input, kept beside the error
          row.put("errors", errors);
        }
        row.put("nextRun", shortTime((String) row.get("nextRun")));
        rows.add(row);
      }
      Map<String, Object> model = new HashMap<>();
      model.put("schedules", rows);
      model.put("saved", ctx.request().getParam("saved"));
      app.web().page(ctx, status, "report/schedules", model);
    });
  }

  private void saveScheduleFromForm(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Map<String, Object> form = new HashMap<>();
    String cron = ctx.request().getFormAttribute("cron");
    form.put("cron", cron == null ? "" : cron);
    form.put("enabled", "on".equals(ctx.request().getFormAttribute("enabled")));
    Future<ReportService.Schedule> saved;
    try {
      ScheduleInput in = readSchedule(Input.form(ctx), true);
      saved = reports.saveSchedule(Security.require(ctx), id, in.cron(), in.enabled(), in.version());
    } catch (AppException e) {
      saved = Future.failedFuture(e);
    }
    saved.onSuccess(s -> Web.redirect(ctx, "/admin/report-schedules?saved=" + s.id()))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == org.yishi.platform.http.ErrorKind.INVALID) {
            renderSchedules(ctx, 422, id, app.web().messages(ctx, e.fields()), form);
          } else if (err instanceof AppException e && e.kind() == org.yishi.platform.http.ErrorKind.CONFLICT) {
            renderSchedules(ctx, 409, id, Map.of("cron", app.web().message(ctx, "report.error.stale")), form);
          } else {
            ctx.fail(err);
          }
        });
  }
}
