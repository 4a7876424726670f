package org.yishi.audit;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.PagedList;
import org.yishi.platform.web.Params;

/** The audit log, for admins (everything) and staff (their jurisdiction): page and API. */
public record AuditRoutes(App app, AuditStore store) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);

  @Override
  public void register(SecureRouter r) {
    r.get("/audit", STAFF, this::page);
    r.get("/api/v1/audit", STAFF, ApiQuery.of("entityType", "entityId").paged(), this::api);
  }

  private void api(RoutingContext ctx) {
    PagedList.api(ctx, this::query);
  }

  private void page(RoutingContext ctx) {
    PagedList.page(app.web(), ctx, "audit/list", this::query, model -> {
      model.put("entityType", ctx.request().getParam("entityType"));
      model.put("entityId", ctx.request().getParam("entityId"));
    });
  }

  private io.vertx.core.Future<JsonObject> query(RoutingContext ctx, PageRequest page) {
    String type = Params.text(ctx, "entityType");
    String id = Params.text(ctx, "entityId");
    return store.list(Security.require(ctx).jurisdiction(), type, id, page);
  }

}
