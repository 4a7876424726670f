package org.yishi.platform.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.yishi.platform.App;
import org.yishi.platform.Feature;
import org.yishi.platform.web.Web;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP verticle (deployed once per core): security headers, locale, body limits, static
 * assets from the jar, every feature's routes, and the one error handler. On undeploy it stops
 * accepting connections and lets in-flight requests finish within the configured grace period.
 */
public final class HttpVerticle extends VerticleBase {
  /** Most fields a form may have. */
  public static final int MAX_FORM_FIELDS = 4096;
  /** The node's local state shared by its HTTP verticles: {@link #DRAINING} once it is stopping. */
  public static final String NODE_STATE = "yishi.node-state";
  public static final String DRAINING = "draining";
  private final App app;
  private final List<Feature> features;
  private HttpServer server;

  public HttpVerticle(App app, List<Feature> features) {
    this.app = app;
    this.features = List.copyOf(features);
  }

  /**
   * The node's whole router: platform handlers, static assets, then every feature's routes
   * (registered through {@link org.yishi.platform.security.SecureRouter}), then the error handler.
   */
  public static Router buildRouter(Vertx vertx, App app, List<Feature> features) {
    Router router = Router.router(vertx);
    router.route().handler(SecurityHeaders::handle);
    router.route().handler(Web::resolveLocale);
    router.route("/assets/*").handler(StaticHandler.create("webroot/assets").setMaxAgeSeconds(86_400));
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(app.config().httpBodyLimit());
    router.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH).method(HttpMethod.DELETE)
        .handler(ctx -> {
          if (app.routes().readsOwnBody(ctx.request().method(), ctx.normalizedPath())) {
            // an upload route reads its own body once the guard has passed: keep it unread until then
            ctx.request().pause();
            ctx.addEndHandler(done -> stopUnreadBody(ctx));
            ctx.next();
          } else {
            bodies.handle(ctx);
          }
        });
    long sessionTimeout = TimeUnit.MINUTES.toMillis(app.config().security().sessionTimeoutMinutes());
    // written back only when changed or when its lastAccessed gets old (SparingSessionStore)
    SessionHandler sessions = SessionHandler.create(new SparingSessionStore(ClusteredSessionStore.create(vertx, "yishi.sessions"),
            SparingSessionStore.refreshFor(sessionTimeout)))
        .setSessionCookieName(org.yishi.platform.security.Security.SESSION_COOKIE)
        .setCookieHttpOnlyFlag(true)
        .setCookieSameSite(CookieSameSite.LAX)
        .setCookieSecureFlag(app.config().security().cookieSecure())
        .setSessionTimeout(sessionTimeout)
        .setLazySession(true)
        .setNagHttps(false);
    // pages use the clustered session; the API uses bearer tokens only (so it needs no CSRF token)
    // decided on the normalised path the router matches: //api/... or /x/../api/... is the API too
    router.route().handler(ctx -> {
      // anonymous visitors' CSRF tokens need no session (docs/security.md)
      ctx.put(org.yishi.platform.security.Csrf.ANONYMOUS, app.security().anonymousCsrf());
      if (org.yishi.platform.security.Security.isApi(ctx) || withoutSession(ctx)) {
        ctx.next();
      } else {
        ctx.put(org.yishi.platform.security.Security.SESSION_HANDLER, sessions);
        sessions.handle(ctx);
      }
    });
    for (Feature feature : features) {
      Router routes = feature.router();
      if (routes != null) {
        router.route("/*").subRouter(routes);
      }
    }

    ErrorHandler errors = new ErrorHandler(app.web());
    router.route().failureHandler(errors);
    router.errorHandler(404, errors);
    router.errorHandler(405, errors);
    router.errorHandler(500, errors);
    return router;
  }

  /**
   * A page read (GET, HEAD) by a browser without a session cookie: nobody is signed in and nothing
   * can sign in, so it skips the session handler (which would make, though not store, a new session
   * object for every such request). Such a request has no {@code ctx.session()}.
   */
  private static boolean withoutSession(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    return (m == HttpMethod.GET || m == HttpMethod.HEAD)
        && ctx.request().getCookie(org.yishi.platform.security.Security.SESSION_COOKIE) == null;
  }

  /**
   * After an answer given without reading the request body (401, 403, 413, 422 on an upload route):
   * the rest is read and discarded, so that the client can finish sending and read the answer
   * (over HTTP/2 its flow-control window would otherwise stall it). A client that sent
   * {@code Expect: 100-continue} and got a final answer instead sends no body: nothing to discard.
   */
  private static void stopUnreadBody(RoutingContext ctx) {
    if (ctx.request().isEnded()) {
      return;
    }
    if (!"100-continue".equalsIgnoreCase(ctx.request().getHeader("Expect"))) {
      ctx.request().resume();
    }
  }

  @Override
  public Future<?> start() {
    Router router = buildRouter(vertx, app, features);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(app.config().httpHost())
        .setPort(app.config().httpPort())
        .setCompressionSupported(true)
        // plain HTTP/1.1 only: TLS and HTTP/2 belong to the reverse proxy in front. The h2c upgrade
        // path (which Java's HttpClient tries on a first GET) intermittently garbled compressed
        // responses in the fresh-clone CI run, and no browser uses it.
        .setHttp2ClearTextEnabled(false)
        // long filter and search links stay under this; beyond it Vert.x answers 414 and drops the
        // connection without a "Connection: close" header, which clients then reuse and fail on
        .setMaxInitialLineLength(16 * 1024)
        // a form field may be as large as the whole body (long minutes, pasted CSV); Vert.x's 8 KB
        // default would refuse a few thousand Chinese characters, which URL-encode to 9 bytes each
        .setMaxFormAttributeSize((int) Math.min(Integer.MAX_VALUE, app.config().httpBodyLimit()))
        .setMaxFormBufferedBytes((int) Math.min(Integer.MAX_VALUE, app.config().httpBodyLimit()))
        // a meeting form ticks a committee's members one checkbox each, more than Vert.x's default of
        // 256 fields; beyond this a form is refused with 413 (a hash-flooding guard, not a real form)
        .setMaxFormFields(MAX_FORM_FIELDS)
        // a connection that sends nothing for this long is closed, an upload half-sent included
        .setIdleTimeout(app.config().httpIdleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    java.util.Map<String, Boolean> node = vertx.sharedData().getLocalMap(NODE_STATE);
    return server.requestHandler(req -> {
      if (Boolean.TRUE.equals(node.get(DRAINING))) {
        // the node is about to stop: each keep-alive connection is closed after this answer, so that a
        // load balancer stops reusing it before the server closes it under a request it just sent
        req.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, io.vertx.core.http.HttpHeaders.CLOSE);
      }
      router.handle(req);
    }).listen().recover(err -> Future.failedFuture(err instanceof java.net.BindException
        ? new org.yishi.platform.config.ConfigException("YISHI_HTTP_PORT (http.port): " + app.config().httpHost() + ":"
            + app.config().httpPort() + " cannot be used: " + err.getMessage() + " (another program, or another node, listens there)")
        : err));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(app.config().shutdownGraceSeconds(), TimeUnit.SECONDS);
  }
}
