package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Routes;

import java.util.HashMap;
import java.util.Map;

/**
 * Invitation links for members' accounts: staff send one from the member's page or the API; the member
 * opens it ({@code /join/<secret>}, no account needed yet) and sets their password.
 */
public record InvitationRoutes(App app, InvitationService invitations, MemberService members) implements Routes {

  @Override
  public void register(SecureRouter r) {
    // the member has no password yet: the link is the proof
    Access joining = Access.open("a member's invitation link: the member has no password yet");
    r.get("/join/:token", joining, this::joinPage);
    r.post("/join/:token", joining, this::joinFromForm);
    r.post("/api/v1/invitations/accept", joining, this::acceptApi);
    // staff over the member's committee
    Access staff = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF).scoped(Access.divisionById(members::divisionOf));
    r.post("/api/v1/members/:id/invitation", staff, this::inviteApi);
    r.post("/members/:id/invitation", staff, this::inviteFromForm);
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

  /** The form on a member's page: says where the link went (never the link itself), or why it was not sent. */
  private void inviteFromForm(RoutingContext ctx) {
    Map<String, Object> model = new HashMap<>();
    model.put("memberId", Access.pathId(ctx));
    model.put("days", InvitationService.DAYS);
    Future.succeededFuture().compose(v -> invite(ctx, Input.form(ctx)))
        .map(sent -> {
          model.put("invitation", sent.getMap());
          model.put("channels", sent.getJsonArray("channels").getList());
          return 201;
        })
        .recover(err -> {
          if (err instanceof AppException e && !e.fields().isEmpty()) {
            model.put("error", app.web().messages(ctx, e.fields()).values().iterator().next());
            return Future.succeededFuture(e.kind().status);
          }
          return Future.failedFuture(err);
        })
        .onSuccess(status -> app.web().page(ctx, status, "member/invited", model))
        .onFailure(ctx::fail);
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
