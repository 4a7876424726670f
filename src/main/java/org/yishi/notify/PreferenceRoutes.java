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
 * ({@code /api/v1/users/:id/notification-preferences}); staff set a committee member's contacts and
 * preferences ({@code /api/v1/members/:id/notification-preferences}, {@link MemberPreferences}).
 */
public final class PreferenceRoutes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private final App app;
  private final Preferences preferences;
  private final MemberPreferences members;

  private PreferenceRoutes(App app) {
    this.app = app;
    this.preferences = new Preferences(app.pool());
    this.members = new MemberPreferences(app.pool());
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
    r.get("/api/v1/members/:id/notification-preferences", STAFF, routes::ofMemberApi);
    r.put("/api/v1/members/:id/notification-preferences", STAFF, routes::saveForMemberApi);
    return r.router();
  }

  private void mineApi(RoutingContext ctx) {
    Json.answer(ctx, preferences.of(Security.require(ctx).id()));
  }

  private void saveMineApi(RoutingContext ctx) {
    Json.answer(ctx, preferences.save(Security.require(ctx).id(), body(ctx)));
  }

  private void ofUserApi(RoutingContext ctx) {
    Json.answer(ctx, preferences.of(userId(ctx)));
  }

  private void saveForUserApi(RoutingContext ctx) {
    long id = userId(ctx);
    Json.answer(ctx, preferences.of(id).compose(exists -> preferences.save(id, body(ctx))));
  }

  private void ofMemberApi(RoutingContext ctx) {
    Json.answer(ctx, members.of(Security.require(ctx), pathId(ctx, "No such member")));
  }

  private void saveForMemberApi(RoutingContext ctx) {
    Json.answer(ctx, members.save(Security.require(ctx), pathId(ctx, "No such member"), body(ctx)));
  }

  private static long userId(RoutingContext ctx) {
    return pathId(ctx, "No such account");
  }

  private static long pathId(RoutingContext ctx, String notFound) {
    Long id = Access.pathId(ctx);
    if (id == null) {
      throw AppException.notFound(notFound);
    }
    return id;
  }

  private static JsonObject body(RoutingContext ctx) {
    return JsonBody.of(ctx);
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
