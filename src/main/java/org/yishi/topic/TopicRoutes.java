package org.yishi.topic;

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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Topics (议题): coordinators write them on a phone-friendly form with the two questions, submit
 * them, and district staff approve or reject them from a queue; the same through {@code /api/v1/topics}.
 * Topic categories are reference data that admins extend through {@code /api/v1/topic-categories}.
 */
public record TopicRoutes(App app, TopicService topics, TopicNeighbours neighbours) implements Routes {
  private static final Access ANYONE = Access.signedIn();
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  private static final List<String> FORM_FIELDS = List.of("stationId", "title", "description", "category", "source",
      "planItemId", "proposer", "proposerMemberId", "q1Answer", "q1Reason", "q2Answer", "q2Reason", "version");

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver topic = Access.byId(id -> topics.scopeOf(id));
    r.get("/api/v1/topic-categories", ANYONE, ApiQuery.of("includeInactive"), this::categoriesApi);
    r.post("/api/v1/topic-categories", ADMIN, this::addCategoryApi);
    r.put("/api/v1/topic-categories/:key", ADMIN, this::updateCategoryApi);
    CollectionRoutes.api(r, "/api/v1/topics", ANYONE, ANYONE.scoped(topic),
        ApiQuery.of("status", "stationId", "category", "q").paged().alias("station", "stationId"),
        new CollectionRoutes.Api(this::listApi, this::createApi, this::getApi, this::updateApi, this::transitionApi));

