package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.BodySpool;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Photos and minutes files of a meeting: upload (API: the raw file as the body; page: a multipart
 * form), list and download (API and page alike, resumable). Upload routes have fixed paths (they read their own body), so the
 * meeting is named by the {@code meeting} query parameter.
 */
public record AttachmentRoutes(App app, AttachmentService files, MeetingService meetings) implements Routes {

  /** Where uploads are written while they arrive. */
  private Path spool() {
    return app.config().dataDir().resolve("uploads");
  }

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver byQuery = ctx -> {
      Long id;
      try {
        id = Params.id(ctx, meetingParam(ctx));
      } catch (AppException e) {
        return Future.failedFuture(e); // not an id: 422 naming the parameter
      }
      return id == null ? Future.failedFuture(AppException.invalid(meetingParam(ctx), "field.required"))
          : meetings.scopeOf(id).map(s -> s == null ? null : Access.Scope.station((Long) s[0], (String) s[1]));
    };
    Access meetingByQuery = Access.signedIn().scoped(byQuery);
    Access meetingByPath = Access.signedIn().scoped(MeetingRoutes.scope(meetings));
    r.postStream("/api/v1/attachments", meetingByQuery,
        ApiQuery.of("meetingId", "name").alias("meeting", "meetingId"), this::uploadApi);
    r.get("/api/v1/meetings/:id/attachments", meetingByPath, this::listApi);
    r.get("/api/v1/meetings/:id/attachments/:fileId", meetingByPath, this::download);
    r.get("/meetings/:id/attachments/:fileId", meetingByPath, this::download);
    r.postMultipart("/meetings/attachments", meetingByQuery, spool(), AttachmentService.MAX_BYTES + 64 * 1024,
        this::uploadFromForm);
  }

  /**
   * Attachments an earlier release kept on this node's disk go into the database, in the background,
   * once per node (the composition root calls this at start).
   */
  public static void moveInOnce(App app) {
    java.nio.file.Path filesDir = app.config().dataDir().resolve("files");
    if (!Files.isDirectory(filesDir)
        || app.vertx().sharedData().getLocalMap("yishi.attachments").putIfAbsent("movedIn", Boolean.TRUE) != null) {
      return;
    }
    app.vertx().executeBlocking(() -> {
      try (java.sql.Connection c = app.jdbc().open()) {
        AttachmentFiles.moveInAndLog(c, filesDir);
      }
      return null;
    }, false);
  }

  private static long meeting(RoutingContext ctx) {
    return Long.parseLong(ctx.request().getParam(meetingParam(ctx)));
  }

  /** The API's name is meetingId (meeting: its alias, rewritten by ApiQuery); the page's form posts meeting. */
  private static String meetingParam(RoutingContext ctx) {
    return ctx.request().path().startsWith("/api/") ? "meetingId" : "meeting";
  }

  /** The body is the file; {@code ?name=} its name (display only). */
  private void uploadApi(RoutingContext ctx) {
    long meeting = meeting(ctx);
    Path tmp = spool().resolve(UUID.randomUUID() + ".part");
    Future<JsonObject> stored = app.vertx().fileSystem().mkdirs(spool().toString())
        .compose(v -> BodySpool.toFile(ctx, tmp, AttachmentService.MAX_BYTES, "10 MB per file"))
        .compose(size -> files.store(Security.require(ctx), meeting, tmp, ctx.request().getParam("name")))
        .onComplete(done -> deleteQuietly(tmp));
    Json.createdIn(ctx, "/api/v1/meetings/" + meeting + "/attachments/", stored);
  }

  private void listApi(RoutingContext ctx) {
    files.list(MeetingRoutes.id(ctx)).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list)))
        .onFailure(ctx::fail);
  }

  /**
   * Serves a file as a download with its checked type (never rendered in the page's origin as
   * HTML), for pages and bearer-token clients alike: {@code ETag} (its SHA-256) with
   * {@code If-None-Match}, one byte range ({@code Range}, {@code If-Range}) so that a phone on a poor
   * network can resume, and the UTF-8 name in {@code Content-Disposition}.
   */
  private void download(RoutingContext ctx) {
    String raw = ctx.pathParam("fileId");
    if (!Params.isId(raw)) {
      throw AppException.notFound("No such file");
    }
    files.find(MeetingRoutes.id(ctx), Long.parseLong(raw)).onFailure(ctx::fail).onSuccess(file -> {
      if (file == null) {
        ctx.fail(AppException.notFound("No such file"));
        return;
      }
      String etag = "\"" + file.sha256() + "\"";
      HttpServerResponse res = ctx.response()
          .putHeader("Content-Type", file.contentType())
          .putHeader("Content-Disposition", contentDisposition(file.filename()))
          .putHeader("Cache-Control", "private, max-age=3600")
          .putHeader("ETag", etag)
          .putHeader("Accept-Ranges", "bytes");
      if (matches(ctx.request().getHeader("If-None-Match"), etag)) {
        res.setStatusCode(304).end();
        return;
      }
      if (!file.inDatabase()) {
        // stored on this node's disk by an earlier release and not moved in yet
        res.sendFile(file.legacyPath().toString())
            .onFailure(err -> ctx.fail(AppException.notFound("The file is not available yet: it was stored on another node"
                + " before files moved into the database; it is moved in when that node starts with this release")));
        return;
      }
      long size = file.size();
      long[] range = range(ctx.request().getHeader("Range"), ctx.request().getHeader("If-Range"), etag, size);
      if (range == null) {
        res.setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
        return;
      }
      if (range.length == 2) {
        res.setStatusCode(206).putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
      }
      long from = range.length == 2 ? range[0] : 0;
      long to = range.length == 2 ? range[1] : size - 1;
      res.putHeader("Content-Length", String.valueOf(to - from + 1));
      files.copyRange(file, from, to, res)
          .onSuccess(v -> res.end())
          .onFailure(err -> {
            if (!res.headWritten()) {
              ctx.fail(err);
            } else {
              res.reset(); // the client sees a cut download, never a complete-looking wrong one
            }
          });
    });
  }

  /** {@code attachment} with an ASCII fallback name and the UTF-8 name (RFC 6266, RFC 5987). */
  static String contentDisposition(String filename) {
    String ascii = filename.replaceAll("[^\\x20-\\x7e]|[\"\\\\%;]", "_");
    String utf8 = URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + utf8;
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The byte range a {@code Range} header asks for: an empty array for the whole file (no header,
   * an {@code If-Range} that no longer matches, a form this server does not serve such as several
   * ranges), {@code {from, to}} inclusive, or null when the range lies outside the file (416).
   */
  static long[] range(String header, String ifRange, String etag, long size) {
    if (header == null || (ifRange != null && !ifRange.trim().equals(etag))) {
      return new long[0];
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})").matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return new long[0];
    }
    long from;
    long to;
    if (m.group(1).isEmpty()) { // the last N bytes
      long n = Long.parseLong(m.group(2));
      if (n == 0) {
        return null;
      }
      from = Math.max(0, size - n);
      to = size - 1;
    } else {
      from = Long.parseLong(m.group(1));
      to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
      if (from >= size || to < from) {
        return null;
      }
    }
    return new long[] {from, to};
  }

  private void uploadFromForm(RoutingContext ctx) {
    long meeting = meeting(ctx);
    if (ctx.fileUploads().size() != 1) {
      ctx.fail(AppException.invalid("file", "field.attachment.one"));
      return;
    }
    FileUpload upload = ctx.fileUploads().get(0);
    // the body handler deletes its own files at the end of the request: store a copy of ours
    Path tmp = spool().resolve(UUID.randomUUID() + ".part");
    app.vertx().fileSystem().copy(upload.uploadedFileName(), tmp.toString())
        .compose(v -> files.store(Security.require(ctx), meeting, tmp, upload.fileName()))
        .onComplete(done -> deleteQuietly(tmp))
        .onSuccess(att -> Web.redirect(ctx, "/meetings/" + meeting + "/record"))
        .onFailure(ctx::fail);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (Exception ignored) {
      // a leftover temporary file is harmless; the next upload uses another name
    }
  }
}
