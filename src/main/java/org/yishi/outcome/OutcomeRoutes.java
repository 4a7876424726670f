package org.yishi.outcome;

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

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Outcomes (协商成果) and their follow-up loop, through {@code /api/v1/outcomes} and pages that
 * work without JavaScript; the typical case library (典型案例) at {@code /api/v1/cases} and {@code /cases}.
 */
public record OutcomeRoutes(App app, OutcomeService outcomes) implements Routes {
  private static final Access ANYONE = Access.signedIn();
  private static final List<String> FORM_FIELDS = List.of("meetingId", "content", "form", "responsibleUnit",
      "application", "dueOn", "version");
  private static final List<String> STEP_FIELDS = List.of("answer", "reply", "evidence", "satisfaction",
      "satisfactionComment", "effectiveness");

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver outcome = this::scopeOfOutcome;
    CollectionRoutes.api(r, "/api/v1/outcomes", ANYONE, ANYONE.scoped(outcome),
        ApiQuery.of("status", "overdue", "meetingId", "typical", "form", "q").paged().alias("meeting", "meetingId"),
        new CollectionRoutes.Api(this::listApi, this::createApi, this::getApi, this::updateApi, this::transitionApi));
    r.put("/api/v1/outcomes/:id/typical", ANYONE.scoped(outcome), this::typicalApi);
    r.put("/api/v1/outcomes/:id/members", ANYONE.scoped(outcome), this::membersApi);
    r.get("/api/v1/cases", ANYONE, ApiQuery.of("q", "form").paged(), this::casesApi);

