package org.yishi.checkin;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Web;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Check-in by QR code. Open: the page a scanned code opens ({@code /checkin/<code>}) and the scan API.
 * The meeting's coordinator (and staff over it): the code as image and poster, the check-ins, marking
 * people present and removing mistakes.
 */
public record CheckinRoutes(App app, CheckinService checkins) implements Routes {
  static final String DEVICE_COOKIE = "yishi_device";
  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver meeting = Access.byId(id -> checkins.scopeOf(id)
        .map(s -> s == null ? null : Access.Scope.station((Long) s[0], (String) s[1])));
    Access coordinator = Access.signedIn().scoped(meeting);
    Access scanning = Access.open("check-in by a meeting's signed code: guests have no account");
    r.post("/api/v1/checkin", scanning, this::scanApi);
    r.get("/api/v1/meetings/:id/checkins", coordinator, this::listApi);
    r.post("/api/v1/meetings/:id/checkins", coordinator, this::markApi);
    r.delete("/api/v1/meetings/:id/checkins/:checkinId", coordinator, this::removeApi);
    r.get("/api/v1/meetings/:id/checkin-members", coordinator, ApiQuery.of("q"), this::searchApi);
    r.get("/checkin/:code", scanning, this::scanPage);
    r.post("/checkin/:code", scanning, this::scanFromForm);
    r.get("/meetings/:id/checkin", coordinator, this::coordinatorPage);
    r.post("/meetings/:id/checkin", coordinator, this::markFromForm);
    r.post("/meetings/:id/checkin/:checkinId/remove", coordinator, this::removeFromForm);
    r.get("/meetings/:id/checkin/poster", coordinator, this::posterPage);
    r.get("/meetings/:id/checkin/qr.svg", coordinator, this::qrSvg);
    r.get("/meetings/:id/checkin/qr.png", coordinator, this::qrPng);
  }

  private OffsetDateTime now() {
    return OffsetDateTime.now(app.config().zone());
  }

  private static long meetingId(RoutingContext ctx) {
    return Access.pathId(ctx);
  }

  private static Long checkinId(RoutingContext ctx) {
    String raw = ctx.pathParam("checkinId");
    return raw != null && raw.matches("\\d{1,18}") ? Long.valueOf(raw) : null;
  }

  /** The address a code's link starts with: the one this request came to. */
  private static String origin(RoutingContext ctx) {
    return ctx.request().scheme() + "://" + ctx.request().authority();
  }

  // ------------------------------------------------------------------ scanning

  /** A guest's answers: role (required), name and phone (optional), the device key that makes a second scan the same check-in. */
  private static CheckinService.Scanner readGuest(Input in, Principal me, String deviceKey) {
    String role = in.optionalText("role", 20, false);
    String name = in.optionalText("name", 50, false);
    String phone = in.optionalText("phone", 30, false);
    if (phone != null && !phone.matches("[0-9+\\-() ]{3,30}")) {
      in.reject("phone", "field.phone.format");
    }
    String key = deviceKey != null ? deviceKey : in.optionalText("deviceKey", 64, false);
    if (key != null && !key.matches("[A-Za-z0-9_-]{16,64}")) {
      in.reject("deviceKey", "checkin.deviceKey.format");
    }
    boolean member = me != null && me.is(Role.MEMBER);
    if (!member && role != null && !CheckinService.GUEST_ROLES.contains(role)) {
      in.reject("role", "checkin.role.choose");
    }
    return new CheckinService.Scanner(me, member ? "members" : role, member ? null : name, member ? null : phone, key);
  }

  private void scanApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String code = in.text("code", 120);
    CheckinService.Scanner who = readGuest(in, Security.principal(ctx), null);
    in.done();
    checkins.scan(code, who, now()).onSuccess(c -> Json.send(ctx, c.getBoolean("already") ? 200 : 201, c)).onFailure(ctx::fail);
  }

  private static String deviceKey(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(DEVICE_COOKIE);
    if (c != null && c.getValue().matches("[A-Za-z0-9_-]{16,64}")) {
      return c.getValue();
    }
    byte[] b = new byte[18];
    RANDOM.nextBytes(b);
    String key = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    ctx.response().addCookie(Cookie.cookie(DEVICE_COOKIE, key).setPath("/checkin").setHttpOnly(true)
        .setSameSite(CookieSameSite.LAX).setMaxAge(2 * 24 * 3600));
    return key;
  }

  private void scanPage(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    Principal me = Security.principal(ctx);
    String device = deviceKey(ctx);
    if (me != null && me.is(Role.MEMBER)) { // opening the link is the check-in
      checkins.scan(code, new CheckinService.Scanner(me, "members", null, null, null), now())
          .onSuccess(c -> renderScan(ctx, 200, code, c, null, Map.of()))
          .onFailure(err -> refused(ctx, code, err, Map.of()));
      return;
    }
    checkins.admit(code, now())
        .onSuccess(m -> renderScan(ctx, 200, code, null, m.toJson(app.config().zone()), Map.of("deviceKey", device)))
        .onFailure(err -> refused(ctx, code, err, Map.of()));
  }

  private void scanFromForm(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    Principal me = Security.principal(ctx);
    Input in = Input.form(ctx);
    Cookie cookie = ctx.request().getCookie(DEVICE_COOKIE);
    String fromCookie = cookie != null && cookie.getValue().matches("[A-Za-z0-9_-]{16,64}") ? cookie.getValue() : null;
    Map<String, Object> typed = new HashMap<>();
    ctx.request().formAttributes().forEach(e -> typed.putIfAbsent(e.getKey(), e.getValue()));
    Future<JsonObject> done;
    try {
      CheckinService.Scanner who = readGuest(in, me, fromCookie);
      in.done();
      done = checkins.scan(code, who, now());
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(c -> renderScan(ctx, 200, code, c, null, Map.of())).onFailure(err -> refused(ctx, code, err, typed));
  }

  private void refused(RoutingContext ctx, String code, Throwable err, Map<String, Object> typed) {
    if (!(err instanceof AppException e) || e.fields().isEmpty()) {
      ctx.fail(err);
      return;
    }
    Map<String, String> errors = app.web().messages(ctx, e.fields());
    if (e.fields().containsKey("code") || e.fields().containsKey("meeting")) { // nothing about the meeting is shown
      renderScan(ctx, e.kind().status, code, null, null, Map.of("refusal", errors.values().iterator().next()));
      return;
    }
    checkins.admit(code, now()).onFailure(ctx::fail).onSuccess(m -> {
      Map<String, Object> extra = new HashMap<>(typed);
      extra.put("errors", errors);
      renderScan(ctx, e.kind().status, code, null, m.toJson(app.config().zone()), extra);
    });
  }

  private void renderScan(RoutingContext ctx, int status, String code, JsonObject checkin, JsonObject meeting,
                          Map<String, Object> extra) {
    Map<String, Object> model = new HashMap<>(extra);
    model.put("code", code);
    model.put("checkin", checkin == null ? null : checkin.getMap());
    model.put("meeting", meeting != null ? meeting.getMap() : checkin != null ? checkin.getJsonObject("meeting").getMap() : null);
    model.put("guestRoles", CheckinService.GUEST_ROLES);
    app.web().page(ctx, status, "checkin/scan", model);
  }

  // ------------------------------------------------------------------ coordinator

  private void listApi(RoutingContext ctx) {
    checkins.overview(meetingId(ctx)).onSuccess(o -> Json.ok(ctx, o.put("url", origin(ctx) + o.getString("path"))))
        .onFailure(ctx::fail);
  }

  private record Marks(List<Long> memberIds, Map<String, Integer> guests) {
  }

  private static Marks readMarks(Input in, Map<String, Object> guests) {
    List<Long> ids = in.longList("memberIds", 500);
    Map<String, Integer> counts = new LinkedHashMap<>();
    Input g = Input.fromObjects(guests);
    int total = 0;
    for (String role : CheckinService.GUEST_ROLES) {
      Long n = g.optionalLong(role, 0, 500);
      if (n != null && n > 0) {
        counts.put(role, n.intValue());
        total += n.intValue();
      }
    }
    g.errors().forEach((field, msg) -> in.reject("guests." + field, msg.key(), msg.args().toArray()));
    if (total > 500) {
      in.reject("guests", "checkin.guests.tooMany", 500);
    }
    for (String key : guests.keySet()) {
      if (!CheckinService.GUEST_ROLES.contains(key)) {
        in.reject("guests." + key, "checkin.role.choose");
      }
    }
    if (ids.isEmpty() && counts.isEmpty() && in.ok()) {
      in.reject("memberIds", "checkin.mark.nothing");
    }
    in.done();
    return new Marks(ids, counts);
  }

  private void markApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    Object guests = ctx.body().asJsonObject().getValue("guests");
    if (guests != null && !(guests instanceof JsonObject)) {
      throw AppException.invalid("guests", "checkin.guests.format");
    }
    Marks marks = readMarks(in, guests == null ? Map.of() : ((JsonObject) guests).getMap());
    Json.answer(ctx, checkins.mark(Security.require(ctx), meetingId(ctx), marks.memberIds(), marks.guests()));
  }

  private void removeApi(RoutingContext ctx) {
    Long id = checkinId(ctx);
    if (id == null) {
      throw AppException.notFound("No such check-in at this meeting");
    }
    Json.answer(ctx, checkins.remove(Security.require(ctx), meetingId(ctx), id));
  }

  private void searchApi(RoutingContext ctx) {
    Input in = Input.of(Map.of("q", ctx.request().getParam("q", "")));
    String q = in.optionalText("q", 50, false);
    in.done();
    checkins.search(meetingId(ctx), q).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list))).onFailure(ctx::fail);
  }

  private void coordinatorPage(RoutingContext ctx) {
    renderCoordinator(ctx, 200, Map.of());
  }

  private void renderCoordinator(RoutingContext ctx, int status, Map<String, String> errors) {
    long id = meetingId(ctx);
    String raw = ctx.request().getParam("q", "");
    String q = raw.length() > 50 ? raw.substring(0, 50) : raw.strip();
    Future.all(checkins.overview(id), checkins.search(id, q)).onFailure(ctx::fail).onSuccess(all -> {
      JsonObject o = all.resultAt(0);
      Map<String, Object> model = new HashMap<>();
      model.put("overview", o.getMap());
      model.put("m", o.getJsonObject("meeting").getMap());
      model.put("attendance", o.getJsonObject("attendance").getMap());
      model.put("items", Web.rows(o.getJsonArray("items")));
      model.put("candidates", Web.rows((JsonArray) all.resultAt(1)));
      model.put("q", q);
      model.put("url", origin(ctx) + o.getString("path"));
      model.put("qr", QrImages.svg(origin(ctx) + o.getString("path")));
      model.put("roles", CheckinStore.ROLES);
      model.put("guestRoles", CheckinService.GUEST_ROLES);
      model.put("errors", errors);
      app.web().page(ctx, status, "checkin/coordinator", model);
    });
  }

  private void markFromForm(RoutingContext ctx) {
    long id = meetingId(ctx);
    Map<String, Object> guests = new HashMap<>();
    for (String role : CheckinService.GUEST_ROLES) {
      String v = ctx.request().getFormAttribute("guests_" + role);
      if (v != null && !v.isBlank()) {
        guests.put(role, v.strip().matches("\\d{1,9}") ? (Object) Long.valueOf(v.strip()) : v);
      }
    }
    Future<JsonObject> done;
    try {
      Marks marks = readMarks(Input.form(ctx), guests);
      done = checkins.mark(Security.require(ctx), id, marks.memberIds(), marks.guests());
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(a -> Web.redirect(ctx, "/meetings/" + id + "/checkin")).onFailure(err -> formFailure(ctx, err));
  }

  private void formFailure(RoutingContext ctx, Throwable err) {
    if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT) && !e.fields().isEmpty()) {
      renderCoordinator(ctx, e.kind().status, app.web().messages(ctx, e.fields()));
    } else {
      ctx.fail(err);
    }
  }

  private void removeFromForm(RoutingContext ctx) {
    long id = meetingId(ctx);
    Long checkin = checkinId(ctx);
    if (checkin == null) {
      ctx.fail(AppException.notFound("No such check-in at this meeting"));
      return;
    }
    checkins.remove(Security.require(ctx), id, checkin)
        .onSuccess(a -> Web.redirect(ctx, "/meetings/" + id + "/checkin")).onFailure(err -> formFailure(ctx, err));
  }

  private void posterPage(RoutingContext ctx) {
    checkins.codeFor(meetingId(ctx)).onFailure(ctx::fail).onSuccess(c -> {
      String url = origin(ctx) + c.getString("path");
      Map<String, Object> model = new HashMap<>();
      model.put("code", c.getMap());
      model.put("meeting", c.getJsonObject("meeting").getMap());
      model.put("url", url);
      model.put("qr", QrImages.svg(url));
      app.web().page(ctx, "checkin/poster", model);
    });
  }

  private void qrSvg(RoutingContext ctx) {
    checkins.codeFor(meetingId(ctx)).onFailure(ctx::fail).onSuccess(c -> ctx.response()
        .putHeader("Content-Type", "image/svg+xml").putHeader("Cache-Control", "no-store")
        .end(QrImages.svg(origin(ctx) + c.getString("path"))));
  }

  private void qrPng(RoutingContext ctx) {
    checkins.codeFor(meetingId(ctx)).onFailure(ctx::fail).onSuccess(c -> ctx.response()
        .putHeader("Content-Type", "image/png").putHeader("Cache-Control", "no-store")
        .putHeader("Content-Disposition", "attachment; filename=\"checkin-" + meetingId(ctx) + ".png\"")
        .end(Buffer.buffer(QrImages.png(origin(ctx) + c.getString("path"), 8))));
  }
}
