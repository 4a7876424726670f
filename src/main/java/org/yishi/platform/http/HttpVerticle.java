package org.yishi.platform.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.yishi.Features;
import org.yishi.platform.App;
import org.yishi.platform.web.Web;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP verticle (deployed once per core): security headers, locale, body limits, static
 * assets from the jar, every feature's routes, and the one error handler. On undeploy it stops
 * accepting connections and lets in-flight requests finish within the configured grace period.
 */
public final class HttpVerticle extends VerticleBase {
  private final App app;
  private HttpServer server;

  public HttpVerticle(App app) {
    this.app = app;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(SecurityHeaders::handle);
    router.route().handler(Web::resolveLocale);
    router.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
        .handler(BodyHandler.create(false).setBodyLimit(app.config().httpBodyLimit()));
    router.route("/assets/*").handler(StaticHandler.create("webroot/assets").setMaxAgeSeconds(86_400));
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    Features.mount(router, app);

    ErrorHandler errors = new ErrorHandler(app.web());
    router.route().failureHandler(errors);
    router.errorHandler(404, errors);
    router.errorHandler(405, errors);
    router.errorHandler(500, errors);

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(app.config().httpHost())
        .setPort(app.config().httpPort())
        .setCompressionSupported(true)
        .setIdleTimeout(120)
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(app.config().shutdownGraceSeconds(), TimeUnit.SECONDS);
  }
}
