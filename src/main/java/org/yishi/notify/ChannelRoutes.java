package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Routes;
import org.yishi.platform.web.Web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The channels' settings for admins: the page {@code /admin/notifications/channels} and the API
 * {@code /api/v1/admin/notification-channels} (e-mail, SMS, group robots). Secrets are never
 * answered ("set"/"not set"); an admin replaces or clears them. Saved settings are used by every
 * node ({@link ChannelSettings}).
 */
public record ChannelRoutes(App app, ChannelSettings settings) implements Routes {
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  private static final String PAGE = "/admin/notifications/channels";
  private static final Map<String, List<String>> FORM_FIELDS = Map.of(
      "email", List.of("host", "port", "tls", "username", "from"),
      "sms", List.of("provider", "url", "accessKeyId", "signName", "templates"),
      "robot", List.of("kind", "scope"));
  private static final Map<String, List<String>> FORM_SECRETS = Map.of(
      "email", List.of("password"), "sms", List.of("token", "accessKeySecret"), "robot", List.of("url", "secret"));
  /** The routes (one instance per HTTP verticle, built by the composition root). */
  @Override
  public void register(SecureRouter r) {
    r.get(PAGE, ADMIN, this::page);
    r.post(PAGE + "/:channel", ADMIN, this::saveFromForm);
    r.post(PAGE + "/:channel/reset", ADMIN, this::resetFromForm);
    r.get("/api/v1/admin/notification-channels", ADMIN, ctx -> Json.answer(ctx, settings.view()));
    r.put("/api/v1/admin/notification-channels/:channel", ADMIN, ctx -> api(ctx, channel(ctx), true));
    r.delete("/api/v1/admin/notification-channels/:channel", ADMIN, ctx -> api(ctx, channel(ctx), false));
    r.put("/api/v1/admin/notification-channels/robots/:name", ADMIN, ctx -> api(ctx, robot(ctx.pathParam("name")), true));
    r.delete("/api/v1/admin/notification-channels/robots/:name", ADMIN, ctx -> api(ctx, robot(ctx.pathParam("name")), false));
  }

  private static String channel(RoutingContext ctx) {
    String c = ctx.pathParam("channel");
    if (!"email".equals(c) && !"sms".equals(c)) {
      throw AppException.notFound("No such channel (email, sms, robots/NAME)");
    }
    return c;
  }

  /** {@code robot:NAME}; a name other than letters, digits, . _ - (at most 40) is a 422 on {@code name}. */
  private static String robot(String name) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,40}")) {
      throw AppException.invalid("name", "field.channel.robotName");
    }
    return "robot:" + name;
  }

  private void api(RoutingContext ctx, String name, boolean save) {
    (save ? settings.save(Security.require(ctx), name, JsonBody.of(ctx)) : settings.delete(Security.require(ctx), name))
        .onSuccess(v -> Json.ok(ctx, v)).onFailure(ctx::fail);
  }

  private void page(RoutingContext ctx) {
    String saved = ctx.request().getParam("saved");
    render(ctx, 200, null, Map.of(), null, saved != null && saved.matches("email|sms|robot|reset") ? saved : null);
  }

  /** The forms: {@code email}, {@code sms} or {@code robot} (with {@code name}); a blank secret keeps it, {@code clear_X} clears it. */
  private void saveFromForm(RoutingContext ctx) {
    String form = ctx.pathParam("channel");
    if (!FORM_FIELDS.containsKey(form)) {
      ctx.fail(AppException.notFound("No such channel"));
      return;
    }
    MultiMap f = ctx.request().formAttributes();
    JsonObject in = new JsonObject();
    FORM_FIELDS.get(form).forEach(k -> in.put(k, f.get(k)));
    if (f.get("port") != null && f.get("port").strip().matches("[0-9]{1,9}")) { // a form's digits are the JSON number
      in.put("port", Long.parseLong(f.get("port").strip()));
    }
    for (String k : FORM_SECRETS.get(form)) {
      if (f.get("clear_" + k) != null) {
        in.put(k, "");
      } else if (f.get(k) != null && !f.get(k).isBlank()) {
        in.put(k, f.get(k));
      }
    }
    Future<JsonObject> done;
    try {
      done = settings.save(Security.require(ctx), "robot".equals(form) ? robot(f.get("name")) : form, in);
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(v -> Web.redirect(ctx, PAGE + "?saved=" + form)).onFailure(err -> {
      if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
        render(ctx, 422, form, app.web().messages(ctx, e.fields()), in.put("name", f.get("name")), null);
      } else {
        ctx.fail(err);
      }
    });
  }

  /** Removes the stored settings of {@code email}, {@code sms} or {@code robot} (form field {@code name}). */
  private void resetFromForm(RoutingContext ctx) {
    String form = ctx.pathParam("channel");
    if (!FORM_FIELDS.containsKey(form)) {
      ctx.fail(AppException.notFound("No such channel"));
      return;
    }
    String name;
    try {
      name = "robot".equals(form) ? robot(ctx.request().formAttributes().get("name")) : form;
    } catch (AppException e) {
      ctx.fail(AppException.notFound("No such robot"));
      return;
    }
    settings.delete(Security.require(ctx), name).onSuccess(v -> Web.redirect(ctx, PAGE + "?saved=reset")).onFailure(ctx::fail);
  }

  /** The page; after a refused form, {@code form} names it and {@code submitted} holds what was typed (never a secret). */
  private void render(RoutingContext ctx, int status, String form, Map<String, String> errors, JsonObject submitted, String saved) {
    settings.view().onFailure(ctx::fail).onSuccess(view -> {
      Map<String, Object> model = new HashMap<>();
      Map<String, Object> email = new HashMap<>(view.getJsonObject("email").getMap());
      Map<String, Object> sms = new HashMap<>(view.getJsonObject("sms").getMap());
      Map<String, Object> robot = new HashMap<>();
      Map<String, Object> target = "email".equals(form) ? email : "sms".equals(form) ? sms : robot;
      if (submitted != null) {
        FORM_FIELDS.get(form).forEach(k -> target.put(k, submitted.getString(k)));
        target.put("name", submitted.getString("name"));
      }
      model.put("email", email);
      model.put("sms", sms);
      model.put("robot", robot);
      model.put("robots", Web.rows(view.getJsonArray("robots")));
      model.put("problems", view.getJsonArray("problems").getList());
      model.put("form", form);
      model.put("errors", errors);
      model.put("saved", saved);
      app.web().page(ctx, status, "notify/channels", model);
    });
  }
}
