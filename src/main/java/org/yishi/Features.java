package org.yishi;

import io.vertx.ext.web.Router;
import org.yishi.health.HealthRoutes;
import org.yishi.home.HomeRoutes;
import org.yishi.platform.App;

/** The manifest of features: each contributes its own router, mounted here in one place. */
public final class Features {
  private Features() {
  }

  public static void mount(Router root, App app) {
    root.route("/*").subRouter(HealthRoutes.router(app));
    root.route("/*").subRouter(HomeRoutes.router(app));
  }
}
