package org.yishi.notify;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.Security;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.Json;

/**
 * Staff (admin, city, district) read and set a committee member's contacts and notification
 * preferences ({@code /api/v1/members/:id/notification-preferences}); the member needs no account.
 */
public final class MemberPreferenceRoutes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private final MemberPreferences preferences;

  private MemberPreferenceRoutes(App app) {
    this.preferences = new MemberPreferences(app.pool());
  }

  public static Router router(App app) {
    MemberPreferenceRoutes routes = new MemberPreferenceRoutes(app);
    SecureRouter r = app.secureRouter();
    r.get("/api/v1/members/:id/notification-preferences", STAFF, routes::get);
    r.put("/api/v1/members/:id/notification-preferences", STAFF, routes::put);
    return r.router();
  }

  private void get(RoutingContext ctx) {
    Json.answer(ctx, preferences.of(Security.require(ctx), memberId(ctx)));
  }

  private void put(RoutingContext ctx) {
    Json.answer(ctx, preferences.save(Security.require(ctx), memberId(ctx), JsonBody.of(ctx)));
  }

  private static long memberId(RoutingContext ctx) {
    Long id = Access.pathId(ctx);
    if (id == null) {
      throw AppException.notFound("No such member");
    }
    return id;
  }
}
