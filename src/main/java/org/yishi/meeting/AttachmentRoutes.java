package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.BodySpool;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Photos and minutes files of a meeting: upload (API: the raw file as the body; page: a multipart
 * form), list and download. Upload routes have fixed paths (they read their own body), so the
 * meeting is named by the {@code meeting} query parameter.
 */
public final class AttachmentRoutes {
  private final App app;
  private final AttachmentService files;
  private final MeetingStore meetings;
  private final Path spool;

  private AttachmentRoutes(App app) {
    this.app = app;
    this.files = new AttachmentService(app.vertx(), app.pool(), app.config().dataDir());
    this.meetings = new MeetingStore(app.pool());
    this.spool = app.config().dataDir().resolve("uploads");
  }

  public static Router router(App app) {
    AttachmentRoutes routes = new AttachmentRoutes(app);
    Access.ScopeResolver byQuery = ctx -> {
      String raw = ctx.request().getParam("meeting");
      return raw == null || !raw.matches("\\d{1,18}") ? Future.succeededFuture()
          : routes.meetings.scopeOf(Long.parseLong(raw))
              .map(s -> s == null ? null : Access.Scope.station((Long) s[0], (String) s[1]));
    };
    Access meetingByQuery = Access.signedIn().scoped(byQuery);
    Access meetingByPath = Access.signedIn().scoped(MeetingRoutes.scope(routes.meetings));
    SecureRouter r = app.secureRouter();
    r.postStream("/api/v1/attachments", meetingByQuery, routes::uploadApi);
    r.get("/api/v1/meetings/:id/attachments", meetingByPath, routes::listApi);
    r.get("/meetings/:id/attachments/:file", meetingByPath, routes::download);
    r.postMultipart("/meetings/attachments", meetingByQuery, routes.spool, AttachmentService.MAX_BYTES + 64 * 1024,
        routes::uploadFromForm);
    return r.router();
  }

  private static long meeting(RoutingContext ctx) {
    return Long.parseLong(ctx.request().getParam("meeting"));
  }

  /** The body is the file; {@code ?name=} its name (display only). */
  private void uploadApi(RoutingContext ctx) {
    long meeting = meeting(ctx);
    Path tmp = spool.resolve(UUID.randomUUID() + ".part");
    app.vertx().fileSystem().mkdirs(spool.toString())
        .compose(v -> BodySpool.toFile(ctx, tmp, AttachmentService.MAX_BYTES, "10 MB per file"))
        .compose(size -> files.store(Security.require(ctx), meeting, tmp, ctx.request().getParam("name")))
        .onSuccess(att -> Json.created(ctx, "/meetings/" + meeting + "/attachments/" + att.getLong("id"), att))
        .onFailure(err -> {
          deleteQuietly(tmp);
          ctx.fail(err);
        });
  }

  private void listApi(RoutingContext ctx) {
    files.list(MeetingRoutes.id(ctx)).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list)))
        .onFailure(ctx::fail);
  }

  /** Serves a file as a download with its checked type (never rendered in the page's origin as HTML). */
  private void download(RoutingContext ctx) {
    String raw = ctx.pathParam("file");
    if (raw == null || !raw.matches("\\d{1,18}")) {
      throw AppException.notFound("No such file");
    }
    files.find(MeetingRoutes.id(ctx), Long.parseLong(raw)).onFailure(ctx::fail).onSuccess(file -> {
      if (file == null) {
        ctx.fail(AppException.notFound("No such file"));
        return;
      }
      String name = URLEncoder.encode(file.getString("filename"), StandardCharsets.UTF_8).replace("+", "%20");
      ctx.response().putHeader("Content-Type", file.getString("contentType"))
          .putHeader("Content-Disposition", "attachment; filename=\"file\"; filename*=UTF-8''" + name)
          .putHeader("Cache-Control", "private, max-age=3600")
          .sendFile(file.getString("path"))
          .onFailure(err -> ctx.fail(AppException.notFound("The file is missing")));
    });
  }

  private void uploadFromForm(RoutingContext ctx) {
    long meeting = meeting(ctx);
    if (ctx.fileUploads().size() != 1) {
      ctx.fail(AppException.invalid("file", "field.attachment.one"));
      return;
    }
    FileUpload upload = ctx.fileUploads().get(0);
    // the body handler deletes its own files at the end of the request: store a copy of ours
    Path tmp = spool.resolve(UUID.randomUUID() + ".part");
    app.vertx().fileSystem().copy(upload.uploadedFileName(), tmp.toString())
        .compose(v -> files.store(Security.require(ctx), meeting, tmp, upload.fileName()))
        .onSuccess(att -> Web.redirect(ctx, "/meetings/" + meeting + "/record"))
        .onFailure(err -> {
          deleteQuietly(tmp);
          ctx.fail(err);
        });
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (Exception ignored) {
      // a leftover temporary file is harmless; the next upload uses another name
    }
  }
}