    r.get("/topics/approvals", STAFF, this::approvalsPage);
    CollectionRoutes.pages(r, "/topics", ANYONE, ANYONE.scoped(topic), new CollectionRoutes.Pages(this::listPage,
        this::newPage, this::createFromForm, this::viewPage, this::editPage, this::updateFromForm, this::transitionFromForm));
  }

  /** The list filters from the query string; bad values are a 422 naming the parameter. */
  private static TopicStore.Filter filter(RoutingContext ctx) {
    String status = Params.text(ctx, "status");
    TopicStatus st = status == null ? null : TopicStatus.fromKey(status);
    if (status != null && st == null) {
      throw AppException.invalid("status", "topic.error.status");
    }
    // the API's name is stationId (station: its alias, rewritten by ApiQuery); the page still sends station
    Long station = Params.id(ctx, Params.present(ctx, "stationId", "station"));
    String category = Params.text(ctx, "category");
    if (category != null && !category.matches("[a-z][a-z_]{1,39}")) {
      throw AppException.invalid("category", "topic.error.category");
    }
    String q = Params.search(ctx, "q");
    return new TopicStore.Filter(st, station, category, q);
  }

  // ------------------------------------------------------------------ API

  private void categoriesApi(RoutingContext ctx) {
    boolean all = Boolean.TRUE.equals(Params.bool(ctx, "includeInactive"));
    topics.categories(all).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list)))
        .onFailure(ctx::fail);
  }

  private void addCategoryApi(RoutingContext ctx) {
    TopicService.CategoryInput in = TopicService.readCategory(Input.json(ctx), null);
    topics.addCategory(Security.require(ctx), in)
        .onSuccess(c -> Json.created(ctx, "/api/v1/topic-categories/" + c.getString("key"), c))
        .onFailure(ctx::fail);
  }

  private void updateCategoryApi(RoutingContext ctx) {
    String key = ctx.pathParam("key");
    if (key == null || !key.matches("[a-z][a-z_]{1,39}")) {
      ctx.fail(AppException.notFound("No such category"));
      return;
    }
    TopicService.CategoryInput in = TopicService.readCategory(Input.json(ctx), key);
    Json.answer(ctx, topics.updateCategory(Security.require(ctx), in));
  }

  private void listApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> topics.list(Security.require(c).jurisdiction(), filter(c), page));
  }

  private void createApi(RoutingContext ctx) {
    TopicService.TopicInput in = TopicService.read(Input.json(ctx), false);
    Json.createdIn(ctx, "/api/v1/topics/", topics.create(Security.require(ctx), in, false));
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, topics.get(Access.pathId(ctx)));
  }

  private void updateApi(RoutingContext ctx) {
    TopicService.TopicInput in = TopicService.read(Input.json(ctx), true);
    Json.answer(ctx, topics.update(Security.require(ctx), Access.pathId(ctx), in, false)); // a stale version: 409 with the current values (StaleConflict)
  }

  private void transitionApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String actionKey = in.text("action", 20);
    String reason = in.optionalText("reason", 500, true);
    TopicStatus.Action action = TopicStatus.Action.fromKey(actionKey);
    if (actionKey != null && action == null) {
      in.reject("action", "topic.error.action");
    }
    in.done();
    Json.answer(ctx, topics.transition(Security.require(ctx), Access.pathId(ctx), action, reason));
  }

  // ------------------------------------------------------------------ pages

  private Future<Map<String, Object>> baseModel() {
    return topics.categories(false).map(categories -> {
      Map<String, Object> model = new HashMap<>();
      model.put("categories", Web.rows(categories));
      model.put("statuses", Arrays.stream(TopicStatus.values()).map(TopicStatus::key).toList());
      model.put("sources", Arrays.stream(TopicSource.values()).map(TopicSource::key).toList());
      return model;
    });
  }

  private void listPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    TopicStore.Filter f = filter(ctx);
    Future<Map<String, Object>> base = baseModel();
    Future<JsonObject> list = topics.list(me.jurisdiction(), f, page);
    Future<JsonObject> choices = neighbours.stations(me.jurisdiction(),
        new PageRequest(1, PageRequest.MAX_SIZE));
    Future.all(base, list, choices).onFailure(ctx::fail).onSuccess(v -> {
      Map<String, Object> model = base.result();
      model.put("topics", Web.rows(list.result().getJsonArray("items")));
      model.put("total", list.result().getLong("total"));
      model.put("page", page.page());
      model.put("pages", page.pages(list.result().getLong("total")));
      model.put("stations", Web.rows(choices.result().getJsonArray("items")));
      model.put("status", f.status() == null ? "" : f.status().key());
      model.put("station", f.stationId() == null ? "" : f.stationId());
      model.put("category", f.category() == null ? "" : f.category());
      model.put("q", f.q() == null ? "" : f.q());
      model.put("query", PageRequest.queryWithoutPage(ctx));
      app.web().page(ctx, "topic/list", model);
    });
  }

  private void approvalsPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    Future<Map<String, Object>> base = baseModel();
    Future<JsonObject> list = topics.list(me.jurisdiction(),
        new TopicStore.Filter(TopicStatus.SUBMITTED, null, null, null), page);
    Future.all(base, list).onFailure(ctx::fail).onSuccess(v -> {
      Map<String, Object> model = base.result();
      model.put("topics", Web.rows(list.result().getJsonArray("items")));
      model.put("total", list.result().getLong("total"));
      model.put("page", page.page());
      model.put("pages", page.pages(list.result().getLong("total")));
      app.web().page(ctx, "topic/approvals", model);
    });
  }

  /** The form's model: the station, the categories, and the plan items the station may take topics from. */
  private Future<Map<String, Object>> formModel(JsonObject station, Map<String, Object> topic) {
    Future<Map<String, Object>> base = baseModel();
    Future<JsonArray> items = neighbours.planItemChoices(station.getString("districtCode"));
    Future<JsonArray> proposers = neighbours.proposerChoices(station.getString("districtCode"));
    return Future.all(base, items, proposers).map(v -> {
      Map<String, Object> model = base.result();
      model.put("station", station.getMap());
      model.put("topic", topic);
      model.put("planItems", Web.rows(items.result()));
      model.put("proposerMembers", Web.rows(proposers.result()));
      return model;
    });
  }

  /** A station the caller may write topics for: 404 when there is none, 403 outside the jurisdiction. */
  private Future<JsonObject> stationOf(Principal me, long stationId) {
    return neighbours.station(stationId).map(s -> {
      if (s == null) {
        throw AppException.notFound("No such station");
      }
      me.jurisdiction().requireStation(stationId, s.getString("divisionCode"));
      return s;
    });
  }

  private void newPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    String raw = Params.text(ctx, "station");
    if (raw == null && me.is(Role.STATION_COORDINATOR) && me.stationIds().size() == 1) {
      raw = String.valueOf(me.stationIds().iterator().next());
    }
    if (raw == null) {
      // first step: choose the station
      neighbours.stations(me.jurisdiction(), new PageRequest(1, PageRequest.MAX_SIZE))
          .onFailure(ctx::fail)
          .onSuccess(list -> app.web().page(ctx, "topic/choose-station",
              Map.of("stations", Web.rows(list.getJsonArray("items")))));
      return;
    }
    if (!Params.isId(raw)) {
      ctx.fail(AppException.invalid("station", "field.notWholeNumber"));
      return;
    }
    Map<String, Object> topic = new HashMap<>();
    topic.put("stationId", Long.valueOf(raw));
    stationOf(me, Long.parseLong(raw)).compose(s -> formModel(s, topic)).onFailure(ctx::fail)
        .onSuccess(model -> app.web().page(ctx, "topic/form", model));
  }

  /** What the form sent, typed as the stored values are (so selects and radios show the choice again). */
  private static Map<String, Object> formValues(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    for (String f : FORM_FIELDS) {
      String v = ctx.request().getFormAttribute(f);
      if (v == null) {
        continue;
      }
      if ((f.equals("q1Answer") || f.equals("q2Answer")) && (v.equals("true") || v.equals("false"))) {
        values.put(f, Boolean.valueOf(v));
      } else if ((f.equals("planItemId") || f.equals("stationId")) && Params.isId(v)) {
        values.put(f, Long.valueOf(v));
      } else {
        values.put(f, v);
      }
    }
    return values;
  }

  private static boolean submitting(RoutingContext ctx) {
    return "submit".equals(ctx.request().getFormAttribute("intent"));
  }

  private void createFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Map<String, Object> values = formValues(ctx);
    Future<JsonObject> created;
    try {
      created = topics.create(me, TopicService.read(Input.form(ctx), false), submitting(ctx));
    } catch (AppException e) {
      created = Future.failedFuture(e);
    }
    created.onSuccess(t -> Web.redirect(ctx, "/topics/" + t.getLong("id") + "?saved=1"))
        .onFailure(err -> reRender(ctx, values, err, null));
  }

  private void editPage(RoutingContext ctx) {
    topics.get(Access.pathId(ctx)).compose(t -> {
      if (!TopicStatus.DRAFT.key().equals(t.getString("status"))) {
        return Future.failedFuture(AppException.conflict("Only a draft can be edited"));
      }
      return neighbours.station(t.getLong("stationId")).compose(s -> formModel(s, t.getMap()));
    }).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, "topic/form", model));
  }

  private void updateFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Map<String, Object> values = formValues(ctx);
    values.put("id", id);
    Future<JsonObject> saved;
    try {
      saved = topics.update(Security.require(ctx), id, TopicService.read(Input.form(ctx), true), submitting(ctx));
    } catch (AppException e) {
      saved = Future.failedFuture(e);
    }
    saved.onSuccess(t -> Web.redirect(ctx, "/topics/" + id + "?saved=1"))
        .onFailure(err -> reRender(ctx, values, err, id));
  }

  /** Shows the form again: with the input and field messages, or (stale) with the stored values. */
  private void reRender(RoutingContext ctx, Map<String, Object> values, Throwable err, Long id) {
    if (!(err instanceof AppException e) || (e.kind() != ErrorKind.INVALID && e.kind() != ErrorKind.CONFLICT)) {
      ctx.fail(err);
      return;
    }
    Future<JsonObject> station;
    if (id != null) {
      station = topics.byId(app.pool(), id).compose(t -> neighbours.station(t.getLong("stationId")));
    } else if (values.get("stationId") instanceof Long sid) {
      station = stationOf(Security.require(ctx), sid);
    } else {
      station = Future.failedFuture(err);
    }
    Map<String, Object> shown = err instanceof TopicService.StaleTopic stale ? new HashMap<>(stale.current().getMap()) : values;
    station.compose(s -> formModel(s, shown)).onFailure(ctx::fail).onSuccess(model -> {
      if (err instanceof TopicService.StaleTopic stale) {
        model.put(TopicStatus.DRAFT.key().equals(stale.current().getString("status")) ? "conflict" : "notDraft", true);
      } else {
        model.put("errors", app.web().messages(ctx, e.fields()));
      }
      app.web().page(ctx, e.kind().status, "topic/form", model);
    });
  }

  private void viewPage(RoutingContext ctx) {
    renderView(ctx, 200, null);
  }

  private void renderView(RoutingContext ctx, int status, List<String> actionErrors) {
    Principal me = Security.require(ctx);
    Future<Map<String, Object>> base = baseModel();
    Future<JsonObject> found = topics.get(Access.pathId(ctx));
    Future.all(base, found).onFailure(ctx::fail).onSuccess(v -> {
      JsonObject t = found.result();
      Map<String, Object> model = base.result();
      model.put("topic", t.getMap());
      model.put("history", Web.rows(t.getJsonArray("history")));
      TopicStatus st = TopicStatus.fromKey(t.getString("status"));
      List<Map<String, Object>> actions = new ArrayList<>();
      for (TopicStatus.Action a : st.actions()) {
        if (TopicService.mayTake(me, a)) {
          actions.add(Map.of("key", a.key(), "reason", a.reasonRequired || a == TopicStatus.Action.WITHDRAW,
              "required", a.reasonRequired));
        }
      }
      model.put("actions", actions);
      model.put("editable", st == TopicStatus.DRAFT);
      model.put("saved", ctx.request().getParam("saved") != null);
      model.put("actionErrors", actionErrors == null ? List.of() : actionErrors);
      app.web().page(ctx, status, "topic/view", model);
    });
  }

  private void transitionFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Input in = Input.form(ctx);
    TopicStatus.Action action = TopicStatus.Action.fromKey(ctx.request().getFormAttribute("action"));
    String reason = in.optionalText("reason", 500, true);
    if (action == null) {
      in.reject("action", "topic.error.action");
    }
    Future<JsonObject> done = in.ok() ? topics.transition(Security.require(ctx), id, action, reason)
        : Future.failedFuture(AppException.invalid(in.errors()));
    done.onSuccess(t -> Web.redirect(ctx, Web.backOr(ctx, "/topics/" + id)))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
            List<String> messages = new ArrayList<>();
            Map<String, String> texts = app.web().messages(ctx, e.fields());
            new java.util.TreeSet<>(e.fields().keySet()).forEach(field -> messages.add(
                app.web().message(ctx, "topic.field." + field) + app.web().message(ctx, "topic.colon") + texts.get(field)));
            renderView(ctx, e.kind().status, messages);
          } else {
            ctx.fail(err);
          }
        });
  }
}
