package org.yishi.division;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.db.Rows;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Importing the division CSV (admins only): the API ({@code POST /api/v1/divisions/imports} with
 * the file as the raw body, then the job's progress and report), and the pages
 * {@code /admin/divisions} (upload form, recent imports) and {@code /admin/divisions/imports/ID}
 * (progress, refreshed by htmx, then the report).
 */
final class DivisionImportRoutes {
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  private static final int RECENT = 20;
  /** Multipart framing and the small form fields around the file. */
  private static final long FORM_OVERHEAD = 64 * 1024;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final App app;
  private final DivisionImportService imports;
  /** The node's time zone (YISHI_ZONE): the times shown on the pages and in the text report. */
  private final ZoneId zone;

  private DivisionImportRoutes(App app, DivisionImportService imports) {
    this.app = app;
    this.imports = imports;
    this.zone = app.config().zone();
  }

  static void register(SecureRouter r, App app, DivisionImportService imports) {
    imports.sweepSpool();
    DivisionImportRoutes routes = new DivisionImportRoutes(app, imports);
    r.postStream("/api/v1/divisions/imports", ADMIN, ApiQuery.of("mode", "filename"), routes::startApi);
    r.get("/api/v1/divisions/imports", ADMIN, routes::listApi);
    r.get("/api/v1/divisions/imports/:id", ADMIN, routes::getApi);

    r.get("/admin/divisions", ADMIN, routes::adminPage);
    r.postMultipart("/admin/divisions/imports", ADMIN, imports.spoolDir(), imports.maxBytes() + FORM_OVERHEAD,
        routes::startFromForm);
    r.get("/admin/divisions/imports/:id", ADMIN, routes::jobPage);
    r.get("/admin/divisions/imports/:id/status", ADMIN, routes::jobFragment);
  }

  /** {@code atomic} (default) or {@code skip-invalid} ({@code skip_invalid} too); 422 otherwise. */
  static DivisionImportMode mode(String raw) {
    if (Text.blank(raw)) {
      return DivisionImportMode.ATOMIC;
    }
    return DivisionImportMode.fromKey(raw.trim().replace('-', '_'))
        .orElseThrow(() -> AppException.invalid("mode", "division.field.mode"));
  }

  /** The file's name as given by the client, for the record: its last path segment, at most 200 characters. */
  static String filename(String raw) {
    if (Text.blank(raw)) {
      return null;
    }
    String name = raw.substring(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1).trim();
    if (name.isEmpty() || name.codePointCount(0, name.length()) > 200 || name.chars().anyMatch(Character::isISOControl)) {
      throw AppException.invalid("filename", "division.field.filename");
    }
    return name;
  }


  /** The job in the path, or a 404 failure. */
  private Future<DivisionImportJob> job(RoutingContext ctx) {
    Long id = Access.pathId(ctx);
    if (id == null) {
      return Future.failedFuture(AppException.notFound("No such import"));
    }
    return imports.job(id).compose(found -> found.map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(AppException.notFound("No such import"))));
  }

  // ------------------------------------------------------------------ API

  private void startApi(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    DivisionImportMode mode = mode(ctx.request().getParam("mode"));
    String filename = filename(ctx.request().getParam("filename"));
    imports.receive(ctx)
        .compose(file -> imports.start(file, mode, filename, me))
        .onFailure(ctx::fail)
        .onSuccess(job -> {
          ctx.response().putHeader("Location", "/api/v1/divisions/imports/" + job.id());
          Json.send(ctx, 202, job.toJson());
        });
  }

  private void listApi(RoutingContext ctx) {
    imports.recent(RECENT).onFailure(ctx::fail).onSuccess(jobs -> {
      JsonArray items = new JsonArray();
      jobs.forEach(job -> {
        JsonObject item = job.toJson();
        item.put("report", DivisionImportService.summary(job.report()));
        items.add(item);
      });
      Json.ok(ctx, new JsonObject().put("items", items));
    });
  }

  private void getApi(RoutingContext ctx) {
    job(ctx).onFailure(ctx::fail).onSuccess(job -> {
      if (wantsText(ctx)) {
        ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").putHeader("Cache-Control", "no-store")
            .end(DivisionImportText.render(job, zone));
      } else {
        Json.ok(ctx, job.toJson());
      }
    });
  }

  private static boolean wantsText(RoutingContext ctx) {
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains("text/plain") && !accept.contains("application/json");
  }

  // ------------------------------------------------------------------ pages

  private void adminPage(RoutingContext ctx) {
    renderAdmin(ctx, 200, Map.of(), "atomic");
  }

  private void renderAdmin(RoutingContext ctx, int status, Map<String, String> errors, String mode) {
    imports.recent(RECENT).onFailure(ctx::fail).onSuccess(jobs -> {
      Map<String, Object> model = new HashMap<>();
      model.put("jobs", jobs.stream().map(j -> view(j, Web.locale(ctx))).toList());
      model.put("errors", errors);
      model.put("mode", mode);
      model.put("maxSize", size(imports.maxBytes()));
      app.web().page(ctx, status, "division/admin", model);
    });
  }

  private void startFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    String rawMode = ctx.request().getFormAttribute("mode");
    String modeKey = rawMode == null ? "atomic" : rawMode;
    Map<String, String> errors = new HashMap<>();
    DivisionImportMode mode = null;
    try {
      mode = mode(rawMode);
    } catch (AppException e) {
      errors.put("mode", app.web().message(ctx, "division.field.mode"));
    }
    FileUpload file = ctx.fileUploads().stream().filter(f -> "file".equals(f.name())).findFirst().orElse(null);
    if (file == null || Text.blank(file.fileName())) {
      errors.put("file", app.web().message(ctx, "division.upload.fileRequired"));
    } else if (file.size() > imports.maxBytes()) {
      errors.put("file", app.web().message(ctx, "division.upload.tooLarge", size(imports.maxBytes())));
      renderAdmin(ctx, 413, errors, modeKey);
      return;
    }
    String filename;
    try {
      filename = file == null ? null : filename(file.fileName());
    } catch (AppException e) {
      filename = null;
    }
    if (!errors.isEmpty()) {
      renderAdmin(ctx, 422, errors, modeKey);
      return;
    }
    DivisionImportMode chosen = mode;
    String name = filename;
    imports.adopt(file)
        .compose(path -> imports.start(path, chosen, name, me))
        .onFailure(ctx::fail)
        .onSuccess(job -> Web.redirect(ctx, "/admin/divisions/imports/" + job.id()));
  }

  private void jobPage(RoutingContext ctx) {
    job(ctx).onFailure(ctx::fail).onSuccess(job -> app.web().page(ctx, "division/job", Map.of("job", view(job, Web.locale(ctx)))));
  }

  private void jobFragment(RoutingContext ctx) {
    job(ctx).onFailure(ctx::fail).onSuccess(job -> app.web().page(ctx, "division/job-status", Map.of("job", view(job, Web.locale(ctx)))));
  }

  // ------------------------------------------------------------------ views

  /** A job as the templates read it: plain maps and lists, times in China time, progress in percent. */
  Map<String, Object> view(DivisionImportJob job, Locale locale) {
    Map<String, Object> m = new HashMap<>();
    m.put("id", job.id());
    m.put("status", job.status());
    m.put("mode", job.mode().key());
    m.put("filename", job.filename() == null ? "" : job.filename());
    m.put("startedBy", job.startedBy() == null ? "" : job.startedBy());
    m.put("startedAt", time(job.startedAt()));
    m.put("finishedAt", time(job.finishedAt()));
    m.put("updatedAt", time(job.updatedAt()));
    m.put("finished", job.finished());
    m.put("phase", job.phase() == null ? "waiting" : job.phase());
    m.put("bytesRead", job.bytesRead());
    m.put("bytesTotal", job.bytesTotal() == null ? 0L : job.bytesTotal());
    m.put("rowsRead", job.rowsRead());
    // reading is measured in bytes; the later phases have no measure, so they show as indeterminate
    boolean reading = job.phase() == null || "reading".equals(job.phase());
    Long total = job.bytesTotal();
    m.put("percent", reading && total != null && total > 0 ? (int) Math.min(100, job.bytesRead() * 100 / total) : null);
    m.put("failure", job.failure());
    m.put("report", job.report() == null ? null : report(job.report(), locale));
    return m;
  }

  private static Map<String, Object> report(JsonObject r, Locale locale) {
    Map<String, Object> m = new HashMap<>();
    for (String key : List.of("rows_read", "inserted", "updated", "unchanged", "absent_kept", "quirks_total", "errors_total", "duration_ms")) {
      m.put(Rows.apiName(key), r.getLong(key, 0L));
    }
    m.put("applied", r.getBoolean("applied", false));
    m.put("mode", r.getString("mode"));
    JsonObject levels = r.getJsonObject("by_level", new JsonObject());
    List<Map<String, Object>> byLevel = new ArrayList<>();
    for (DivisionLevel l : DivisionLevel.values()) {
      byLevel.add(Map.of("level", l.key(), "count", levels.getLong(l.key(), 0L)));
    }
    m.put("byLevel", byLevel);
    List<Map<String, Object>> quirks = new ArrayList<>();
    r.getJsonArray("quirks", new JsonArray()).forEach(o -> {
      JsonObject q = (JsonObject) o;
      quirks.add(Map.of("code", q.getString("code", ""), "name", q.getString("name", ""),
          "resolution", shown(q, "resolution", locale)));
    });
    m.put("quirks", quirks);
    List<Map<String, Object>> errors = new ArrayList<>();
    r.getJsonArray("errors", new JsonArray()).forEach(o -> {
      JsonObject e = (JsonObject) o;
      errors.add(Map.of("line", e.getLong("line", 0L), "code", e.getString("code") == null ? "" : e.getString("code"),
          "reason", shown(e, "reason", locale)));
    });
    m.put("errors", errors);
    // the file error is always the last error listed: show it in the page's language
    m.put("fileError", r.getString("file_error") == null || errors.isEmpty() ? r.getString("file_error")
        : errors.get(errors.size() - 1).get("reason"));
    m.put("errorsShown", errors.size());
    m.put("errorsCut", r.getLong("errors_total", 0L) > errors.size());
    return m;
  }

  /** A reason or resolution in the page's language (English text for reports stored before reasons had keys). */
  private static String shown(JsonObject item, String textField, Locale locale) {
    DivisionReason why = DivisionReason.from(item);
    return why == null ? item.getString(textField, "") : why.text(locale);
  }


  /** A size limit as people read it: {@code 40 MB}, {@code 97.7 KB}. */
  static String size(long bytes) {
    if (bytes >= 1024 * 1024) {
      double mb = bytes / (1024.0 * 1024);
      return (mb == Math.rint(mb) ? String.valueOf((long) mb) : String.format(java.util.Locale.ROOT, "%.1f", mb)) + " MB";
    }
    return String.format(java.util.Locale.ROOT, "%.1f KB", bytes / 1024.0);
  }

  private String time(OffsetDateTime t) {
    return t == null ? "" : t.atZoneSameInstant(zone).format(TIME);
  }
}
