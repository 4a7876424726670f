package org.yishi.home;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Web;

import java.util.Locale;
import java.util.Map;

/** The home page and the language switch. */
public final class HomeRoutes {
  private final App app;

  private HomeRoutes(App app) {
    this.app = app;
  }

  public static Router router(App app) {
    HomeRoutes routes = new HomeRoutes(app);
    Router router = Router.router(app.vertx());
    router.get("/").handler(routes::home);
    router.get("/lang/:tag").handler(routes::switchLanguage);
    return router;
  }

  private void home(RoutingContext ctx) {
    app.web().page(ctx, "home", Map.of(
        "members", app.cluster().getNodes().size()));
  }

  /** Remembers the chosen language and returns to the page the user came from. */
  private void switchLanguage(RoutingContext ctx) {
    Locale locale = I18n.fromTag(ctx.pathParam("tag"));
    if (locale != null) {
      Web.rememberLocale(ctx, locale);
    }
    ctx.response().setStatusCode(303)
        .putHeader("Location", Web.safeLocalPath(ctx.request().getParam("back")))
        .end();
  }
}
