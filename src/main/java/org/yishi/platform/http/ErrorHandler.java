package org.yishi.platform.http;

import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Web;

import java.net.ConnectException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become responses: typed {@link AppException}s, statuses set by
 * Vert.x (404, 405, 413), malformed JSON and an unreachable database map to the contract's error
 * kinds. API callers get JSON, browsers an HTML page; nobody ever gets a stack trace.
 */
public final class ErrorHandler implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(ErrorHandler.class.getName());
  private final Web web;

  public ErrorHandler(Web web) {
    this.web = web;
  }

  /** The contract's error kind for a failure. */
  public static AppException classify(Throwable failure, int status) {
    if (failure instanceof AppException e) {
      return e;
    }
    if (failure instanceof HttpException e) {
      return new AppException(ErrorKind.forStatus(e.getStatusCode()), defaultMessage(ErrorKind.forStatus(e.getStatusCode())));
    }
    if (failure == null) {
      ErrorKind kind = ErrorKind.forStatus(status < 400 ? 500 : status);
      return new AppException(kind, defaultMessage(kind));
    }
    if (failure.getClass().getName().contains("TooManyFormFields")) {
      return new AppException(ErrorKind.TOO_LARGE, "The form has too many fields");
    }
    if (failure.getClass().getName().contains("TooLongFormField")) {
      return new AppException(ErrorKind.TOO_LARGE, "A form field is too large");
    }
    if (failure instanceof java.io.IOException io && String.valueOf(io.getMessage()).contains("exceed")) {
      return new AppException(ErrorKind.TOO_LARGE, "A form field or the request body is too large");
    }
    if (failure instanceof DecodeException || failure instanceof IllegalArgumentException && isDecodeProblem(failure)) {
      return AppException.malformed("The request body is not valid JSON or UTF-8");
    }
    if (failure instanceof PgException pg && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()))) {
      return AppException.conflict("The request collided with a simultaneous change; nothing was saved. Please try again.");
    }
    if (isPoolBusy(failure)) {
      return AppException.unavailable("The server is busy (every database connection is in use); nothing was saved. "
          + "Please try again shortly.");
    }
    if (isDatabaseUnavailable(failure)) {
      return AppException.unavailable("The database is unavailable; nothing was saved. Please try again shortly.");
    }
    // SIGTERM runs Vert.x's own shutdown hook (removing its file cache) beside the node's drain: a
    // request still in flight that touches the file system then finds it closing
    if (failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).contains("FileResolver is closing")) {
      return AppException.unavailable("This server is shutting down; nothing was saved. Please try again.");
    }
    return null;
  }

  /** Whether a failure means the database cannot be reached (as opposed to a bug or bad data). */
  public static boolean isDatabaseUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      // a reset or closed socket here is the database connection (PostgreSQL stopped or restarted)
      if (t instanceof ConnectException || t instanceof ClosedConnectionException || t instanceof TimeoutException
          || t instanceof java.net.SocketException || t instanceof java.nio.channels.ClosedChannelException) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null
          && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P") || pg.getSqlState().equals("53300"))) {
        return true;
      }
      // the pool handed out a connection PostgreSQL had just closed (shutting down): nothing was sent on it
      if (t instanceof io.vertx.core.VertxException && t.getMessage() != null
          && t.getMessage().startsWith("Connection is not active now")) {
        return true;
      }
      String name = t.getClass().getName();
      if (name.contains("ConnectionPoolTooBusy") || name.contains("NoStackTraceTimeoutException")) {
        return true;
      }
    }
    return false;
  }

  /** Whether a failure means this node's database pool has no connection free and its wait queue is full. */
  static boolean isPoolBusy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getName().contains("ConnectionPoolTooBusy")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isDecodeProblem(Throwable t) {
    String m = String.valueOf(t.getMessage());
    return m.contains("UTF") || m.contains("decode") || m.contains("JSON");
  }

  private static String defaultMessage(ErrorKind kind) {
    return switch (kind) {
      case NOT_FOUND -> "No such page or resource";
      case METHOD_NOT_ALLOWED -> "This method is not allowed here";
      case TOO_LARGE -> "The request body is too large";
      case UNAUTHORIZED -> "Authentication required";
      case FORBIDDEN -> "Outside your jurisdiction";
      case UNSUPPORTED_MEDIA_TYPE -> "Unsupported content type";
      case UNAVAILABLE -> "Service unavailable; please try again shortly";
      case INTERNAL -> "Internal error";
      default -> "The request is malformed";
    };
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.failure() instanceof Security.Redirect redirect) {
      ctx.response().setStatusCode(303).putHeader("Location", redirect.location()).end();
      return;
    }
    AppException error = classify(ctx.failure(), ctx.statusCode());
    if (error == null) {
      String ref = UUID.randomUUID().toString().substring(0, 8);
      LOG.log(Level.SEVERE, "Unhandled failure on " + ctx.request().method() + " " + ctx.request().path() + " [ref " + ref + "]", ctx.failure());
      error = new AppException(ErrorKind.INTERNAL, "Internal error (reference " + ref + ")");
    } else if (error.kind() == ErrorKind.UNAVAILABLE && ctx.failure() != null) {
      LOG.warning("Database unavailable on " + ctx.request().path() + ": " + ctx.failure());
    }
    // a submission's idempotency key is released (or marked) before the refusal goes out, so that a
    // client retrying at once finds the key free rather than "in progress"
    AppException answer = error;
    Idempotency.failed(ctx, error.kind().status).onComplete(ar -> respond(ctx, answer));
  }

  private void respond(RoutingContext ctx, AppException error) {
    if (ctx.response().headWritten() || ctx.response().ended()) {
      ctx.response().reset();
      return;
    }
    if (error instanceof AppException.RetryLater later) {
      ctx.response().putHeader("Retry-After", String.valueOf(later.retryAfterSeconds()));
    } else if (error.kind() == ErrorKind.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", "5");
    }
    if (!ctx.request().isEnded()) {
      // the rest of the body is not read (an oversized upload, a refused request): the connection
      // closes after this answer, so say so and no client reuses it for its next request
      ctx.response().putHeader("Connection", "close");
    }
    if (wantsJson(ctx)) {
      ctx.response().setStatusCode(error.kind().status)
          .putHeader("Content-Type", "application/json; charset=utf-8")
          .end(body(error).encode());
    } else {
      var locale = Web.locale(ctx);
      // an expired or forged form is not a jurisdiction problem: say what to do about it
      String code = error instanceof Security.CsrfFailure ? "csrf"
          : error instanceof Idempotency.InProgress ? "in_progress"
          : error instanceof Idempotency.AlreadyDone ? "already_done"
          : error.kind().code;
      String key = "error." + code;
      String title = I18n.t(locale, key);
      Map<String, Object> model = new HashMap<>(Map.of(
          "code", code,
          "status", error.kind().status,
          "title", title,
          "detail", error.kind() == ErrorKind.INTERNAL ? error.getMessage() : I18n.t(locale, key + ".detail")));
      if (error.kind() == ErrorKind.UNAVAILABLE) {
        KeptInput.addTo(ctx, model);
      }
      // a refused parameter is named on the page too, as it is in the API's "fields"
      java.util.List<Map<String, Object>> fields = new java.util.ArrayList<>();
      new java.util.TreeMap<>(error.fields()).forEach((name, msg) ->
          fields.add(Map.of("name", name, "message", I18n.t(locale, msg.key(), msg.args().toArray()))));
      model.put("fields", fields);
      web.page(ctx, error.kind().status, "error", model);
    }
  }

  /** The contract's JSON error body. */
  public static JsonObject body(AppException error) {
    JsonObject fields = new JsonObject();
    error.fields().forEach((name, msg) -> fields.put(name, I18n.t(I18n.EN, msg.key(), msg.args().toArray())));
    JsonObject body = new JsonObject().put("error", new JsonObject()
        .put("code", error.kind().code)
        .put("message", error.getMessage())
        .put("fields", fields));
    // an optimistic version conflict carries the values as stored now (see StaleConflict)
    return error instanceof StaleConflict stale ? body.put("current", stale.current()) : body;
  }

  /** API paths and callers that ask for JSON get JSON errors; browsers get a page. */
  public static boolean wantsJson(RoutingContext ctx) {
    String path = org.yishi.platform.security.Security.path(ctx);
    if (path != null && (path.startsWith("/api/") || path.equals("/health") || path.equals("/ready"))) {
      return true;
    }
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains("application/json") && !accept.contains("text/html");
  }
}
