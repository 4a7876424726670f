package org.yishi.notify;

import org.yishi.platform.notify.Notices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.Security;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.Json;

import java.util.HashMap;

import java.util.Map;

/**
 * Notification preferences: each user's own ({@code /account/notifications}, under the account
 * page, and {@code /api/v1/account/notification-preferences}); admins set them for any account
 * ({@code /api/v1/users/:id/notification-preferences}).
 */
public final class PreferenceRoutes {
  private final App app;
  private final Preferences preferences;

  private PreferenceRoutes(App app) {
    this.app = app;
    this.preferences = new Preferences(app.pool());
  }

  public static Router router(App app) {
    PreferenceRoutes routes = new PreferenceRoutes(app);
    SecureRouter r = app.secureRouter();
    r.get("/account/notifications", Access.signedIn(), routes::page);
    r.post("/account/notifications", Access.signedIn(), routes::saveFromForm);
    r.get("/api/v1/account/notification-preferences", Access.signedIn(), routes::mineApi);
    r.put("/api/v1/account/notification-preferences", Access.signedIn(), routes::saveMineApi);
    r.get("/api/v1/users/:id/notification-preferences", Access.roles(Role.ADMIN), routes::ofUserApi);
    r.put("/api/v1/users/:id/notification-preferences", Access.roles(Role.ADMIN), routes::saveForUserApi);
    return r.router();
  }

  private void mineApi(RoutingContext ctx) {
    preferences.of(Security.require(ctx).id()).onSuccess(p -> Json.ok(ctx, p)).onFailure(ctx::fail);
  }

  private void saveMineApi(RoutingContext ctx) {
    preferences.save(Security.require(ctx).id(), body(ctx)).onSuccess(p -> Json.ok(ctx, p)).onFailure(ctx::fail);
  }

  private void ofUserApi(RoutingContext ctx) {
    preferences.of(userId(ctx)).onSuccess(p -> Json.ok(ctx, p)).onFailure(ctx::fail);
  }

  private void saveForUserApi(RoutingContext ctx) {
    long id = userId(ctx);
    preferences.of(id).compose(exists -> preferences.save(id, body(ctx)))
        .onSuccess(p -> Json.ok(ctx, p)).onFailure(ctx::fail);
  }

  private static long userId(RoutingContext ctx) {
    Long id = Access.pathId(ctx);
    if (id == null) {
      throw AppException.notFound("No such account");
    }
    return id;
  }

  /** The JSON object body of an API request (422 when it is not one); also for {@link ChannelRoutes}. */
  static JsonObject body(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      throw new AppException(ErrorKind.INVALID, "The body must be a JSON object", Map.of());
    }
    return body;
  }

  private void page(RoutingContext ctx) {
    preferences.of(Security.require(ctx).id()).onFailure(ctx::fail)
        .onSuccess(p -> render(ctx, 200, p, Map.of(), ctx.request().getParam("saved") != null));
  }

  /** The form: a checkbox {@code <kind>.<channel>} per kind and channel, {@code digest}, {@code quietFrom}/{@code quietTo}. */
  private void saveFromForm(RoutingContext ctx) {
    var form = ctx.request().formAttributes();
    JsonObject channels = new JsonObject();
    for (String kind : Notices.KINDS) {
      JsonArray chosen = new JsonArray();
      for (String channel : Preferences.CHANNELS) {
        if (form.get(kind + "." + channel) != null) {
          chosen.add(channel);
        }
      }
      channels.put(kind, chosen);
    }
    JsonObject in = new JsonObject().put("channels", channels).put("digest", form.get("digest") != null)
        .put("quietFrom", form.get("quietFrom")).put("quietTo", form.get("quietTo"));
    long me = Security.require(ctx).id();
    preferences.save(me, in).onSuccess(p -> org.yishi.platform.web.Web.redirect(ctx, "/account/notifications?saved"))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            preferences.of(me).onFailure(ctx::fail).onSuccess(stored -> render(ctx, 422,
                stored.put("channels", channels).put("digest", in.getBoolean("digest"))
                    .put("quietFrom", in.getString("quietFrom")).put("quietTo", in.getString("quietTo")),
                app.web().messages(ctx, e.fields()), false));
          } else {
            ctx.fail(err);
          }
        });
  }

  private void render(RoutingContext ctx, int status, JsonObject p, Map<String, String> errors, boolean saved) {
    Map<String, Object> model = new HashMap<>();
    model.put("kinds", Notices.KINDS);
    model.put("channelNames", Preferences.CHANNELS);
    Map<String, Object> chosen = new HashMap<>(); // kind -> "email sms" (Pebble reads a string's contains)
    for (String kind : Notices.KINDS) {
      JsonArray list = p.getJsonObject("channels").getJsonArray(kind, new JsonArray());
      chosen.put(kind, String.join(" ", list.stream().map(String::valueOf).toList()));
    }
    model.put("chosen", chosen);
    model.put("digest", p.getBoolean("digest"));
    model.put("quietFrom", p.getString("quietFrom"));
    model.put("quietTo", p.getString("quietTo"));
    model.put("email", p.getString("email"));
    model.put("phone", p.getString("phone"));
    model.put("errors", errors);
    model.put("saved", saved);
    app.web().page(ctx, status, "notify/preferences", model);
  }

}
