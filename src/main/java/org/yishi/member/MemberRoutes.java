package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.CollectionRoutes;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Committee members (委员): lists and forms for staff, and their assignment to stations. */
public record MemberRoutes(App app, MemberService members, StationLookup stations) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver member = Access.divisionById(members::divisionOf);
    Access.ScopeResolver station = Access.stationById(stations::divisionOf);
    CollectionRoutes.api(r, "/api/v1/members", STAFF, STAFF.scoped(member), ApiQuery.of("q", "stationId").paged(),
        new CollectionRoutes.Api(this::listApi, this::createApi, this::getApi, this::updateApi, null));
    r.put("/api/v1/stations/:id/members", STAFF.scoped(station), this::assignApi);

    CollectionRoutes.pages(r, "/members", STAFF, STAFF.scoped(member), new CollectionRoutes.Pages(this::listPage,
        this::newPage, this::createFromForm, this::viewPage, null, this::updateFromForm, null));
    r.get("/stations/:id/members", STAFF.scoped(station), this::assignPage);
    r.post("/stations/:id/members", STAFF.scoped(station), this::assignFromForm);
  }

  private static Long id(RoutingContext ctx) {
    return Access.pathId(ctx);
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    PageRequest page = PageRequest.from(ctx);
    Long stationId = Params.id(ctx, "stationId");
    Principal me = Security.require(ctx);
    // a station's members include city-committee members: the station's own jurisdiction decides
    Future<Jurisdiction> scope = stationId == null ? Future.succeededFuture(me.jurisdiction())
        : stations.divisionOf(stationId).map(code -> {
          if (code == null) {
            throw AppException.notFound("No such station");
          }
          me.jurisdiction().requireStation(stationId, code);
          return Jurisdiction.all();
        });
    scope.compose(j -> members.list(j, PageRequest.search(ctx), stationId, page))
        .onSuccess(result -> Json.ok(ctx, page.answer(result)))
        .onFailure(ctx::fail);
  }

  private void createApi(RoutingContext ctx) {
    MemberService.MemberInput in = MemberService.read(Input.json(ctx), false);
    Json.createdIn(ctx, "/api/v1/members/", members.create(Security.require(ctx), in));
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, members.byId(app.pool(), id(ctx)));
  }

  private void updateApi(RoutingContext ctx) {
    MemberService.MemberInput in = MemberService.read(Input.json(ctx), true);
    Json.answer(ctx, members.update(Security.require(ctx), id(ctx), in));
  }

  private void assignApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    List<Long> ids = in.longList("memberIds", 500);
    if (!in.has("memberIds") && !in.failed("memberIds")) {
      in.reject("memberIds", "field.required");
    }
    in.done();
    Json.answer(ctx, members.assign(Security.require(ctx), id(ctx), ids));
  }

  // ------------------------------------------------------------------ pages

  private Future<Map<String, Object>> formModel(RoutingContext ctx, Map<String, Object> member) {
    Principal me = Security.require(ctx);
    String prefix = me.jurisdiction().isAll() ? null : me.jurisdiction().sqlPrefix();
    return members.committees(prefix).map(list -> {
      Map<String, Object> model = new HashMap<>();
      model.put("member", member);
      model.put("committees", Web.rows(list));
      return model;
    });
  }

  private void listPage(RoutingContext ctx) {
    PageRequest page = PageRequest.from(ctx);
    String q = PageRequest.search(ctx);
    members.list(Security.require(ctx).jurisdiction(), q, null, page).onFailure(ctx::fail).onSuccess(result -> {
      Map<String, Object> model = new HashMap<>();
      page.into(model, "members", Web.rows(result.getJsonArray("items")), result);
      model.put("q", q == null ? "" : q);
      app.web().page(ctx, "member/list", model);
    });
  }

  private void newPage(RoutingContext ctx) {
    formModel(ctx, Map.of()).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, "member/form", model));
  }

  private void viewPage(RoutingContext ctx) {
    members.byId(app.pool(), id(ctx))
        .compose(m -> formModel(ctx, m.getMap()))
        .onFailure(ctx::fail)
        .onSuccess(model -> app.web().page(ctx, "member/form", model));
  }

  private void createFromForm(RoutingContext ctx) {
    save(ctx, null);
  }

  private void updateFromForm(RoutingContext ctx) {
    save(ctx, id(ctx));
  }

  private void save(RoutingContext ctx, Long id) {
    Map<String, Object> values = new HashMap<>();
    for (String f : List.of("name", "sector", "committeeId", "phone", "email", "version")) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, v);
      }
    }
    values.put("active", id == null || "on".equals(ctx.request().getFormAttribute("active")));
    if (values.get("committeeId") instanceof String c && Params.isId(c)) {
      values.put("committeeId", Long.valueOf(c)); // so the select shows the choice again
    }
    if (id != null) {
      values.put("id", id);
    }
    Future<JsonObject> saved;
    try {
      MemberService.MemberInput in = MemberService.read(Input.form(ctx), id != null);
      saved = id == null ? members.create(Security.require(ctx), in) : members.update(Security.require(ctx), id, in);
    } catch (AppException e) {
      saved = Future.failedFuture(e);
    }
    saved.onSuccess(m -> Web.redirect(ctx, "/members/" + m.getLong("id")))
        .onFailure(err -> app.web().formFailed(ctx, err, "member/form", () -> formModel(ctx, values)));
  }

  private void assignPage(RoutingContext ctx) {
    renderAssign(ctx, 200, null);
  }

  private void renderAssign(RoutingContext ctx, int status, String error) {
    long stationId = id(ctx);
    stations.byId(stationId).compose(station -> members.candidatesFor(station.getString("districtCode"))
            .map(candidates -> {
              Map<String, Object> model = new HashMap<>();
              model.put("station", station.getMap());
              List<Map<String, Object>> rows = Web.rows(candidates);
              rows.forEach(m -> m.put("assigned", ((JsonArray) m.get("stationIds")).contains(stationId)));
              model.put("candidates", rows);
              model.put("error", error);
              return model;
            }))
        .onFailure(ctx::fail)
        .onSuccess(model -> app.web().page(ctx, status, "member/assign", model));
  }

  private void assignFromForm(RoutingContext ctx) {
    long stationId = id(ctx);
    Input in = Input.form(ctx);
    List<Long> ids = in.longList("memberIds", 500);
    if (!in.ok()) {
      renderAssign(ctx, 422, app.web().messages(ctx, in.errors()).values().iterator().next());
      return;
    }
    members.assign(Security.require(ctx), stationId, ids)
        .onSuccess(r -> Web.redirect(ctx, "/stations/" + stationId))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            renderAssign(ctx, 422, app.web().messages(ctx, e.fields()).values().iterator().next());
          } else {
            ctx.fail(err);
          }
        });
  }
}
