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
    r.get("/members/:id/notifications", STAFF, routes::memberPage);
    r.post("/members/:id/notifications", STAFF, routes::saveMemberFromForm);
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
    JsonObject in = fromForm(ctx).put("digest", ctx.request().formAttributes().get("digest") != null);
    long me = Security.require(ctx).id();
    preferences.save(me, in).onSuccess(p -> org.yishi.platform.web.Web.redirect(ctx, "/account/notifications?saved"))
        .onFailure(err -> refused(ctx, err, () -> preferences.of(me), null, null));
  }

  private void memberPage(RoutingContext ctx) {
    long id = pathId(ctx, "No such member");
    members.of(Security.require(ctx), id).onFailure(ctx::fail)
        .onSuccess(p -> render(ctx, 200, p, Map.of(), ctx.request().getParam("saved") != null, p.getString("name"), id));
  }

  /** The member form: the kinds' checkboxes and quiet hours as for accounts, with {@code phone} and {@code email}. */
  private void saveMemberFromForm(RoutingContext ctx) {
    long id = pathId(ctx, "No such member");
    var form = ctx.request().formAttributes();
    JsonObject in = fromForm(ctx).put("phone", form.get("phone")).put("email", form.get("email"));
    members.save(Security.require(ctx), id, in)
        .onSuccess(p -> org.yishi.platform.web.Web.redirect(ctx, "/members/" + id + "/notifications?saved"))
        .onFailure(err -> refused(ctx, err, () -> members.of(Security.require(ctx), id), in, id));
  }

  private static JsonObject fromForm(RoutingContext ctx) {
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
    return new JsonObject().put("channels", channels).put("quietFrom", form.get("quietFrom")).put("quietTo", form.get("quietTo"));
  }

  /** A refused form (422): the page again with what was entered and the fields' messages; other failures fail. */
  private void refused(RoutingContext ctx, Throwable err, java.util.function.Supplier<io.vertx.core.Future<JsonObject>> stored,
                       JsonObject entered, Long member) {
    if (!(err instanceof AppException e) || e.kind() != ErrorKind.INVALID) {
      ctx.fail(err);
      return;
    }
    JsonObject in = entered != null ? entered : fromForm(ctx).put("digest", ctx.request().formAttributes().get("digest") != null);
    stored.get().onFailure(ctx::fail).onSuccess(p -> {
      in.forEach(field -> p.put(field.getKey(), field.getValue()));
      render(ctx, 422, p, app.web().messages(ctx, e.fields()), false, member == null ? null : p.getString("name"), member);
    });
  }

  private void render(RoutingContext ctx, int status, JsonObject p, Map<String, String> errors, boolean saved) {
    render(ctx, status, p, errors, saved, null, null);
  }

  /** The preferences page; for a member ({@code memberName} set) with its contacts' fields and no digest. */
  private void render(RoutingContext ctx, int status, JsonObject p, Map<String, String> errors, boolean saved,
                      String memberName, Long memberId) {
    Map<String, Object> model = new HashMap<>();
    if (memberId != null) {
      model.put("member", memberName);
      model.put("action", "/members/" + memberId + "/notifications");
    }
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
