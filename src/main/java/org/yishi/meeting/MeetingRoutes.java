package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorHandler;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.CollectionRoutes;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;
import org.yishi.platform.vocabulary.MeetingFormat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scheduling meetings (API and pages), the month/week calendar, iCalendar feeds that calendar
 * apps subscribe to with a personal link ({@link CalendarFeeds}), and the user's in-app notifications.
 */
public record MeetingRoutes(App app, MeetingService meetings, CommitteeMembers members, CalendarFeeds feeds)
    implements Routes {
  private static final Access ANYONE = Access.signedIn();
  /** Empty rows the parties form offers for adding a party, and the most rows it reads. */
  private static final int BLANK_PARTY_ROWS = 2;
  private static final int MAX_PARTY_ROWS = 60;

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver meeting = scope(meetings);
    CollectionRoutes.api(r, "/api/v1/meetings", ANYONE, ANYONE.scoped(meeting),
        ApiQuery.of("from", "to", "stationId").alias("station", "stationId"),
        new CollectionRoutes.Api(this::listApi, this::scheduleApi, this::getApi, null, null));
    r.post("/api/v1/meetings/:id/reschedule", ANYONE.scoped(meeting), this::rescheduleApi);
    r.post("/api/v1/meetings/:id/cancel", ANYONE.scoped(meeting), this::cancelApi);
    r.put("/api/v1/meetings/:id/participants", ANYONE.scoped(meeting), this::participantsApi);
    r.get("/api/v1/notifications", ANYONE, this::notificationsApi);
    r.post("/api/v1/notifications/:id/read", ANYONE, this::markReadApi);

    CollectionRoutes.pages(r, "/meetings", ANYONE, ANYONE.scoped(meeting),
        new CollectionRoutes.Pages(null, this::newPage, this::scheduleFromForm, this::viewPage, null, null, null));
    r.post("/meetings/:id/reschedule", ANYONE.scoped(meeting), this::rescheduleFromForm);
    r.post("/meetings/:id/cancel", ANYONE.scoped(meeting), this::cancelFromForm);
    r.post("/meetings/:id/participants", ANYONE.scoped(meeting), this::participantsFromForm);
    r.get("/calendar", ANYONE, this::calendarPage);
    // answers carrying a new feed link are never kept by the idempotency step
    r.secret(HttpMethod.POST, "/calendar/feeds", ANYONE, this::createFeedFromForm);
    r.get("/calendar/feed/:file", Access.open("calendar apps subscribe with a personal link, without a session"),
        this::feed);
    r.get("/account/feeds", ANYONE, this::feedsPage);
    r.post("/account/feeds/:id/revoke", ANYONE, this::revokeFeedFromForm);
    r.get("/notifications", ANYONE, this::notificationsPage);
  }

  /** Where the meeting in the path ({@code :id}) lies: its station and division. */
  static Access.ScopeResolver scope(MeetingService meetings) {
    return Access.byId(id -> meetings.scopeOf(id).map(s -> s == null ? null : Access.Scope.station((Long) s[0], (String) s[1])));
  }

  static Long id(RoutingContext ctx) {
    return Access.pathId(ctx);
  }

  private OffsetDateTime now() {
    return OffsetDateTime.now(meetings.zone());
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    Input q = Input.of(Map.of(
        "from", String.valueOf(ctx.request().getParam("from")), "to", String.valueOf(ctx.request().getParam("to"))));
    OffsetDateTime from = ctx.request().getParam("from") == null ? now().minusDays(30) : MeetingService.time(q, "from", meetings.zone());
    OffsetDateTime to = ctx.request().getParam("to") == null ? now().plusDays(90) : MeetingService.time(q, "to", meetings.zone());
    q.done();
    if (!to.isAfter(from) || to.isAfter(from.plusDays(400))) {
      throw AppException.invalid("to", "field.meeting.range");
    }
    Long station = Params.id(ctx, "stationId");
    Principal me = Security.require(ctx);
    // a station outside the caller's jurisdiction is refused as its own path would be (404 unknown, 403 outside)
    (station == null ? Future.<CalendarFeeds.Place>succeededFuture() : feeds.visibleTo(me, new CalendarFeeds.Unit(station, null)))
        .compose(v -> meetings.between(me.jurisdiction(), station, null, from, to, true))
        .onSuccess(items -> Json.ok(ctx, new JsonObject().put("items", items)))
        .onFailure(ctx::fail);
  }

  private void scheduleApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    JsonObject body = ctx.body().asJsonObject();
    Object raw = body == null ? null : body.getValue("participants");
    if (raw != null && !(raw instanceof JsonArray)) {
      throw AppException.invalid("participants", "field.meeting.participant");
    }
    MeetingService.MeetingInput input = meetings.read(in, MeetingService.participants(raw), now());
    meetings.schedule(Security.require(ctx), input)
        .onSuccess(m -> Json.created(ctx, "/api/v1/meetings/" + m.getLong("id"), m))
        .onFailure(err -> answerClash(ctx, err));
  }

  /** 409 with what is in the way, as far as the caller may see it ({@link MeetingService.Clash#shown}). */
  private static void answerClash(RoutingContext ctx, Throwable err) {
    if (err instanceof MeetingService.Clash clash) {
      Json.send(ctx, 409, ErrorHandler.body(clash).put("clash", clash.shown()));
    } else {
      ctx.fail(err);
    }
  }

  private void getApi(RoutingContext ctx) {
    Json.answer(ctx, meetings.byId(app.pool(), id(ctx)));
  }

  private record Move(OffsetDateTime starts, OffsetDateTime ends, String reason, int version) {
  }

  private Move readMove(Input in) {
    OffsetDateTime starts = MeetingService.time(in, "startsAt", meetings.zone());
    OffsetDateTime ends = MeetingService.time(in, "endsAt", meetings.zone());
    MeetingService.checkTimes(in, starts, ends, now());
    String reason = in.reason(500);
    Long version = in.version();
    in.done();
    return new Move(starts, ends, reason, version.intValue());
  }

  private void rescheduleApi(RoutingContext ctx) {
    Move move = readMove(Input.json(ctx));
    meetings.reschedule(Security.require(ctx), id(ctx), move.starts(), move.ends(), move.reason(), move.version())
        .onSuccess(m -> Json.ok(ctx, m))
        .onFailure(err -> answerClash(ctx, err));
  }

  /** {@code {"participants": [{role, name, organisation?, contact?}]}}: the meeting's five parties, corrected. */
  private void participantsApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    Object raw = ctx.body().asJsonObject().getValue("participants");
    if (!(raw instanceof io.vertx.core.json.JsonArray)) {
      in.reject("participants", "field.required");
    }
    Json.answer(ctx, meetings.replaceParticipants(Security.require(ctx), id(ctx), in, MeetingService.participants(raw)));
  }

  private void cancelApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    String reason = in.reason(500);
    in.done();
    Json.answer(ctx, meetings.cancel(Security.require(ctx), id(ctx), reason));
  }

  private Future<JsonArray> notifications(Principal me) {
    return app.pool().preparedQuery("""
            SELECT id, kind, title, body, link, created_at, read_at FROM notification
             WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100""")
        .execute(Tuple.of(me.id()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong(0)).put("kind", r.getString(1))
              .put("title", r.getString(2)).put("body", r.getString(3)).put("link", r.getString(4))
              .put("createdAt", org.yishi.platform.Times.iso(r.getOffsetDateTime(5), meetings.zone())).put("read", r.getValue(6) != null)));
          return out;
        });
  }

  private void notificationsApi(RoutingContext ctx) {
    notifications(Security.require(ctx)).onSuccess(items -> Json.ok(ctx, new JsonObject().put("items", items)))
        .onFailure(ctx::fail);
  }

  private void markReadApi(RoutingContext ctx) {
    Long id = id(ctx);
    if (id == null) {
      throw AppException.notFound("No such notification");
    }
    app.pool().preparedQuery("UPDATE notification SET read_at = coalesce(read_at, now()) WHERE id = $1 AND account_id = $2")
        .execute(Tuple.of(id, Security.require(ctx).id()))
        .onFailure(ctx::fail)
        .onSuccess(rows -> {
          if (rows.rowCount() == 0) {
            ctx.fail(AppException.notFound("No such notification"));
          } else {
            // the caller's unread notifications (their work queue) are read afresh on every node
            app.events().publish(DomainEvent.NOTIFICATIONS_CHANGED, new JsonObject().put("accountId", Security.require(ctx).id()));
            Json.noContent(ctx);
          }
        });
  }

  // ------------------------------------------------------------------ pages

  private Future<Map<String, Object>> formModel(RoutingContext ctx, Map<String, Object> values) {
    Principal me = Security.require(ctx);
    String district = me.scopeCode() != null && Jurisdiction.prefixOf(me.scopeCode()).length() == 6 ? me.scopeCode() : null;
    Future<JsonArray> topics = meetings.approvedTopics(me.jurisdiction());
    Future<JsonArray> candidates = district == null ? Future.succeededFuture(new JsonArray()) : members.candidatesFor(district);
    return Future.all(topics, candidates).map(v -> {
      Map<String, Object> model = new HashMap<>();
      Object topic = values.get("topicId");
      values.put("topicIdNumber", topic instanceof String s && Params.isId(s) ? Long.valueOf(s) : null);
      model.put("meeting", values);
      model.put("topics", Web.rows(topics.result()));
      model.put("candidates", Web.rows(candidates.result()));
      model.put("kinds", MeetingService.KINDS);
      model.put("formats", MeetingFormat.keys());
      model.put("roles", MeetingService.ROLES);
      return model;
    });
  }

  private void newPage(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    values.put("topicId", ctx.request().getParam("topic"));
    values.put("format", "on_site");
    formModel(ctx, values).onFailure(ctx::fail).onSuccess(model -> app.web().page(ctx, "meeting/form", model));
  }

  private void scheduleFromForm(RoutingContext ctx) {
    Map<String, Object> values = new HashMap<>();
    ctx.request().formAttributes().forEach(e -> values.putIfAbsent(e.getKey(), e.getValue()));
    values.put("memberIds", ctx.request().formAttributes().getAll("memberIds"));
    List<JsonObject> parties = new ArrayList<>();
    for (String role : MeetingService.ROLES) {
      String name = ctx.request().getFormAttribute(role + "_name");
      if (!Text.blank(name)) {
        parties.add(new JsonObject().put("role", role).put("name", Text.strip(name))
            .put("organisation", Text.orNull(ctx.request().getFormAttribute(role + "_org")))
            .put("contact", Text.orNull(ctx.request().getFormAttribute(role + "_contact"))));
      }
    }
    Future<JsonObject> done;
    try {
      done = meetings.schedule(Security.require(ctx), meetings.read(Input.form(ctx), parties, now()));
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(m -> Web.redirect(ctx, "/meetings/" + m.getLong("id")))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
            formModel(ctx, values).onFailure(ctx::fail).onSuccess(model -> {
              model.put("errors", Web.listFieldsOnce(app.web().messages(ctx, e.fields())));
              if (err instanceof MeetingService.Clash clash) {
                model.put("clash", clash.shown().getMap());
              }
              app.web().page(ctx, e.kind().status, "meeting/form", model);
            });
          } else {
            ctx.fail(err);
          }
        });
  }

  private void viewPage(RoutingContext ctx) {
    renderView(ctx, 200, Map.of());
  }

  private void renderView(RoutingContext ctx, int status, Map<String, String> errors) {
    renderView(ctx, status, errors, null);
  }

  /** The meeting's page; {@code partyRows} are the parties form's rows as posted (null: the meeting's parties). */
  private void renderView(RoutingContext ctx, int status, Map<String, String> errors, List<JsonObject> partyRows) {
    meetings.byId(app.pool(), id(ctx)).onFailure(ctx::fail).onSuccess(m -> {
      Map<String, Object> model = new HashMap<>();
      model.put("meeting", m.getMap());
      model.put("participants", Web.rows(m.getJsonArray("participants")));
      List<JsonObject> rows = new ArrayList<>();
      if (partyRows == null) {
        m.getJsonArray("participants").forEach(p -> rows.add((JsonObject) p));
      } else {
        rows.addAll(partyRows);
      }
      for (int i = 0; i < BLANK_PARTY_ROWS; i++) { // room to add a party
        rows.add(new JsonObject());
      }
      model.put("partyRows", Web.rows(new JsonArray(rows)));
      model.put("roles", MeetingService.ROLES);
      model.put("members", Web.rows(m.getJsonArray("members")));
      model.put("history", Web.rows(m.getJsonArray("history")));
      model.put("startsLocal", m.getString("startsAt").substring(0, 16));
      model.put("endsLocal", m.getString("endsAt").substring(0, 16));
      model.put("errors", errors);
      app.web().page(ctx, status, "meeting/view", model);
    });
  }

  private void rescheduleFromForm(RoutingContext ctx) {
    Move move;
    try {
      move = readMove(Input.form(ctx));
    } catch (AppException e) {
      renderView(ctx, 422, app.web().messages(ctx, e.fields()));
      return;
    }
    meetings.reschedule(Security.require(ctx), id(ctx), move.starts(), move.ends(), move.reason(), move.version())
        .onSuccess(m -> Web.redirect(ctx, "/meetings/" + id(ctx)))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.CONFLICT || e.kind() == ErrorKind.INVALID)) {
            Map<String, String> errors = new HashMap<>(app.web().messages(ctx, e.fields()));
            if (err instanceof MeetingService.Clash) { // the form shows the clash (station or member) at the new time
              errors.put("startsAt", String.join(" ", app.web().messages(ctx, e.fields()).values()));
            }
            errors.putIfAbsent("startsAt", app.web().message(ctx, "field.stale"));
            renderView(ctx, e.kind().status, errors);
          } else {
            ctx.fail(err);
          }
        });
  }

  /**
   * The parties form of the meeting's page: rows {@code p0_role}, {@code p0_name}, {@code p0_org},
   * {@code p0_contact}, … ({@code rows} of them, at most {@link #MAX_PARTY_ROWS}); a row without a
   * name is left out. Checked and saved as {@code PUT /api/v1/meetings/:id/participants} is.
   */
  private void participantsFromForm(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String count = ctx.request().getFormAttribute("rows");
    int rows = count != null && count.matches("\\d{1,3}") ? Math.min(Integer.parseInt(count), MAX_PARTY_ROWS) : 0;
    List<JsonObject> parties = new ArrayList<>();
    List<JsonObject> posted = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      JsonObject row = new JsonObject().put("role", Text.orNull(ctx.request().getFormAttribute("p" + i + "_role")))
          .put("name", Text.orNull(ctx.request().getFormAttribute("p" + i + "_name")))
          .put("organisation", Text.orNull(ctx.request().getFormAttribute("p" + i + "_org")))
          .put("contact", Text.orNull(ctx.request().getFormAttribute("p" + i + "_contact")));
      if (row.getString("name") != null || row.getString("organisation") != null || row.getString("contact") != null) {
        posted.add(row);
        parties.add(row.getString("name") == null ? new JsonObject() : row); // a contact without a name is reported
      }
    }
    Future<JsonObject> done;
    try {
      if (parties.isEmpty()) {
        in.reject("participants", "field.meeting.partiesRequired");
      }
      done = meetings.replaceParticipants(Security.require(ctx), id(ctx), in, parties);
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(m -> Web.redirect(ctx, "/meetings/" + id(ctx)))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.CONFLICT || e.kind() == ErrorKind.INVALID)) {
            String shown = e.kind() == ErrorKind.CONFLICT ? app.web().message(ctx, "field.meeting.partiesCancelled")
                : String.join(" ", Web.listFieldsOnce(app.web().messages(ctx, e.fields())).values());
            renderView(ctx, e.kind().status, Map.of("participants", shown), posted);
          } else {
            ctx.fail(err);
          }
        });
  }

  private void cancelFromForm(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String reason = in.optionalText("reason", 500, true);
    if (reason == null || !"on".equals(ctx.request().getFormAttribute("confirm"))) {
      renderView(ctx, 422, Map.of("cancel", app.web().message(ctx, "field.meeting.cancelConfirm")));
      return;
    }
    meetings.cancel(Security.require(ctx), id(ctx), reason)
        .onSuccess(m -> Web.redirect(ctx, "/meetings/" + id(ctx)))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.CONFLICT) {
            renderView(ctx, 409, Map.of("cancel", app.web().message(ctx, "field.meeting.notScheduled")));
          } else {
            ctx.fail(err);
          }
        });
  }

  /**
   * Month (default) or week view of the meetings inside the caller's jurisdiction, optionally of one
   * station or one division (both inside the caller's jurisdiction: 403 outside, 404 for an unknown
   * station), with a button that makes the caller's personal feed link for that unit. Every parameter
   * is checked: a malformed one (or a year outside 2000-2100) is a 422 naming it.
   */
  private void calendarPage(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    String view = Params.oneOf(ctx, "view", "month", Set.of("month", "week"));
    LocalDate start;
    LocalDate end;
    if ("week".equals(view)) {
      LocalDate day = Params.date(ctx, "date", LocalDate.now(meetings.zone()));
      start = day.with(DayOfWeek.MONDAY);
      end = start.plusDays(7);
    } else {
      YearMonth month = Params.month(ctx, "month", YearMonth.now(meetings.zone()));
      start = month.atDay(1).with(DayOfWeek.MONDAY);
      end = month.atEndOfMonth().with(DayOfWeek.SUNDAY).plusDays(1);
    }
    Long stationId = Params.id(ctx, "station");
    String district = Params.divisionCode(ctx, "district");
    String within = district == null ? null : Jurisdiction.prefixOf(district);
    OffsetDateTime from = start.atStartOfDay(meetings.zone()).toOffsetDateTime();
    OffsetDateTime to = end.atStartOfDay(meetings.zone()).toOffsetDateTime();
    LocalDate first = start;
    LocalDate last = end;
    Future<CalendarFeeds.Place> station = stationId == null ? Future.succeededFuture()
        : feeds.visibleTo(me, new CalendarFeeds.Unit(stationId, null));
    Future<CalendarFeeds.Place> division = district == null ? Future.succeededFuture()
        : feeds.visibleTo(me, new CalendarFeeds.Unit(null, district));
    Future<JsonArray> mine = stationId == null && district == null ? Future.succeededFuture(new JsonArray()) : feeds.of(me.id());
    Future.all(station, division)
        .compose(v -> Future.all(meetings.between(me.jurisdiction(), stationId, within, from, to, false), mine))
        .onFailure(ctx::fail)
        .onSuccess(both -> {
          JsonArray found = both.resultAt(0);
          Map<LocalDate, List<Map<String, Object>>> byDay = new LinkedHashMap<>();
          for (LocalDate d = first; d.isBefore(last); d = d.plusDays(1)) {
            byDay.put(d, new ArrayList<>());
          }
          for (Object o : found) {
            JsonObject m = (JsonObject) o;
            LocalDate day = OffsetDateTime.parse(m.getString("startsAt")).atZoneSameInstant(meetings.zone()).toLocalDate();
            Map<String, Object> row = new HashMap<>(m.getMap());
            row.put("time", m.getString("startsAt").substring(11, 16));
            byDay.computeIfAbsent(day, k -> new ArrayList<>()).add(row);
          }
          List<List<Map<String, Object>>> weeks = new ArrayList<>();
          List<Map<String, Object>> week = new ArrayList<>();
          for (Map.Entry<LocalDate, List<Map<String, Object>>> e : byDay.entrySet()) {
            week.add(Map.of("date", e.getKey().toString(), "day", e.getKey().getDayOfMonth(), "meetings", e.getValue()));
            if (week.size() == 7) {
              weeks.add(week);
              week = new ArrayList<>();
            }
          }
          Map<String, Object> model = new HashMap<>();
          model.put("weeks", weeks);
          model.put("view", view);
          YearMonth shown = YearMonth.from(first.plusDays(7));
          model.put("title", "week".equals(view) ? first + " – " + last.minusDays(1) : shown.toString());
          // the pager stops at the years the calendar accepts
          LocalDate prevWeek = first.minusDays(7);
          LocalDate nextWeek = first.plusDays(7);
          YearMonth prevMonth = shown.minusMonths(1);
          YearMonth nextMonth = shown.plusMonths(1);
          model.put("prev", "week".equals(view) ? (Params.yearAllowed(prevWeek) ? "view=week&date=" + prevWeek : null)
              : (Params.yearAllowed(prevMonth) ? "month=" + prevMonth : null));
          model.put("next", "week".equals(view) ? (Params.yearAllowed(nextWeek) ? "view=week&date=" + nextWeek : null)
              : (Params.yearAllowed(nextMonth) ? "month=" + nextMonth : null));
          String filter = (stationId != null ? "&station=" + stationId : "") + (district != null ? "&district=" + district : "");
          model.put("filter", filter);
          if (stationId != null) {
            model.put("feedUnit", Map.of("name", "station", "value", String.valueOf(stationId)));
          } else if (district != null) {
            model.put("feedUnit", Map.of("name", "district", "value", district));
          }
          // the caller's link for this unit, if any: the page says so instead of making another
          for (Object o : (JsonArray) both.resultAt(1)) {
            JsonObject link = (JsonObject) o;
            boolean same = stationId != null ? stationId.equals(link.getLong("stationId"))
                : district != null && district.equals(link.getString("divisionCode"));
            if (same && link.getBoolean("alive")) {
              model.put("feedExisting", link.getString("createdAt").substring(0, 16).replace('T', ' '));
            }
          }
          app.web().page(ctx, "meeting/calendar", model);
        });
  }

  /**
   * Makes the caller's personal feed link for one station or division inside their jurisdiction
   * (403 outside, 404 for an unknown station; nothing written) and shows it once, on the caller's list of links.
   * Asking again for the same unit gives the link a new token; the old one stops working.
   */
  private void createFeedFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Input in = Input.form(ctx);
    Long station = in.optionalLong("station", 1, Long.MAX_VALUE);
    String district = in.optionalText("district", 12, false);
    if (district != null && !district.matches("\\d{12}")) {
      in.reject("district", "field.scope.format");
    }
    if (station == null && district == null && in.ok()) {
      in.reject("station", "meeting.feed.unit");
    }
    in.done();
    CalendarFeeds.Unit unit = CalendarFeeds.Unit.of(station, station == null ? district : null);
    feeds.issue(me, unit)
        .compose(issued -> feeds.of(me.id()).map(list -> {
          Map<String, Object> model = new HashMap<>();
          model.put("feeds", Web.rows(list));
          model.put("newLink", issued.path());
          model.put("replaced", issued.replaced());
          return model;
        }))
        .onFailure(ctx::fail)
        .onSuccess(model -> {
          ctx.response().putHeader("Cache-Control", "no-store");
          app.web().page(ctx, 201, "meeting/feeds", model);
        });
  }

  /** The caller's own feed links, each with whether it still works, and a button to revoke it. */
  private void feedsPage(RoutingContext ctx) {
    feeds.of(Security.require(ctx).id()).onFailure(ctx::fail).onSuccess(list -> {
      Map<String, Object> model = new HashMap<>();
      model.put("feeds", Web.rows(list));
      model.put("revoked", ctx.request().getParam("revoked") != null);
      app.web().page(ctx, "meeting/feeds", model);
    });
  }

  /** Revokes one of the caller's own links (404 for anybody else's). */
  private void revokeFeedFromForm(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    Long id = id(ctx);
    if (id == null) {
      throw AppException.notFound("No such feed link");
    }
    feeds.revoke(me, me.id(), id).onFailure(ctx::fail).onSuccess(done -> {
      if (done) {
        Web.redirect(ctx, "/account/feeds?revoked");
      } else {
        ctx.fail(AppException.notFound("No such feed link"));
      }
    });
  }

  /**
   * The iCal feed a personal link opens, read with its owner's jurisdiction as it is now. A link that
   * is malformed, unknown, revoked or dead, and the feed links of earlier releases (HMAC-signed), all
   * get the same 404.
   */
  private void feed(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    String token = file != null && file.endsWith(".ics") ? file.substring(0, file.length() - 4) : null;
    feeds.open(token).onFailure(ctx::fail).onSuccess(feed -> {
      if (feed == null) {
        ctx.fail(AppException.notFound("No such feed"));
        return;
      }
      CalendarFeeds.Unit unit = feed.place().unit();
      String within = unit.divisionCode() == null ? null : Jurisdiction.prefixOf(unit.divisionCode());
      OffsetDateTime now = now();
      meetings.between(feed.jurisdiction(), unit.stationId(), within, now.minusDays(90), now.plusDays(400), true)
          .onFailure(ctx::fail)
          .onSuccess(found -> {
            List<JsonObject> list = new ArrayList<>();
            found.forEach(o -> list.add((JsonObject) o));
            ctx.response().putHeader("Content-Type", "text/calendar; charset=utf-8")
                .putHeader("Cache-Control", "private, max-age=300")
                .end(ICal.calendar("议事 " + feed.place().name(), list, Instant.now(), meetings.zone()));
          });
    });
  }

  private void notificationsPage(RoutingContext ctx) {
    notifications(Security.require(ctx)).onFailure(ctx::fail)
        .onSuccess(items -> app.web().page(ctx, "meeting/notifications", Map.of("items", Web.rows(items))));
  }
}
