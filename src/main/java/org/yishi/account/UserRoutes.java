package org.yishi.account;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.PagedList;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;
import org.yishi.platform.web.Params;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Account administration: admins create and edit accounts, assign roles and scopes, disable
 * accounts and reset passwords; city and district staff may look up the accounts in their
 * jurisdiction. Pages under {@code /admin/users}, API under {@code /api/v1/users}.
 */
public record UserRoutes(App app, AccountService accounts, CalendarFeedLinks feeds) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private static final Access ADMIN = Access.roles(Role.ADMIN);

  /**
   * An account's calendar feed links, listed and revoked from its admin page (the meeting feature's
   * feeds, wired by the composition root).
   */
  public interface CalendarFeedLinks {
    /** The account's feed links. */
    Future<io.vertx.core.json.JsonArray> of(long accountId);

    /** Revokes one; false when the account has no such feed. */
    Future<Boolean> revoke(Principal actor, long accountId, long feedId);
  }

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver account = Access.byId(id -> accounts.scopeOf(id)
        .map(scope -> scope == null ? null : Access.Scope.division(scope[0])));
    r.get("/admin/users", STAFF, this::listPage);
    r.get("/admin/users/new", ADMIN, this::newPage);
    // answers carrying a temporary password are never kept by the idempotency step
    r.secret(HttpMethod.POST, "/admin/users", ADMIN, this::createFromForm);
    r.get("/admin/users/:id", STAFF.scoped(account), this::viewPage);
    r.post("/admin/users/:id", ADMIN.scoped(account), this::updateFromForm);
    r.secret(HttpMethod.POST, "/admin/users/:id/reset-password", ADMIN.scoped(account), this::resetFromForm);
    r.post("/admin/users/:id/feeds/:feedId/revoke", ADMIN.scoped(account), this::revokeFeedFromForm);

    r.get("/api/v1/users", STAFF, ApiQuery.of("q", "role").paged(), this::listApi);
    r.secret(HttpMethod.POST, "/api/v1/users", ADMIN, this::createApi);
    r.get("/api/v1/users/:id", STAFF.scoped(account), this::getApi);
    r.put("/api/v1/users/:id", ADMIN.scoped(account), this::updateApi);
    r.secret(HttpMethod.POST, "/api/v1/users/:id/password-reset", ADMIN.scoped(account), this::resetApi);
  }

  private static Role roleFilter(RoutingContext ctx) {
    String raw = ctx.request().getParam("role");
    if (Text.blank(raw)) {
      return null;
    }
    Role role = Role.fromKey(raw);
    if (role == null) {
      throw AppException.invalid("role", "field.role.unknown");
    }
    return role;
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> accounts.list(Security.require(c), PageRequest.search(c), roleFilter(c), page));
  }

  private void createApi(RoutingContext ctx) {
    AccountService.AccountInput in = AccountService.readAccount(Input.json(ctx), true);
    Json.createdIn(ctx, "/api/v1/users/", accounts.create(Security.require(ctx), in));
  }

  private void getApi(RoutingContext ctx) {
    accounts.get(Access.pathId(ctx)).onSuccess(row -> Json.ok(ctx, row.toJson())).onFailure(ctx::fail);
  }

  private void updateApi(RoutingContext ctx) {
    AccountService.AccountInput in = AccountService.readAccount(Input.json(ctx), false);
    // a stale version: 409 with the current values (StaleConflict)
    Json.answer(ctx, accounts.update(Security.require(ctx), Access.pathId(ctx), in));
  }

  private void resetApi(RoutingContext ctx) {
    accounts.resetPassword(Security.require(ctx), Access.pathId(ctx))
        .onSuccess(pw -> Json.ok(ctx, new JsonObject().put("temporaryPassword", pw)))
        .onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ pages

  private Map<String, Object> formModel(RoutingContext ctx) {
    Map<String, Object> model = new HashMap<>();
    model.put("roles", Arrays.stream(Role.values()).map(Role::key).toList());
    model.put("isAdmin", Security.require(ctx).is(Role.ADMIN));
    return model;
  }

  private void listPage(RoutingContext ctx) {
    PageRequest page = PageRequest.from(ctx);
    String q = PageRequest.search(ctx);
    Role role = roleFilter(ctx);
    accounts.list(Security.require(ctx), q, role, page).onFailure(ctx::fail).onSuccess(result -> {
      Map<String, Object> model = formModel(ctx);
      page.into(model, "users", Web.rows(result.getJsonArray("items")), result);
      model.put("q", q == null ? "" : q);
      model.put("role", role == null ? "" : role.key());
      app.web().page(ctx, "account/users", model);
    });
  }

  private void newPage(RoutingContext ctx) {
    Map<String, Object> model = formModel(ctx);
    model.put("user", Map.of());
    app.web().page(ctx, "account/user-new", model);
  }

  private void createFromForm(RoutingContext ctx) {
    Input form = Input.form(ctx);
    Map<String, Object> model = formModel(ctx);
    model.put("user", formValues(ctx));
    AccountService.AccountInput in;
    try {
      in = AccountService.readAccount(form, true);
    } catch (AppException e) {
      reRender(ctx, model, e, "account/user-new");
      return;
    }
    accounts.create(Security.require(ctx), in)
        .onSuccess(json -> {
          Map<String, Object> done = formModel(ctx);
          done.put("user", view(json));
          done.put("temporaryPassword", json.getString("temporaryPassword"));
          done.put("created", true);
          app.web().page(ctx, 201, "account/user", done);
        })
        .onFailure(err -> reRender(ctx, model, err, "account/user-new"));
  }

  private void viewPage(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    boolean admin = Security.require(ctx).is(Role.ADMIN);
    Future.all(accounts.get(id), admin ? feeds.of(id) : Future.succeededFuture(null)).onFailure(ctx::fail).onSuccess(all -> {
      Map<String, Object> model = formModel(ctx);
      model.put("user", view(((AccountStore.AccountRow) all.resultAt(0)).toJson()));
      JsonArray links = all.resultAt(1);
      if (links != null) {
        model.put("feeds", Web.rows(links));
      }
      app.web().page(ctx, "account/user", model);
    });
  }

  /** An admin revokes one of the account's calendar feed links (404 when the account has no such live link). */
  private void revokeFeedFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    String raw = ctx.pathParam("feedId");
    if (!Params.isId(raw)) {
      throw AppException.notFound("No such feed link");
    }
    feeds.revoke(Security.require(ctx), id, Long.parseLong(raw)).onFailure(ctx::fail).onSuccess(done -> {
      if (done) {
        Web.redirect(ctx, "/admin/users/" + id);
      } else {
        ctx.fail(AppException.notFound("No such feed link"));
      }
    });
  }

  private void updateFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Map<String, Object> model = formModel(ctx);
    Map<String, Object> values = formValues(ctx);
    values.put("id", id);
    model.put("user", values);
    AccountService.AccountInput in;
    try {
      in = AccountService.readAccount(Input.form(ctx), false);
    } catch (AppException e) {
      reRender(ctx, model, e, "account/user");
      return;
    }
    accounts.update(Security.require(ctx), id, in)
        .onSuccess(json -> {
          Map<String, Object> done = formModel(ctx);
          done.put("user", view(json));
          done.put("saved", true);
          app.web().page(ctx, "account/user", done);
        })
        .onFailure(err -> {
          if (err instanceof AccountService.StaleVersion stale) {
            // show what is stored now, so the user can redo the edit on current values
            model.put("user", view(stale.current()));
            model.put("conflict", true);
            app.web().page(ctx, 409, "account/user", model);
          } else {
            reRender(ctx, model, err, "account/user");
          }
        });
  }

  private void resetFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    if (!"on".equals(ctx.request().getFormAttribute("confirm"))) {
      accounts.get(id).onFailure(ctx::fail).onSuccess(row -> {
        Map<String, Object> model = formModel(ctx);
        model.put("user", view(row.toJson()));
        model.put("errors", Map.of("confirm", app.web().message(ctx, "field.confirm")));
        app.web().page(ctx, 422, "account/user", model);
      });
      return;
    }
    accounts.resetPassword(Security.require(ctx), id)
        .compose(pw -> accounts.get(id).map(row -> {
          Map<String, Object> model = formModel(ctx);
          model.put("user", view(row.toJson()));
          model.put("temporaryPassword", pw);
          return model;
        }))
        .onSuccess(model -> app.web().page(ctx, "account/user", model))
        .onFailure(ctx::fail);
  }

  /** An account as the form shows it: station ids as the comma-separated list the field takes. */
  private static Map<String, Object> view(JsonObject account) {
    Map<String, Object> m = new HashMap<>(account.getMap());
    m.put("stationIds", account.getJsonArray("stationIds").stream().map(String::valueOf)
        .collect(java.util.stream.Collectors.joining(", ")));
    return m;
  }

  /** What the user typed, to show again after an error (never the password). */
  private static Map<String, Object> formValues(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    for (String f : List.of("username", "displayName", "role", "scopeCode", "phone", "email", "stationIds", "version")) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, v);
      }
    }
    values.put("disabled", "on".equals(ctx.request().getFormAttribute("disabled")));
    return values;
  }

  private void reRender(RoutingContext ctx, Map<String, Object> model, Throwable err, String template) {
    app.web().formFailed(ctx, err, template, () -> Future.succeededFuture(model));
  }
}
