package org.yishi.plan;

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
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.PagedList;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Yearly consultation plans: committee staff keep their committee's plan and its items, and see
 * how far each item has got (planned, scheduled, held); the same through {@code /api/v1/plans}.
 */
public record PlanRoutes(App app, PlanService plans, Committees committees, Categories categories) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private static final List<String> ITEM_FIELDS = List.of("title", "description", "kind", "category", "targetQuarter");

  /** The active topic categories, for the item form (categories belong to the topic feature, which implements this). */
  public interface Categories {
    Future<JsonArray> active();
  }

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver plan = Access.divisionById(plans::divisionOf);
    CollectionRoutes.api(r, "/api/v1/plans", STAFF, STAFF.scoped(plan), ApiQuery.of("committee", "year").paged(),
        new CollectionRoutes.Api(this::listApi, this::createApi, this::getApi, this::updateApi, null));
    r.post("/api/v1/plans/:id/items", STAFF.scoped(plan), this::addItemApi);
    r.put("/api/v1/plans/:id/items/:itemId", STAFF.scoped(plan), this::updateItemApi);
    r.delete("/api/v1/plans/:id/items/:itemId", STAFF.scoped(plan), this::deleteItemApi);

    CollectionRoutes.pages(r, "/plans", STAFF, STAFF.scoped(plan),
        new CollectionRoutes.Pages(this::listPage, this::newPage, this::createFromForm, this::viewPage, null, null, null));
    r.post("/plans/:id/items", STAFF.scoped(plan), this::addItemFromForm);
    r.get("/plans/:id/items/:itemId/delete", STAFF.scoped(plan), this::confirmDeletePage);
    r.post("/plans/:id/items/:itemId/delete", STAFF.scoped(plan), this::deleteItemFromForm);
  }

  private static Long param(RoutingContext ctx, String name) {
    String raw = ctx.pathParam(name);
    return Params.isId(raw) ? Long.valueOf(raw) : null;
  }

  /** The item id of the path; 404 when it is not a number. */
  private static long itemId(RoutingContext ctx) {
    Long id = param(ctx, "itemId");
    if (id == null) {
      throw AppException.notFound("No such item");
    }
    return id;
  }

  private static Integer yearParam(RoutingContext ctx) {
    String y = ctx.request().getParam("year");
    if (Text.blank(y)) {
      return null;
    }
    if (!y.matches("\\d{4}") || Integer.parseInt(y) < Params.MIN_YEAR || Integer.parseInt(y) > Params.MAX_YEAR) {
      throw AppException.invalid("year", "field.range", String.valueOf(Params.MIN_YEAR), String.valueOf(Params.MAX_YEAR));
    }
    return Integer.valueOf(y);
  }

  private static Long committeeParam(RoutingContext ctx) {
    return Params.id(ctx, "committee");
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> plans.list(Security.require(c).jurisdiction(), committeeParam(c), yearParam(c), page));
  }

  private void createApi(RoutingContext ctx) {
    PlanService.PlanInput in = PlanService.read(Input.json(ctx), false);
    Json.createdIn(ctx, "/api/v1/plans/", plans.create(Security.require(ctx), in));
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, plans.get(param(ctx, "id")));
  }

  private void updateApi(RoutingContext ctx) {
    PlanService.PlanInput in = PlanService.read(Input.json(ctx), true);
    // a stale version: 409 with the current values (StaleConflict)
    Json.answer(ctx, plans.update(Security.require(ctx), param(ctx, "id"), in));
  }

  private void addItemApi(RoutingContext ctx) {
    long planId = param(ctx, "id");
    PlanStore.ItemValues v = PlanService.readItem(Input.json(ctx));
    Json.createdIn(ctx, "/api/v1/plans/" + planId + "/items/", plans.addItem(Security.require(ctx), planId, v));
  }

  private void updateItemApi(RoutingContext ctx) {
    long planId = param(ctx, "id");
    long itemId = itemId(ctx);
    PlanStore.ItemValues v = PlanService.readItem(Input.json(ctx));
    Json.answer(ctx, plans.updateItem(Security.require(ctx), planId, itemId, v));
  }

  private void deleteItemApi(RoutingContext ctx) {
    plans.deleteItem(Security.require(ctx), param(ctx, "id"), itemId(ctx))
        .onSuccess(v -> Json.noContent(ctx)).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ pages

  private void listPage(RoutingContext ctx) {
    PageRequest page = PageRequest.from(ctx);
    Integer year = yearParam(ctx);
    plans.list(Security.require(ctx).jurisdiction(), null, year, page).onFailure(ctx::fail).onSuccess(result -> {
      Map<String, Object> model = new HashMap<>();
      page.into(model, "plans", Web.rows(result.getJsonArray("items")).stream().map(PlanRoutes::forTemplate).toList(), result);
      model.put("year", year == null ? "" : String.valueOf(year));
      app.web().page(ctx, "plan/list", model);
    });
  }

  /** A plan as templates read it: the nested progress object as a map too. */
  private static Map<String, Object> forTemplate(Map<String, Object> plan) {
    Map<String, Object> out = new HashMap<>(plan);
    if (out.get("progress") instanceof JsonObject progress) {
      out.put("progress", progress.getMap());
    }
    return out;
  }

  private Future<Map<String, Object>> formModel(RoutingContext ctx, Map<String, Object> plan) {
    Principal me = Security.require(ctx);
    String prefix = me.jurisdiction().isAll() ? null : me.jurisdiction().sqlPrefix();
    return committees.committees(prefix).map(list -> {
      Map<String, Object> model = new HashMap<>();
      model.put("plan", plan);
      model.put("committees", Web.rows(list));
      return model;
    });
  }

  private void newPage(RoutingContext ctx) {
    Map<String, Object> plan = new HashMap<>();
    plan.put("year", String.valueOf(java.time.LocalDate.now(app.config().zone()).getYear()));
    formModel(ctx, plan).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, "plan/form", model));
  }

  private void createFromForm(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    for (String f : List.of("committeeId", "year", "title")) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, v);
      }
    }
    if (values.get("committeeId") instanceof String c && Params.isId(c)) {
      values.put("committeeId", Long.valueOf(c));
    }
    Future<JsonObject> created;
    try {
      created = plans.create(Security.require(ctx), PlanService.read(Input.form(ctx), false));
    } catch (AppException e) {
      created = Future.failedFuture(e);
    }
    created.onSuccess(p -> Web.redirect(ctx, "/plans/" + p.getLong("id")))
        .onFailure(err -> app.web().formFailed(ctx, err, "plan/form", () -> formModel(ctx, values)));
  }

  private void viewPage(RoutingContext ctx) {
    renderView(ctx, 200, new HashMap<>(), Map.of());
  }

  private void renderView(RoutingContext ctx, int status, Map<String, Object> item, Map<String, String> errors) {
    Future<JsonObject> plan = plans.get(param(ctx, "id"));
    Future<JsonArray> categories = categoryChoices();
    Future.all(plan, categories).onFailure(ctx::fail).onSuccess(v -> {
      Map<String, Object> model = new HashMap<>();
      JsonObject p = plan.result();
      model.put("plan", forTemplate(p.getMap()));
      model.put("items", Web.rows(p.getJsonArray("items")));
      model.put("kinds", Arrays.stream(PlanItemKind.values()).map(PlanItemKind::key).toList());
      model.put("categories", Web.rows(categories.result()));
      model.put("item", item);
      model.put("errors", errors);
      app.web().page(ctx, status, "plan/view", model);
    });
  }

  /** Active topic categories for the item form (categories belong to the topic feature). */
  private Future<JsonArray> categoryChoices() {
    return categories.active();
  }

  private void addItemFromForm(RoutingContext ctx) {
    long planId = param(ctx, "id");
    Map<String, Object> values = new HashMap<>();
    for (String f : ITEM_FIELDS) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, v);
      }
    }
    Future<JsonObject> added;
    try {
      added = plans.addItem(Security.require(ctx), planId, PlanService.readItem(Input.form(ctx)));
    } catch (AppException e) {
      added = Future.failedFuture(e);
    }
    added.onSuccess(item -> Web.redirect(ctx, "/plans/" + planId + "#item-" + item.getLong("id")))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) {
            renderView(ctx, 422, values, app.web().messages(ctx, e.fields()));
          } else {
            ctx.fail(err);
          }
        });
  }

  private void confirmDeletePage(RoutingContext ctx) {
    renderConfirm(ctx, 200, null);
  }

  private void renderConfirm(RoutingContext ctx, int status, String error) {
    long planId = param(ctx, "id");
    long itemId = itemId(ctx);
    plans.get(planId).compose(p -> plans.item(app.pool(), planId, itemId).map(item -> {
      if (item == null) {
        throw AppException.notFound("No such item in this plan");
      }
      Map<String, Object> model = new HashMap<>();
      model.put("plan", p.getMap());
      model.put("item", item.getMap());
      model.put("error", error);
      return model;
    })).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, status, "plan/confirm-delete", model));
  }

  private void deleteItemFromForm(RoutingContext ctx) {
    long planId = param(ctx, "id");
    long itemId = itemId(ctx);
    plans.deleteItem(Security.require(ctx), planId, itemId)
        .onSuccess(v -> Web.redirect(ctx, "/plans/" + planId))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.CONFLICT) {
            renderConfirm(ctx, 409, app.web().messages(ctx, e.fields()).values().stream().findFirst().orElse(""));
          } else {
            ctx.fail(err);
          }
        });
  }
}
