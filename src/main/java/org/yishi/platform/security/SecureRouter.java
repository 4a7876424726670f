package org.yishi.platform.security;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;

/**
 * The only way features add routes: each registration names its {@link Access} policy, and the
 * guard runs before the handler. Routes added to a {@link Router} directly are caught by the
 * route-inventory test.
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
    return add(HttpMethod.GET, path, access, handler);
  }

  public Route post(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.POST, path, access, handler);
  }

  public Route put(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.PUT, path, access, handler);
  }

  public Route patch(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.PATCH, path, access, handler);
  }

  public Route delete(String path, Access access, Handler<RoutingContext> handler) {
    return add(HttpMethod.DELETE, path, access, handler);
  }

  private Route add(HttpMethod method, String path, Access access, Handler<RoutingContext> handler) {
    Objects.requireNonNull(access, "every route needs an access policy: " + method + " " + path);
    inventory.record(method, path, access);
    return router.route(method, path).handler(security.guard(access)).handler(handler);
  }

  /** The router to mount (features return it from their {@code router(...)} factory). */
  public Router router() {
    return router;
  }
}
