package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;

import java.util.HashMap;
import java.util.Map;

/**
 * Invitation links for members' accounts: staff send one from the member's page or the API; the member
 * opens it ({@code /join/<secret>}, no account needed yet) and sets their password.
 */
public final class InvitationRoutes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private final App app;
  private final InvitationService invitations;
  private final MemberStore members;

  public InvitationRoutes(App app, InvitationService invitations) {
    this.app = app;
    this.invitations = invitations;
    this.members = new MemberStore(app.pool());
  }

  /** The routes; the composition root builds one instance per HTTP verticle. */
  public Router router() {
    InvitationRoutes routes = this;
    Access.ScopeResolver member = Access.byId(id -> routes.members.divisionOf(id)
        .map(code -> code == null ? null : Access.Scope.division(code)));
    Access joining = Access.open("a member's invitation link: the member has no password yet");
    SecureRouter r = app.secureRouter();
    r.post("/api/v1/members/:id/invitation", STAFF.scoped(member), routes::inviteApi);
    r.post("/members/:id/invitation", STAFF.scoped(member), routes::inviteFromForm);
    r.post("/api/v1/invitations/accept", joining, routes::acceptApi);
    r.get("/join/:token", joining, routes::joinPage);
    r.post("/join/:token", joining, routes::joinFromForm);
    return r.router();
  }

  private Future<JsonObject> invite(RoutingContext ctx, Input in) {
    String username = in.optionalText("username", 64, false);
    if (username != null && !username.matches("[A-Za-z0-9][A-Za-z0-9._-]{1,63}")) {
      in.reject("username", "field.username.format");
    }
    in.done();
    return invitations.invite(Security.require(ctx), Access.pathId(ctx), username);
  }

  private void inviteApi(RoutingContext ctx) {
    invite(ctx, Input.json(ctx)).onSuccess(i -> Json.created(ctx, "/api/v1/members/" + i.getLong("memberId"), i)).onFailure(ctx::fail);
  }

  /** The form on a member's page: says where the link went (never the link itself). */
  private void inviteFromForm(RoutingContext ctx) {
    Future<JsonObject> sent;
    try {
      sent = invite(ctx, Input.form(ctx));
    } catch (AppException e) {
      sent = Future.failedFuture(e);
    }
    sent.onComplete(ar -> {
      Map<String, Object> model = new HashMap<>();
      model.put("memberId", Access.pathId(ctx));
      if (ar.succeeded()) {
        JsonObject i = ar.result();
        model.put("invitation", i.getMap());
        model.put("channels", i.getJsonArray("channels").getList());
        model.put("days", InvitationService.DAYS);
        app.web().page(ctx, 201, "member/invited", model);
      } else if (ar.cause() instanceof AppException e && !e.fields().isEmpty()) {
        model.put("error", app.web().messages(ctx, e.fields()).values().iterator().next());
        app.web().page(ctx, e.kind().status, "member/invited", model);
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private void acceptApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String token = in.text("token", 100);
    String password = in.secret("password", 200);
    String confirm = in.secret("confirmPassword", 200);
    in.done();
    invitations.accept(token, password, confirm).onSuccess(a -> Json.ok(ctx, a)).onFailure(ctx::fail);
  }

  private void joinPage(RoutingContext ctx) {
    String token = ctx.pathParam("token");
    invitations.lookup(token).onSuccess(found -> renderJoin(ctx, 200, found, Map.of())).onFailure(err -> joinRefused(ctx, err));
  }

  private void joinFromForm(RoutingContext ctx) {
    String token = ctx.pathParam("token");
    invitations.lookup(token).onFailure(err -> joinRefused(ctx, err)).onSuccess(found -> {
      Future<JsonObject> done;
      try {
        Input in = Input.form(ctx);
        String password = in.secret("password", 200);
        String confirm = in.secret("confirmPassword", 200);
        in.done();
        done = invitations.accept(token, password, confirm);
      } catch (AppException e) {
        done = Future.failedFuture(e);
      }
      done.onSuccess(a -> {
        Map<String, Object> model = new HashMap<>();
        model.put("done", a.getMap());
        app.web().page(ctx, "member/join", model);
      }).onFailure(err -> {
        if (err instanceof AppException e && !e.fields().isEmpty() && !e.fields().containsKey("token")) {
          renderJoin(ctx, e.kind().status, found, app.web().messages(ctx, e.fields()));
        } else {
          joinRefused(ctx, err);
        }
      });
    });
  }

  private void renderJoin(RoutingContext ctx, int status, JsonObject found, Map<String, String> errors) {
    Map<String, Object> model = new HashMap<>();
    model.put("found", found.getMap());
    model.put("token", ctx.pathParam("token"));
    model.put("errors", errors);
    ctx.response().putHeader("Referrer-Policy", "no-referrer");
    app.web().page(ctx, status, "member/join", model);
  }

  /** Every link that cannot be used: 410 and the same page. */
  private void joinRefused(RoutingContext ctx, Throwable err) {
    if (!(err instanceof AppException e) || !e.fields().containsKey("token")) {
      ctx.fail(err);
      return;
    }
    Map<String, Object> model = new HashMap<>();
    model.put("refusal", app.web().messages(ctx, e.fields()).get("token"));
    app.web().page(ctx, 410, "member/join", model);
  }
}
