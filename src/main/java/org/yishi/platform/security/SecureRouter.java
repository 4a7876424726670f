package org.yishi.platform.security;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The only way features add routes: each registration names its {@link Access} policy, and the
 * guard runs before the handler. Routes added to a {@link Router} directly are caught by the
 * route-inventory test.
 *
 * <p>State-changing requests normally arrive with their body already read by the node's body
 * handler (forms and JSON, at most {@code YISHI_HTTP_BODY_LIMIT}). Uploads larger than that are
 * registered with {@link #postStream} (the handler streams the raw body itself) or
 * {@link #postMultipart} (a file-upload form); for both, the guard runs before a byte of the body is read.
 */
public final class SecureRouter {
  private final Router router;
  private final Security security;
  private final RouteInventory inventory;

  public SecureRouter(Vertx vertx, Security security, RouteInventory inventory) {
    this.router = Router.router(vertx);
    this.security = security;
    this.inventory = inventory;
  }

  public Route get(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.GET, path, access, ApiQuery.NONE, handler);
  }

  /** A GET accepting the declared query parameters (an API route without a declaration accepts none). */
  public Route get(String path, Access access, ApiQuery query, Handler<RoutingContext> handler) {
    return add(HttpMethod.GET, path, access, query, handler);
  }

  public Route post(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.POST, path, access, ApiQuery.NONE, handler);
  }

  /** A POST accepting the declared query parameters. */
  public Route post(String path, Access access, ApiQuery query, Handler<RoutingContext> handler) {
    return add(HttpMethod.POST, path, access, query, handler);
  }

  public Route put(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.PUT, path, access, ApiQuery.NONE, handler);
  }

  public Route patch(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.PATCH, path, access, ApiQuery.NONE, handler);
  }

  public Route delete(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.DELETE, path, access, ApiQuery.NONE, handler);
  }

  /**
   * A POST whose handler reads the raw request body itself, typically streaming it to a file with
   * {@link org.yishi.platform.http.BodySpool}: the node's body handler skips the route, and the
   * request reaches the handler paused with its body unread. Meant for the API (bearer tokens, no
   * CSRF token in a body). The path must be fixed (no parameters), so that the body handler can
   * recognise the route before routing.
   */
  public Route postStream(String path, Access access, Handler<RoutingContext> handler) {
    return postStream(path, access, ApiQuery.NONE, handler);
  }

  /** {@link #postStream(String, Access, Handler)} accepting the declared query parameters. */
  public Route postStream(String path, Access access, ApiQuery query, Handler<RoutingContext> handler) {
    ownBody(path, access);
    inventory.record(HttpMethod.POST, path, access, query);
    return router.route(HttpMethod.POST, path)
        .handler(SecureRouter::holdBody)
        .handler(queryCheck(path, query))
        .handler(security.guard(access, true))
        .handler(security.idempotency())
        .handler(handler);
  }

  /**
   * Pauses the request again on entering an upload route: Vert.x's session handler resumes the
   * request after its asynchronous lookup, and while the guard then waits on its own lookups the
   * body would otherwise arrive and be dropped before the route reads it.
   */
  private static void holdBody(RoutingContext ctx) {
    ctx.request().pause();
    ctx.next();
  }

  /**
   * A POST of a {@code multipart/form-data} form with file inputs, of at most {@code maxBytes} in
   * all (larger: 413). The caller is identified and authorised before the body is read, so nobody
   * else can make the node store a file; the file parts are then streamed to {@code uploadsDir}
   * (never held in memory, deleted when the response ends unless the handler moved them away), and
   * the CSRF token, a field of that body, is checked before the handler runs. The path must be fixed.
   */
  public Route postMultipart(String path, Access access, Path uploadsDir, long maxBytes,
                             Handler<RoutingContext> handler) {
    ownBody(path, access);
    return multipart(path, access, uploadsDir, maxBytes).handler(security.idempotency()).handler(handler);
  }

  /**
   * Like {@link #postMultipart}, for a form open to anyone (a resident's request with a photo): the
   * body, at most {@code maxBytes}, is read only after the guard, and the session's CSRF token is
   * checked before the handler runs. The path must be fixed.
   */
  public Route postOpenMultipart(String path, Access access, Path uploadsDir, long maxBytes,
                                 Handler<RoutingContext> handler) {
    Objects.requireNonNull(access, "every route needs an access policy: POST " + path);
    if (!access.isOpen() || path.contains(":") || path.contains("*")) {
      throw new IllegalArgumentException("an open upload route needs an open policy and a fixed path: POST " + path);
    }
    inventory.recordOwnBody(HttpMethod.POST, path);
    return multipart(path, access, uploadsDir, maxBytes).handler(handler);
  }

  /** The upload route up to the CSRF check: guard first, then the body (at most {@code maxBytes}, files to {@code uploadsDir}). */
  private Route multipart(String path, Access access, Path uploadsDir, long maxBytes) {
    inventory.record(HttpMethod.POST, path, access, ApiQuery.NONE);
    BodyHandler body = BodyHandler.create(uploadsDir.toString())
        .setBodyLimit(maxBytes)
        .setDeleteUploadedFilesOnEnd(true)
        .setHandleFileUploads(true);
    // Vert.x refuses a BodyHandler after other handlers, to be sure it sees the body unread; here
    // the node pauses the request for routes it knows read their own body, so the guard may go first.
    return router.route(HttpMethod.POST, path)
        .handler(SecureRouter::holdBody)
        .handler(security.guard(access, false))
        .handler(body::handle)
        .handler(security.csrfCheck());
  }

  private void ownBody(String path, Access access) {
    Objects.requireNonNull(access, "every route needs an access policy: POST " + path);
    if (access.isOpen() || path.contains(":") || path.contains("*")) {
      throw new IllegalArgumentException("an upload route needs a signed-in caller and a fixed path: POST " + path);
    }
    inventory.recordOwnBody(HttpMethod.POST, path);
  }

  /**
   * A state-changing route whose request or answer carries a password (a password change, an
   * account created or reset with a temporary password): the idempotency step leaves it alone, so
   * that no hash of the request and no copy of the answer is kept. Such a route must be harmless
   * to repeat by itself (a second account with the same name is a 409; a changed password no
   * longer matches; a second reset issues another temporary password).
   */
  public Route secret(HttpMethod method, String path, Access access, Handler<RoutingContext> handler) {
    Objects.requireNonNull(access, "every route needs an access policy: " + method + " " + path);
    inventory.record(method, path, access, ApiQuery.NONE);
    return router.route(method, path).handler(queryCheck(path, ApiQuery.NONE))
        .handler(security.guard(access, true)).handler(handler);
  }

  private Route add(HttpMethod method, String path, Access access, ApiQuery query, Handler<RoutingContext> handler) {
    Objects.requireNonNull(access, "every route needs an access policy: " + method + " " + path);
    Objects.requireNonNull(query, "query parameters: " + method + " " + path);
    inventory.record(method, path, access, query);
    Route route = router.route(method, path).handler(queryCheck(path, query)).handler(security.guard(access, true));
    if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      route.handler(security.idempotency()); // a retried submission is answered, not done twice
    }
    return route.handler(handler);
  }

  /**
   * On API routes ({@code /api/}), the check of the query string against the route's declared
   * parameters (see {@link ApiQuery}); pages keep their tolerant parsing.
   */
  private static Handler<RoutingContext> queryCheck(String path, ApiQuery query) {
    if (!path.startsWith("/api/")) {
      return RoutingContext::next;
    }
    return ctx -> {
      query.check(ctx);
      ctx.next();
    };
  }

  /** The router to mount (features return it from their {@code router(...)} factory). */
  public Router router() {
    return router;
  }
}
