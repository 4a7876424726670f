package org.yishi.home;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.SecureRouter;

import java.util.Map;

/** The home page: what Yishi is for, and where each kind of user goes next. */
public final class HomeRoutes {
  private final App app;

  private HomeRoutes(App app) {
    this.app = app;
  }

  public static Router router(App app) {
    HomeRoutes routes = new HomeRoutes(app);
    SecureRouter r = app.secureRouter();
    r.get("/", Access.open("the public home page"), routes::home);
    return r.router();
  }

  private void home(RoutingContext ctx) {
    app.web().page(ctx, "home", Map.of("members", app.cluster().getNodes().size()));
  }
}
