package org.yishi.account;

import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Web;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Signing in and out (pages and API tokens), the current user, password change, language. */
public record AuthRoutes(App app, AccountService accounts) implements Routes {
  @Override
  public void register(SecureRouter r) {
    r.get("/login", Access.open("the sign-in page"), this::loginPage);
    r.post("/login", Access.open("signing in"), this::login);
    r.post("/logout", Access.anyAccount(), this::logout);
    r.get("/account/password", Access.anyAccount(), this::passwordPage);
    r.secret(HttpMethod.POST, "/account/password", Access.anyAccount(), this::changePassword);
    r.get("/lang/:tag", Access.open("a link to a language: sets the browser's cookie only"), this::languageLink);
    r.post("/lang/:tag", Access.open("the language switch works before signing in"), this::switchLanguage);
    r.post("/api/v1/auth/token", Access.open("obtaining a token is how API clients sign in"), this::issueToken);
    r.delete("/api/v1/auth/token", Access.anyAccount(), this::revokeToken);
    r.get("/api/v1/me", Access.anyAccount(), this::me);
    r.secret(HttpMethod.PUT, "/api/v1/me/password", Access.anyAccount(), this::changePasswordApi);
  }

  private String address(RoutingContext ctx) {
    return org.yishi.platform.http.ClientAddress.of(ctx.request(), app.config().httpTrustedProxies());
  }

  // ------------------------------------------------------------------ pages

  private void loginPage(RoutingContext ctx) {
    if (Security.principal(ctx) != null) {
      Web.redirect(ctx, "/");
      return;
    }
    renderLogin(ctx, 200, Map.of("back", Web.safeLocalPath(ctx.request().getParam("back"))));
  }

  private void renderLogin(RoutingContext ctx, int status, Map<String, Object> model) {
    app.web().page(ctx, status, "account/login", model);
  }

  private void login(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String username = in.optionalText("username", 64, false);
    String password = in.has("password") ? in.secret("password", 200) : null;
    String back = Web.safeLocalPath(ctx.request().getFormAttribute("back"));
    Map<String, Object> model = new HashMap<>();
    model.put("username", username == null ? "" : username);
    model.put("back", back);
    if (username == null || password == null) {
      model.put("error", I18n.t(Web.locale(ctx), "login.missing"));
      renderLogin(ctx, 422, model);
      return;
    }
    accounts.signIn(username, password, address(ctx))
        .onSuccess(p -> {
          Security.signIn(ctx, p); // a new session id (no fixation) and a new CSRF token
          if (p.locale() != null) {
            Web.rememberLocale(ctx, I18n.fromTag(p.locale()));
          }
          Web.redirect(ctx, p.mustChangePassword() ? "/account/password" : back);
        })
        .onFailure(err -> {
          if (!(err instanceof AppException e)) {
            ctx.fail(err);
            return;
          }
          Locale locale = Web.locale(ctx);
          if (e instanceof AppException.RetryLater later) {
            ctx.response().putHeader("Retry-After", String.valueOf(later.retryAfterSeconds()));
          }
          String message = switch (e.kind()) {
            case TOO_MANY_REQUESTS -> e instanceof AccountService.SignInBusy ? I18n.t(locale, "login.busy")
                : I18n.t(locale, "login.throttled", accounts.throttleMinutes());
            case UNAUTHORIZED -> I18n.t(locale, e.getMessage().contains("disabled") ? "login.disabled" : "login.wrong");
            default -> null;
          };
          if (message == null) {
            ctx.fail(err);
            return;
          }
          model.put("error", message);
          renderLogin(ctx, e.kind().status, model);
        });
  }

  private void logout(RoutingContext ctx) {
    ctx.session().destroy();
    Web.redirect(ctx, "/login");
  }

  private void passwordPage(RoutingContext ctx) {
    app.web().page(ctx, "account/password", Map.of(
        "forced", Security.require(ctx).mustChangePassword()));
  }

  private void changePassword(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Input in = Input.form(ctx);
    String current = in.secret("currentPassword", 200);
    String next = in.secret("newPassword", 200);
    String confirm = in.secret("confirmPassword", 200);
    Map<String, Object> model = new HashMap<>();
    model.put("forced", me.mustChangePassword());
    if (!in.ok()) {
      model.put("errors", app.web().messages(ctx, in.errors()));
      app.web().page(ctx, 422, "account/password", model);
      return;
    }
    accounts.changePassword(me, current, next, confirm)
        .compose(epoch -> Security.keepSession(ctx, epoch)) // every other session of the account has ended
        .onSuccess(v -> {
          model.put("done", true);
          model.put("forced", false);
          app.web().page(ctx, "account/password", model);
        })
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            model.put("errors", app.web().messages(ctx, e.fields()));
            app.web().page(ctx, 422, "account/password", model);
          } else {
            ctx.fail(err);
          }
        });
  }

  /**
   * A link to a language ({@code GET /lang/en?back=...}): remembers it in the browser's cookie and
   * goes back. A GET changes no stored state, so the account's preference is left alone.
   */
  private void languageLink(RoutingContext ctx) {
    Locale locale = I18n.fromTag(ctx.pathParam("tag"));
    if (locale != null) {
      Web.rememberLocale(ctx, locale);
    }
    Web.redirect(ctx, Web.safeLocalPath(ctx.request().getParam("back")));
  }

  /** The header's switch (a form): remembers the language (cookie; and on the account when signed in), then goes back. */
  private void switchLanguage(RoutingContext ctx) {
    Locale locale = I18n.fromTag(ctx.pathParam("tag"));
    String back = Web.safeLocalPath(ctx.request().getFormAttribute("back"));
    if (locale == null) {
      Web.redirect(ctx, back);
      return;
    }
    Web.rememberLocale(ctx, locale);
    Principal me = Security.principal(ctx);
    if (me == null) {
      Web.redirect(ctx, back);
      return;
    }
    accounts.setLocale(me, I18n.tag(locale)).onComplete(ar -> Web.redirect(ctx, back));
  }

  // ------------------------------------------------------------------ API

  private void issueToken(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String username = in.text("username", 64);
    String password = in.secret("password", 200);
    in.done();
    Json.answer(ctx, accounts.signIn(username, password, address(ctx))
        .compose(accounts::issueToken));
  }

  private void revokeToken(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    accounts.revokeToken(header.substring(7).trim())
        .onSuccess(v -> Json.noContent(ctx))
        .onFailure(ctx::fail);
  }

  private void me(RoutingContext ctx) {
    accounts.get(Security.require(ctx).id())
        .onSuccess(row -> Json.ok(ctx, row.toJson()))
        .onFailure(ctx::fail);
  }

  private void changePasswordApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String current = in.secret("currentPassword", 200);
    String next = in.secret("newPassword", 200);
    in.done();
    accounts.changePassword(Security.require(ctx), current, next, null)
        .onSuccess(v -> Json.send(ctx, 200, new JsonObject().put("changed", true)))
        .onFailure(ctx::fail);
  }
}
