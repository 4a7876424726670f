package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Web;
import org.yishi.platform.web.Params;

import java.util.Map;

/** The city committee and its district/county committees: list for everyone, creation by admins. */
public record CommitteeRoutes(App app, MemberService members) implements Routes {
  @Override
  public void register(SecureRouter r) {
    r.get("/api/v1/committees", Access.signedIn(), this::listApi);
    r.get("/api/v1/committees/:id", Access.signedIn(), this::getApi);
    r.post("/api/v1/committees", Access.roles(Role.ADMIN), this::createApi);
    r.get("/committees", Access.signedIn(), this::listPage);
  }

  /** Committees are reference data: every signed-in user may read the whole list. */
  private void listApi(RoutingContext ctx) {
    members.committees(null).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list)))
        .onFailure(ctx::fail);
  }

  private void getApi(RoutingContext ctx) {
    String raw = ctx.pathParam("id");
    Future<JsonObject> found = Params.isId(raw) ? members.committee(app.pool(), Long.parseLong(raw))
        : Future.succeededFuture();
    found.onFailure(ctx::fail).onSuccess(c -> {
      if (c == null) {
        ctx.fail(AppException.notFound("No such committee"));
      } else {
        Json.ok(ctx, c);
      }
    });
  }

  private void createApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String name = in.text("name", 100);
    String code = in.text("divisionCode", 12);
    if (code != null && !code.matches("\\d{12}")) {
      in.reject("divisionCode", "field.scope.format");
    }
    in.done();
    Json.createdIn(ctx, "/api/v1/committees/", members.createCommittee(Security.require(ctx), name, code));
  }

  private void listPage(RoutingContext ctx) {
    members.committees(null).onFailure(ctx::fail)
        .onSuccess(list -> app.web().page(ctx, "member/committees", Map.of("committees", Web.rows(list))));
  }
}
