package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ClientAddress;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Web;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Residents' requests (群众点单): the public pages a resident reaches from a station's QR poster
 * (submit, follow by tracking code), the printable poster, and the triage pages of the station's
 * coordinator and the district's staff (see docs/requests.md).
 */
public record RequestRoutes(App app, RequestService requests, Clock clock) implements Routes {
  static final int DESCRIPTION_MAX = 2000;
  static final int PLACE_MAX = 200;
  static final int REPLY_MAX = 2000;
  private static final String CHALLENGE = "yishi.request-challenges";
  /**
   * The one-time tokens of the forms given out (token -> station id), kept for {@link #FORM_HOURS}
   * hours; a used one stays (a retry finds its request in PostgreSQL by the token first).
   */
  private static final String FORMS = "yishi.request-forms";
  static final int FORM_HOURS = 24;
  private static final String TOKEN = "[A-Za-z0-9_-]{22}";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Access ANYONE = Access.signedIn();
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver request = Access.byId(id -> requests.scopeOf(id));
    Access.ScopeResolver station = Access.byId(id -> requests.station(id)
        .map(s -> s == null ? null : Access.Scope.station(id, s.getString("divisionCode"))));
    r.get("/r/track", Access.open("residents follow their request by its tracking code, without an account"), this::trackPage);
    r.get("/r/:id", Access.open("a station's public request form, reached from its QR poster"), this::formPage);
    r.postOpenMultipart("/r/submit", Access.open("residents submit a request without an account (limited per address, station, phone)"),
        app.config().dataDir().resolve("uploads"), app.config().requests().photoMaxBytes() + 64 * 1024L, this::submit);
    r.get("/stations/:id/poster", ANYONE.scoped(station), this::posterPage);
    r.get("/requests", ANYONE, this::listPage);
    r.get("/requests/stats", STAFF, this::statsPage);
    r.get("/requests/:id", ANYONE.scoped(request), this::viewPage);
    r.get("/requests/:id/photo", ANYONE.scoped(request), this::photo);
    r.post("/requests/:id/triage", ANYONE.scoped(request), this::triage);
    r.get("/api/v1/requests", ANYONE, ApiQuery.of("status", "stationId").paged().alias("station", "stationId"), this::listApi);
    r.get("/api/v1/requests/stats", STAFF, ApiQuery.of("from", "to"), this::statsApi);
  }

  // ------------------------------------------------------------------ public: the resident's form

  private void formPage(RoutingContext ctx) {
    Long id = Access.pathId(ctx);
    activeStation(id).onSuccess(station -> {
      if (station == null) {
        unavailable(ctx);
        return;
      }
      List<RequestStore.Limit> limits = requests.limits(address(ctx), id, null, clock.instant());
      requests.challengeNeeded(limits)
          .compose(needed -> requests.categories().compose(categories -> form(ctx, 200, station, categories,
              Map.of(), Map.of(), needed, null)))
          .onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private Future<JsonObject> activeStation(Long id) {
    if (id == null) {
      return Future.succeededFuture();
    }
    return requests.station(id).map(s -> s != null && "active".equals(s.getString("status")) ? s : null);
  }

  private void unavailable(RoutingContext ctx) {
    app.web().page(ctx, 404, "request/unavailable", Map.of());
  }

  /**
   * Renders the form with its one-time token: {@code token} when the form comes back with errors,
   * else a new one, given out in a cluster map for {@link #FORM_HOURS} hours (any node may get the post).
   */
  private Future<Void> form(RoutingContext ctx, int status, JsonObject station, JsonArray categories,
                            Map<String, String> values, Map<String, Msg> errors, boolean challenge, String token) {
    if (token == null) {
      String fresh = randomId();
      return Future.fromCompletionStage(forms().setAsync(fresh, String.valueOf(station.getLong("id")), FORM_HOURS,
              java.util.concurrent.TimeUnit.HOURS))
          .compose(v -> form(ctx, status, station, categories, values, errors, challenge, fresh));
    }
    Map<String, Object> model = new HashMap<>();
    model.put("submitToken", token);
    model.put("station", station.getMap());
    model.put("categories", Web.rows(categories));
    model.put("values", values);
    model.put("errors", app.web().messages(ctx, errors));
    model.put("descriptionMax", DESCRIPTION_MAX);
    model.put("photoMaxMb", String.format(java.util.Locale.ROOT, "%.1f", requests.settings().photoMaxBytes() / 1048576.0));
    if (!challenge) {
      return app.web().page(ctx, status, "request/form", model);
    }
    // the answer waits in a cluster map under a random id (any node may get the post), for one use
    int a = 10 + RANDOM.nextInt(40);
    int b = 1 + RANDOM.nextInt(9);
    String challengeId = randomId();
    model.put("challengeA", a);
    model.put("challengeB", b);
    model.put("challengeId", challengeId);
    return Future.fromCompletionStage(challenges().setAsync(challengeId, String.valueOf(a + b), 30, java.util.concurrent.TimeUnit.MINUTES))
        .compose(v -> app.web().page(ctx, status, "request/form", model));
  }

  /** 128 random bits, URL-safe: challenge ids and the forms' one-time tokens. */
  private static String randomId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(id);
  }

  private com.hazelcast.map.IMap<String, String> challenges() {
    return app.cluster().getHazelcastInstance().getMap(CHALLENGE);
  }

  private com.hazelcast.map.IMap<String, String> forms() {
    return app.cluster().getHazelcastInstance().getMap(FORMS);
  }

  /**
   * The answer kept for a challenge id (null when unknown, used or expired); removed once the
   * submission it guards is stored, so that the same form sent twice at once is not refused.
   */
  private Future<String> answerOf(String challengeId) {
    if (challengeId == null || !challengeId.matches(TOKEN)) {
      return Future.succeededFuture();
    }
    return Future.fromCompletionStage(challenges().getAsync(challengeId));
  }

  /** Whether {@code token} was given out with the form of {@code stationId} and has not expired. */
  private Future<Boolean> issued(String token, long stationId) {
    if (token == null || !token.matches(TOKEN)) {
      return Future.succeededFuture(false);
    }
    return Future.fromCompletionStage(forms().getAsync(token)).map(s -> String.valueOf(stationId).equals(s));
  }

  /**
   * A submission. The same form sent again (a double tap, a reload, a retry after a lost answer, to
   * any node) finds the request its one-time token stored and is sent to that request's status page;
   * a token that was never given out or has expired brings the form back (422) with a new one.
   */
  private void submit(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String token = in.optionalText("submitToken", 40, false);
    Future<String> sent = token == null || !token.matches(TOKEN) ? Future.succeededFuture() : requests.sentWith(token);
    sent.onSuccess(code -> {
      if (code != null) {
        toStatusPage(ctx, code);
      } else {
        submitNew(ctx, in, token);
      }
    }).onFailure(ctx::fail);
  }

  /** After a submission: the request's status page, which greets the resident with its code. */
  private static void toStatusPage(RoutingContext ctx, String code) {
    Web.redirect(ctx, "/r/track?code=" + code + "&new=1");
  }

  private void submitNew(RoutingContext ctx, Input in, String token) {
    Long stationId = in.optionalLong("station", 1, Long.MAX_VALUE);
    activeStation(stationId).onSuccess(station -> {
      if (station == null) {
        unavailable(ctx);
        return;
      }
      requests.categories().onSuccess(categories -> submitTo(ctx, in, token, station, categories)).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private void submitTo(RoutingContext ctx, Input in, String token, JsonObject station, JsonArray categories) {
    String category = in.text("category", 40);
    if (category != null && categories.stream().noneMatch(c -> category.equals(((JsonObject) c).getString("key")))) {
      in.reject("category", "request.error.category");
    }
    String description = in.text("description", DESCRIPTION_MAX);
    String place = in.optionalText("place", PLACE_MAX, false);
    String phoneTyped = in.optionalText("phone", 20, false);
    String phone = PhoneNumbers.normalise(phoneTyped);
    if (phoneTyped != null && phone == null) {
      in.reject("phone", "request.error.phone");
    }
    String answer = in.optionalText("challenge", 10, false);
    String challengeId = in.optionalText("challengeId", 40, false);
    Map<String, String> values = new HashMap<>();
    values.put("category", category);
    values.put("description", description);
    values.put("place", place);
    values.put("phone", phoneTyped);
    values.values().removeIf(v -> v == null);
    long stationId = station.getLong("id");
    List<RequestStore.Limit> limits = requests.limits(address(ctx), stationId, phone, clock.instant());
    photo(ctx, in)
        .compose(photo -> requests.challengeNeeded(limits).compose(needed -> answerOf(challengeId).compose(expected ->
            issued(token, stationId).compose(known -> {
          if (needed && (answer == null || !answer.equals(expected))) {
            in.reject("challenge", answer == null ? "request.error.challengeMissing" : "request.error.challengeWrong");
            if (answer != null && challengeId != null) {
              challenges().removeAsync(challengeId); // one guess per question
            }
          }
          if (!known) {
            in.reject("submitToken", "request.error.form");
          }
          if (!in.ok()) {
            // the same form sent at once by a double tap: the first may have been stored meanwhile
            // (and used the challenge's answer up); then this one gets its code too
            return (known ? requests.sentWith(token) : Future.<String>succeededFuture()).compose(code -> {
              if (code != null) {
                toStatusPage(ctx, code);
                return Future.<Void>succeededFuture();
              }
              return form(ctx, 422, station, categories, values, in.errors(), needed, known ? token : null);
            });
          }
          return requests.submit(new RequestStore.NewRequest(stationId, category, description, place, phone,
                  requests.dueOn(clock.instant())), photo, limits, clock.instant(), token, Web.locale(ctx))
              .compose(code -> (challengeId == null ? Future.succeededFuture()
                  : Future.fromCompletionStage(challenges().removeAsync(challengeId))).map(code))
              .onSuccess(code -> toStatusPage(ctx, code))
              .<Void>mapEmpty();
        }))))
        .onFailure(ctx::fail);
  }

  /** The photo of the form, read and sniffed; null when none was chosen. Type or size errors go on {@code in}. */
  private Future<RequestService.Photo> photo(RoutingContext ctx, Input in) {
    List<FileUpload> files = ctx.fileUploads().stream().filter(f -> f.size() > 0).toList();
    if (files.isEmpty()) {
      return Future.succeededFuture();
    }
    if (files.size() > 1 || !"photo".equals(files.get(0).name())) {
      in.reject("photo", "request.error.photoOne");
      return Future.succeededFuture();
    }
    FileUpload f = files.get(0);
    if (f.size() > requests.settings().photoMaxBytes()) {
      in.reject("photo", "request.error.photoSize", requests.settings().photoMaxBytes() / 1024);
      return Future.succeededFuture();
    }
    return app.vertx().fileSystem().readFile(f.uploadedFileName()).map(bytes -> {
      String type = PhotoType.sniff(bytes.getBytes(0, Math.min(16, bytes.length())));
      if (type == null) {
        in.reject("photo", "request.error.photoType");
        return null;
      }
      return new RequestService.Photo(type, bytes);
    });
  }

  private String address(RoutingContext ctx) {
    return ClientAddress.of(ctx.request(), app.config().httpTrustedProxies());
  }

  // ------------------------------------------------------------------ public: the status page

  /**
   * The form to enter a code, or the timeline of the request with that code. An unknown code and
   * one that cannot be a code get the same answer (404, same page), after the same database lookup.
   */
  private void trackPage(RoutingContext ctx) {
    String typed = ctx.request().getParam("code");
    if (typed == null || typed.isBlank()) {
      app.web().page(ctx, "request/track", Map.of());
      return;
    }
    String code = TrackingCode.normalise(typed);
    requests.timeline(code == null ? "-" : code).onSuccess(t -> {
      if (t == null) {
        app.web().page(ctx, 404, "request/track", Map.of("unknown", true));
        return;
      }
      Map<String, Object> model = new HashMap<>();
      model.put("code", TrackingCode.grouped(code));
      model.put("fresh", "1".equals(ctx.request().getParam("new")));
      model.put("r", t.getMap());
      model.put("steps", Timeline.steps(t, requests.zone()));
      app.web().page(ctx, "request/track", model);
    }).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ the poster

  private void posterPage(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    requests.station(id).onSuccess(station -> {
      String url = app.config().notifications().publicUrl().replaceAll("/+$", "") + "/r/" + id;
      Map<String, Object> model = new HashMap<>();
      model.put("station", station.getMap());
      model.put("url", url);
      model.put("qr", Poster.qrSvg(url));
      model.put("active", "active".equals(station.getString("status")));
      app.web().page(ctx, "request/poster", model);
    }).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ triage

  private RequestStore.Filter filter(RoutingContext ctx) {
    String status = ctx.request().getParam("status");
    if (status != null && status.isBlank()) {
      status = null;
    }
    if (status != null && !List.of("received", "accepted", "answered", "merged", "declined", "hidden").contains(status)) {
      throw AppException.invalid("status", "request.error.status");
    }
    // the API's name; pages also take the shorter one of their links
    String station = ctx.request().getParam("stationId") != null ? ctx.request().getParam("stationId") : ctx.request().getParam("station");
    Long stationId = null;
    if (station != null && !station.isBlank()) {
      if (!Params.isId(station)) {
        throw AppException.invalid("stationId", "request.error.station");
      }
      stationId = Long.valueOf(station);
    }
    return new RequestStore.Filter(status, stationId);
  }

  /** A request as the caller may see it: the number masked unless {@link RequestService#seesPhone}. */
  private static JsonObject shown(Principal me, JsonObject r) {
    r.remove("trackingCode"); // the resident's key to the status page: staff have no need of it
    if (!RequestService.seesPhone(me, r)) {
      r.put("phone", PhoneNumbers.mask(r.getString("phone")));
    }
    String created = r.getString("createdAt");
    if (created != null) {
      r.put("ageDays", java.time.Duration.between(java.time.Instant.parse(created), java.time.Instant.now()).toDays());
    }
    return r;
  }

  /** The list filter, with a named station checked against the caller's jurisdiction (403 outside it). */
  private Future<RequestStore.Filter> checkedFilter(RoutingContext ctx, Principal me) {
    RequestStore.Filter f = filter(ctx);
    if (f.stationId() == null) {
      return Future.succeededFuture(f);
    }
    return requests.station(f.stationId()).compose(s -> {
      if (s == null) {
        return Future.failedFuture(AppException.invalid("stationId", "request.error.stationUnknown"));
      }
      if (!me.jurisdiction().coversStation(f.stationId(), s.getString("divisionCode"))) {
        return Future.failedFuture(AppException.forbidden("The station lies outside your jurisdiction"));
      }
      return Future.succeededFuture(f);
    });
  }

  private void listPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    checkedFilter(ctx, me).compose(f -> requests.list(me.jurisdiction(), f, page).map(result -> {
      result.getJsonArray("items").forEach(o -> shown(me, (JsonObject) o));
      Map<String, Object> model = new HashMap<>();
      model.put("items", Web.rows(result.getJsonArray("items")));
      model.put("total", result.getLong("total"));
      model.put("page", page.page());
      model.put("pages", page.pages(result.getLong("total")));
      model.put("status", f.status());
      model.put("station", f.stationId());
      model.put("base", "/requests?" + (f.status() == null ? "" : "status=" + f.status() + "&")
          + (f.stationId() == null ? "" : "station=" + f.stationId() + "&"));
      return app.web().page(ctx, "request/list", model);
    })).onFailure(ctx::fail);
  }

  private void listApi(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    checkedFilter(ctx, me).compose(f -> requests.list(me.jurisdiction(), f, page)).onSuccess(result -> {
      result.getJsonArray("items").forEach(o -> shown(me, (JsonObject) o));
      Json.ok(ctx, result.put("page", page.page()).put("size", page.size()));
    }).onFailure(ctx::fail);
  }

  private void viewPage(RoutingContext ctx) {
    view(ctx, 200, Map.of(), null);
  }

  private void view(RoutingContext ctx, int status, Map<String, Msg> errors, Map<String, String> values) {
    Principal me = Security.require(ctx);
    long id = Access.pathId(ctx);
    requests.byId(id).compose(r -> {
      Future<JsonObject> candidates = "received".equals(r.getString("status"))
          ? requests.list(me.jurisdiction(), new RequestStore.Filter(null, r.getLong("stationId")), new PageRequest(1, 50))
          : Future.succeededFuture(new JsonObject().put("items", new JsonArray()));
      return candidates.compose(c -> {
        Map<String, Object> model = new HashMap<>();
        model.put("r", shown(me, r).getMap());
        model.put("mayTriage", "received".equals(r.getString("status")) && (me.is(Role.STATION_COORDINATOR) || me.is(Role.ADMIN)));
        JsonArray targets = new JsonArray();
        for (Object o : c.getJsonArray("items")) {
          JsonObject t = (JsonObject) o;
          if (t.getLong("id") != id && !List.of("merged", "hidden").contains(t.getString("status"))) {
            targets.add(new JsonObject().put("id", t.getLong("id")).put("label", "#" + t.getLong("id") + " "
                + RequestService.shortTitle(t.getString("description"))));
          }
        }
        model.put("targets", Web.rows(targets));
        model.put("errors", app.web().messages(ctx, errors));
        model.put("values", values == null ? Map.of() : values);
        return app.web().page(ctx, status, "request/view", model);
      });
    }).onFailure(ctx::fail);
  }

  private void photo(RoutingContext ctx) {
    requests.photo(Access.pathId(ctx)).onSuccess(p -> {
      if (p == null) {
        ctx.fail(AppException.notFound("The request has no photo"));
        return;
      }
      // served as the sniffed type, never sniffed again by the browser, never shown inline from another site
      ctx.response().putHeader("Content-Type", p.getString("mediaType"))
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
          .putHeader("Cache-Control", "private, no-store")
          .end(Buffer.buffer(p.getBinary("content")));
    }).onFailure(ctx::fail);
  }

  private void triage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    if (!me.is(Role.STATION_COORDINATOR) && !me.is(Role.ADMIN)) {
      ctx.fail(AppException.forbidden("Only the station's coordinator triages its residents' requests"));
      return;
    }
    long id = Access.pathId(ctx);
    Input in = Input.form(ctx);
    String action = in.text("action", 20);
    if (action != null && !RequestService.ACTIONS.contains(action)) {
      in.reject("action", "request.error.action");
    }
    String reply = in.optionalText("reply", REPLY_MAX, true);
    String title = in.optionalText("title", 100, false);
    Long target = in.optionalLong("target", 1, Long.MAX_VALUE);
    Map<String, String> values = new HashMap<>();
    values.put("action", action);
    values.put("reply", reply);
    values.put("title", title);
    values.values().removeIf(v -> v == null);
    if (!in.ok()) {
      view(ctx, 422, in.errors(), values);
      return;
    }
    requests.triage(me, id, new RequestService.Triage(action, reply, title, target))
        .onSuccess(r -> Web.redirect(ctx, "/requests/" + id))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            view(ctx, 422, e.fields(), values);
          } else {
            ctx.fail(err);
          }
        });
  }

  // ------------------------------------------------------------------ counters

  private Future<JsonObject> counters(RoutingContext ctx, Map<String, Object> model) {
    Principal me = Security.require(ctx);
    YearMonth to = month(ctx, "to", YearMonth.now(requests.zone()));
    YearMonth from = month(ctx, "from", to.minusMonths(11));
    if (from.isAfter(to)) {
      throw AppException.invalid("from", "request.error.months");
    }
    model.put("from", from.toString());
    model.put("to", to.toString());
    return requests.counters(me.jurisdiction(), from.atDay(1), to.atDay(1));
  }

  private static YearMonth month(RoutingContext ctx, String name, YearMonth dflt) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    if (!v.matches("20\\d\\d-(0[1-9]|1[0-2])")) {
      throw AppException.invalid(name, "request.error.month");
    }
    return YearMonth.parse(v);
  }

  private void statsApi(RoutingContext ctx) {
    Map<String, Object> range = new HashMap<>();
    counters(ctx, range).onSuccess(c -> Json.ok(ctx, c.put("from", range.get("from")).put("to", range.get("to"))))
        .onFailure(ctx::fail);
  }

  private void statsPage(RoutingContext ctx) {
    Map<String, Object> model = new HashMap<>();
    counters(ctx, model).onSuccess(c -> {
      model.put("totals", c.getJsonObject("totals").getMap());
      model.put("byCategory", Web.rows(c.getJsonArray("byCategory")));
      model.put("byStation", Web.rows(c.getJsonArray("byStation")));
      app.web().page(ctx, "request/stats", model);
    }).onFailure(ctx::fail);
  }
}