    CollectionRoutes.pages(r, "/outcomes", ANYONE, ANYONE.scoped(outcome), new CollectionRoutes.Pages(this::listPage,
        this::newPage, this::createFromForm, this::viewPage, this::editPage, this::updateFromForm, this::transitionFromForm));
    r.post("/outcomes/:id/typical", ANYONE.scoped(outcome), this::typicalFromForm);
    r.post("/outcomes/:id/members", ANYONE.scoped(outcome), this::membersFromForm);
    r.get("/cases", ANYONE, this::casesPage);
  }

  private Future<Access.Scope> scopeOfOutcome(RoutingContext ctx) {
    Long id = Access.pathId(ctx);
    return id == null ? Future.succeededFuture() : outcomes.scopeOf(id);
  }

  private LocalDate today() {
    return LocalDate.now(outcomes.zone());
  }

  private static Boolean bool(RoutingContext ctx, String name) {
    return Params.bool(ctx, name);
  }

  /** The list filters from the query string; bad values are a 422 naming the parameter. */
  private static OutcomeStore.Filter filter(RoutingContext ctx, boolean cases) {
    String status = cases ? null : Params.text(ctx, "status");
    OutcomeStatus st = status == null ? null : OutcomeStatus.fromKey(status);
    if (status != null && st == null) {
      throw AppException.invalid("status", "outcome.error.status");
    }
    // the API's name is meetingId (meeting: its alias, rewritten by ApiQuery); the page still sends meeting
    Long meeting = cases ? null : Params.id(ctx, Params.present(ctx, "meetingId", "meeting"));
    String form = Params.text(ctx, "form");
    if (form != null && !OutcomeStatus.FORMS.contains(form)) {
      throw AppException.invalid("form", "outcome.error.form");
    }
    String q = Params.search(ctx, "q");
    Boolean overdue = cases ? null : bool(ctx, "overdue");
    Boolean typical = cases ? Boolean.TRUE : bool(ctx, "typical");
    return new OutcomeStore.Filter(st, overdue, meeting, typical, form, q);
  }

  /** A conflict is answered 409 with the stored outcome by the error handler (see StaleConflict). */
  private static void conflictOr(RoutingContext ctx, Throwable err) {
    ctx.fail(err);
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> outcomes.list(Security.require(c).jurisdiction(), filter(c, false), page));
  }

  private void casesApi(RoutingContext ctx) {
    PagedList.api(ctx, (c, page) -> outcomes.list(Security.require(c).jurisdiction(), filter(c, true), page));
  }

  private void createApi(RoutingContext ctx) {
    OutcomeService.OutcomeInput in = OutcomeService.read(Input.json(ctx), false, today());
    Json.createdIn(ctx, "/api/v1/outcomes/", outcomes.create(Security.require(ctx), in));
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, outcomes.get(Access.pathId(ctx)));
  }

  private void updateApi(RoutingContext ctx) {
    OutcomeService.OutcomeInput in = OutcomeService.read(Input.json(ctx), true, today());
    outcomes.update(Security.require(ctx), Access.pathId(ctx), in).onSuccess(o -> Json.ok(ctx, o))
        .onFailure(err -> conflictOr(ctx, err));
  }

  private void transitionApi(RoutingContext ctx) {
    OutcomeService.StepInput in = OutcomeService.readStep(Input.json(ctx));
    outcomes.transition(Security.require(ctx), Access.pathId(ctx), in).onSuccess(o -> Json.ok(ctx, o))
        .onFailure(err -> conflictOr(ctx, err));
  }

  private void typicalApi(RoutingContext ctx) {
    if (!OutcomeService.mayMarkTypical(Security.require(ctx))) {
      throw AppException.forbidden("Only committee staff mark typical cases");
    }
    Input in = Input.json(ctx);
    Boolean typical = in.optionalBool("typical");
    if (typical == null && !in.failed("typical")) {
      in.reject("typical", "field.required");
    }
    Long version = in.optionalLong("version", 1, Integer.MAX_VALUE);
    in.done();
    outcomes.setTypical(Security.require(ctx), Access.pathId(ctx), typical, version == null ? null : version.intValue())
        .onSuccess(o -> Json.ok(ctx, o))
        .onFailure(err -> conflictOr(ctx, err));
  }

  private void membersApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    List<Long> suggesters = in.has("suggesters") ? in.longList("suggesters", 50) : null;
    List<Long> typical = in.has("typicalMembers") ? in.longList("typicalMembers", 50) : null;
    if (suggesters == null && typical == null && in.ok()) {
      in.reject("suggesters", "field.required");
    }
    in.done();
    outcomes.setMembers(Security.require(ctx), Access.pathId(ctx), suggesters, typical)
        .onSuccess(o -> Json.ok(ctx, o)).onFailure(ctx::fail);
  }

  // ------------------------------------------------------------------ pages

  private static Map<String, Object> choices() {
    Map<String, Object> model = new HashMap<>();
    model.put("forms", OutcomeStatus.FORMS);
    model.put("statuses", Arrays.stream(OutcomeStatus.values()).map(OutcomeStatus::key).toList());
    model.put("answers", OutcomeStatus.ANSWERS);
    model.put("satisfactions", OutcomeStatus.SATISFACTION);
    return model;
  }

  private void listPage(RoutingContext ctx) {
    renderList(ctx, false);
  }

  private void casesPage(RoutingContext ctx) {
    renderList(ctx, true);
  }

  private void renderList(RoutingContext ctx, boolean cases) {
    Principal me = Security.require(ctx);
    PageRequest page = PageRequest.from(ctx);
    OutcomeStore.Filter f = filter(ctx, cases);
    outcomes.list(me.jurisdiction(), f, page).onFailure(ctx::fail).onSuccess(list -> {
      Map<String, Object> model = choices();
      page.into(model, "outcomes", Web.rows(list.getJsonArray("items")), list);
      model.put("status", f.status() == null ? "" : f.status().key());
      model.put("overdue", Boolean.TRUE.equals(f.overdue()));
      model.put("typical", Boolean.TRUE.equals(f.typical()));
      model.put("meeting", f.meetingId() == null ? "" : f.meetingId());
      model.put("form", f.form() == null ? "" : f.form());
      model.put("q", f.q() == null ? "" : f.q());
      model.put("query", PageRequest.queryWithoutPage(ctx));
      app.web().page(ctx, cases ? "outcome/cases" : "outcome/list", model);
    });
  }

  /** A meeting the caller may record outcomes for: 404 when there is none, 403 outside the jurisdiction. */
  private Future<OutcomeStore.MeetingRef> meetingOf(Principal me, long meetingId) {
    return outcomes.meeting(meetingId).map(m -> {
      if (m == null) {
        throw AppException.notFound("No such meeting");
      }
      me.jurisdiction().requireStation(m.stationId(), m.divisionCode());
      return m;
    });
  }

  private static Map<String, Object> formModel(OutcomeStore.MeetingRef m, Map<String, Object> outcome) {
    Map<String, Object> model = choices();
    model.put("meeting", Map.of("id", m.id(), "title", m.title(), "stationName", m.stationName(),
        "startsAt", m.startsAt() == null ? "" : m.startsAt()));
    model.put("outcome", outcome);
    return model;
  }

  private void newPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    String raw = Params.text(ctx, "meeting");
    if (raw == null) {
      outcomes.meetingsTakingOutcomes(me.jurisdiction()).onFailure(ctx::fail)
          .onSuccess(list -> app.web().page(ctx, "outcome/choose-meeting", Map.of("meetings", Web.rows(list))));
      return;
    }
    if (!Params.isId(raw)) {
      ctx.fail(AppException.invalid("meeting", "field.notWholeNumber"));
      return;
    }
    Map<String, Object> outcome = new HashMap<>();
    outcome.put("meetingId", Long.valueOf(raw));
    meetingOf(me, Long.parseLong(raw)).onFailure(ctx::fail).onSuccess(m -> {
      Map<String, Object> model = formModel(m, outcome);
      // say at once when the meeting takes no outcomes (yet), rather than after the form is filled in
      String refusal = "cancelled".equals(m.status()) || "not_held".equals(m.status()) ? "outcome.error.meetingCancelled"
          : !"held".equals(m.status()) && !m.started() ? "outcome.error.meetingNotStarted" : null;
      if (refusal != null) {
        model.put("errors", Map.of("meetingId", app.web().message(ctx, refusal)));
      }
      app.web().page(ctx, "outcome/form", model);
    });
  }

  private static Map<String, Object> formValues(RoutingContext ctx, List<String> fields) {
    Map<String, Object> values = new HashMap<>();
    for (String f : fields) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null) {
        values.put(f, f.equals("meetingId") && Params.isId(v) ? Long.valueOf(v) : v);
      }
    }
    return values;
  }

  private void createFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Map<String, Object> values = formValues(ctx, FORM_FIELDS);
    Future<JsonObject> created;
    try {
      created = outcomes.create(me, OutcomeService.read(Input.form(ctx), false, today()));
    } catch (AppException e) {
      created = Future.failedFuture(e);
    }
    created.onSuccess(o -> Web.redirect(ctx, "/outcomes/" + o.getLong("id") + "?saved=1"))
        .onFailure(err -> reRender(ctx, values, err, null));
  }

  private void editPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    outcomes.get(Access.pathId(ctx)).compose(o -> {
      if (!OutcomeStatus.REFERRED.key().equals(o.getString("status"))) {
        return Future.failedFuture(AppException.conflict("Only a referred outcome can be edited"));
      }
      return meetingOf(me, o.getLong("meetingId")).map(m -> formModel(m, o.getMap()));
    }).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, "outcome/form", model));
  }

  private void updateFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Map<String, Object> values = formValues(ctx, FORM_FIELDS);
    values.put("id", id);
    Future<JsonObject> saved;
    try {
      saved = outcomes.update(Security.require(ctx), id, OutcomeService.read(Input.form(ctx), true, today()));
    } catch (AppException e) {
      saved = Future.failedFuture(e);
    }
    saved.onSuccess(o -> Web.redirect(ctx, "/outcomes/" + id + "?saved=1"))
        .onFailure(err -> reRender(ctx, values, err, id));
  }

  /** Shows the form again: with the input and field messages, or (conflict) with the stored values. */
  private void reRender(RoutingContext ctx, Map<String, Object> values, Throwable err, Long id) {
    if (!(err instanceof AppException e) || (e.kind() != ErrorKind.INVALID && e.kind() != ErrorKind.CONFLICT)) {
      ctx.fail(err);
      return;
    }
    Principal me = Security.require(ctx);
    Future<OutcomeStore.MeetingRef> meeting;
    if (id != null) {
      meeting = outcomes.byId(app.pool(), id).compose(o -> meetingOf(me, o.getLong("meetingId")));
    } else if (values.get("meetingId") instanceof Long mid) {
      meeting = meetingOf(me, mid);
    } else {
      meeting = Future.failedFuture(err);
    }
    Map<String, Object> shown = err instanceof OutcomeService.OutcomeConflict c ? new HashMap<>(c.current().getMap()) : values;
    meeting.onFailure(ctx::fail).onSuccess(m -> {
      Map<String, Object> model = formModel(m, shown);
      if (err instanceof OutcomeService.OutcomeConflict c) {
        model.put(OutcomeStatus.REFERRED.key().equals(c.current().getString("status")) ? "conflict" : "notReferred", true);
      } else {
        model.put("errors", app.web().messages(ctx, e.fields()));
      }
      app.web().page(ctx, e.kind().status, "outcome/form", model);
    });
  }

  private void viewPage(RoutingContext ctx) {
    renderView(ctx, 200, Map.of(), Map.of(), null);
  }

  /**
   * The outcome with its history, the form of each next step (keeping what was typed and the field
   * messages when a step was refused), and for staff the typical-case switch.
   */
  private void renderView(RoutingContext ctx, int status, Map<String, String> errors, Map<String, Object> typed,
                          String failedAction) {
    Principal me = Security.require(ctx);
    outcomes.get(Access.pathId(ctx)).compose(o -> outcomes.namable(o.getString("districtCode")).map(c -> o.put("namable", c)))
        .onFailure(ctx::fail).onSuccess(o -> {
      Map<String, Object> model = choices();
      List<Long> suggesterIds = ids(o.getJsonArray("suggesters"));
      List<Long> typicalIds = ids(o.getJsonArray("typicalMembers"));
      JsonArray namable = new JsonArray();
      o.getJsonArray("namable").forEach(x -> {
        JsonObject m = ((JsonObject) x).copy();
        namable.add(m.put("suggester", suggesterIds.contains(m.getLong("id"))).put("inCase", typicalIds.contains(m.getLong("id"))));
      });
      model.put("namable", Web.rows(namable));
      model.put("suggesters", Web.rows(o.getJsonArray("suggesters")));
      model.put("typicalMembers", Web.rows(o.getJsonArray("typicalMembers")));
      model.put("outcome", o.getMap());
      model.put("history", Web.rows(o.getJsonArray("history")));
      OutcomeStatus st = OutcomeStatus.fromKey(o.getString("status"));
      model.put("steps", st.next(o.getString("answer")).stream().map(OutcomeStatus.Action::key).toList());
      model.put("editable", st == OutcomeStatus.REFERRED);
      model.put("mayMarkTypical", OutcomeService.mayMarkTypical(me));
      model.put("saved", ctx.request().getParam("saved") != null);
      model.put("errors", errors);
      model.put("typed", typed);
      model.put("failedAction", failedAction == null ? "" : failedAction);
      app.web().page(ctx, status, "outcome/view", model);
    });
  }

  private void transitionFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Map<String, Object> typed = formValues(ctx, STEP_FIELDS);
    String actionKey = ctx.request().getFormAttribute("action");
    Future<JsonObject> done;
    try {
      done = outcomes.transition(Security.require(ctx), id, OutcomeService.readStep(Input.form(ctx)));
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(o -> Web.redirect(ctx, "/outcomes/" + id)).onFailure(err -> stepFailed(ctx, err, typed, actionKey));
  }

  private void stepFailed(RoutingContext ctx, Throwable err, Map<String, Object> typed, String actionKey) {
    if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
      // after a conflict the page shows the stored outcome; what was typed is kept only for field errors
      renderView(ctx, e.kind().status, app.web().messages(ctx, e.fields()),
          e.kind() == ErrorKind.INVALID ? typed : Map.of(), actionKey);
    } else {
      ctx.fail(err);
    }
  }

  private static List<Long> ids(JsonArray members) {
    List<Long> out = new ArrayList<>();
    members.forEach(m -> out.add(((JsonObject) m).getLong("id")));
    return out;
  }

  /**
   * The outcome page's members form: the checked {@code suggesters}, and for staff on a typical case
   * the checked {@code typicalMembers} (the form says it shows them with {@code typicalShown}); each
   * list replaces what was named, as {@code PUT /api/v1/outcomes/:id/members} does.
   */
  private void membersFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    Input in = Input.form(ctx);
    List<Long> suggesters = formIds(in, ctx, "suggesters");
    List<Long> typical = "1".equals(ctx.request().getFormAttribute("typicalShown")) ? formIds(in, ctx, "typicalMembers") : null;
    Future<JsonObject> done = in.ok() ? outcomes.setMembers(Security.require(ctx), id, suggesters, typical)
        : Future.failedFuture(AppException.invalid(in.errors()));
    done.onSuccess(o -> Web.redirect(ctx, "/outcomes/" + id)).onFailure(err -> {
      if (err instanceof AppException e && e.kind() == ErrorKind.INVALID) { // suggesters[1] is shown at suggesters
        renderView(ctx, e.kind().status, Web.listFieldsOnce(app.web().messages(ctx, e.fields())), Map.of(), "members");
      } else {
        stepFailed(ctx, err, Map.of(), "members");
      }
    });
  }

  /** The checked ids of a checkbox list (at most 50); anything but an id is a 422 naming the field. */
  private static List<Long> formIds(Input in, RoutingContext ctx, String field) {
    List<String> raw = ctx.request().formAttributes().getAll(field);
    List<Long> out = new ArrayList<>();
    if (raw.size() > 50) {
      in.reject(field, "field.tooMany", 50);
      return out;
    }
    for (String v : raw) {
      if (Params.isId(v)) {
        out.add(Long.valueOf(v));
      } else {
        in.reject(field, "field.notList");
      }
    }
    return out;
  }

  private void typicalFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    if (!OutcomeService.mayMarkTypical(Security.require(ctx))) {
      throw AppException.forbidden("Only committee staff mark typical cases");
    }
    Input in = Input.form(ctx);
    Boolean typical = in.optionalBool("typical");
    if (typical == null && !in.failed("typical")) {
      in.reject("typical", "field.required");
    }
    Long version = in.optionalLong("version", 1, Integer.MAX_VALUE);
    Future<JsonObject> done = in.ok()
        ? outcomes.setTypical(Security.require(ctx), id, typical, version == null ? null : version.intValue())
        : Future.failedFuture(AppException.invalid(in.errors()));
    done.onSuccess(o -> Web.redirect(ctx, "/outcomes/" + id)).onFailure(err -> stepFailed(ctx, err, Map.of(), "typical"));
  }
}
