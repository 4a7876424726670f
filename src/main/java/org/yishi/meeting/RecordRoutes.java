package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Filing a meeting's record (coordinators, on a phone) and returning it for correction (district staff). */
public record RecordRoutes(App app, RecordService records, MeetingService meetings, AttachmentService attachments,
                           CheckinAttendance checkins) implements Routes {
  private static final List<String> ROLES = List.of("members", "residents", "departments", "experts", "others");

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver meeting = MeetingRoutes.scope(meetings);
    Access staff = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF).scoped(meeting);
    r.get("/api/v1/meetings/:id/record", Access.signedIn().scoped(meeting), this::getApi);
    r.put("/api/v1/meetings/:id/record", Access.signedIn().scoped(meeting), this::fileApi);
    r.post("/api/v1/meetings/:id/record/return", staff, this::returnApi);
    r.get("/meetings/:id/record", Access.signedIn().scoped(meeting), this::page);
    r.post("/meetings/:id/record", Access.signedIn().scoped(meeting), this::fileFromForm);
    r.post("/meetings/:id/record/return", staff, this::returnFromForm);
  }

  private OffsetDateTime now() {
    return OffsetDateTime.now(meetings.zone());
  }

  private void getApi(RoutingContext ctx) {
    records.byMeeting(app.pool(), MeetingRoutes.id(ctx)).onFailure(ctx::fail).onSuccess(r -> {
      if (r == null) {
        ctx.fail(AppException.notFound("No record filed for this meeting yet"));
      } else {
        Json.ok(ctx, r);
      }
    });
  }

  private void fileApi(RoutingContext ctx) {
    Input in = Input.json(ctx);
    JsonObject body = ctx.body().asJsonObject();
    Object attendance = body.getValue("attendance");
    if (attendance != null && !(attendance instanceof JsonObject)) {
      throw AppException.invalid("attendance", "field.record.attendance");
    }
    RecordService.RecordInput input = records.read(in,
        attendance == null ? Map.of() : ((JsonObject) attendance).getMap(), body.getValue("outcomes"), now().toLocalDate());
    Json.answer(ctx, records.file(Security.require(ctx), MeetingRoutes.id(ctx), input, now()));
  }

  private record Return(String reason, int version) {
  }

  private static Return readReturn(Input in) {
    String reason = in.reason(1000);
    Long version = in.version();
    in.done();
    return new Return(reason, version.intValue());
  }

  private void returnApi(RoutingContext ctx) {
    Return ret = readReturn(Input.json(ctx));
    Json.answer(ctx, records.returnForCorrection(Security.require(ctx), MeetingRoutes.id(ctx), ret.reason(), ret.version()));
  }

  // ------------------------------------------------------------------ pages

  private void page(RoutingContext ctx) {
    render(ctx, 200, null, Map.of());
  }

  /** The record page: the filed record, or the form (with {@code typed} values after an error). */
  private void render(RoutingContext ctx, int status, Map<String, Object> typed, Map<String, String> errors) {
    long id = MeetingRoutes.id(ctx);
    Future.all(meetings.byId(app.pool(), id), records.byMeeting(app.pool(), id), attachments.list(id),
            checkins.attendance(app.pool(), id))
        .onFailure(ctx::fail)
        .onSuccess(all -> {
          JsonObject meeting = all.resultAt(0);
          JsonObject record = all.resultAt(1);
          Map<String, Object> model = new HashMap<>();
          model.put("meeting", meeting.getMap());
          model.put("invited", Web.rows(meeting.getJsonArray("members")));
          model.put("record", record == null ? null : record.getMap());
          model.put("attendance", record == null ? Map.of() : record.getJsonObject("attendance").getMap());
          boolean editable = record == null || "returned".equals(record.getString("status"));
          model.put("editable", editable && !"cancelled".equals(meeting.getString("status")));
          model.put("started", !OffsetDateTime.parse(meeting.getString("startsAt")).isAfter(now()));
          Map<String, Object> values = typed != null ? typed : defaults(meeting, record);
          JsonObject checkedIn = all.resultAt(3);
          if (typed == null && record == null) { // a first filing starts from the check-ins, for the coordinator to confirm
            checkedIn.getJsonObject("attendance").forEach(e -> values.put("att_" + e.getKey(), e.getValue()));
          }
          model.put("checkedIn", record == null ? checkedIn.getJsonArray("memberIds").getList() : List.of());
          model.put("values", values);
          model.put("errors", errors);
          model.put("roles", ROLES);
          model.put("files", Web.rows(all.resultAt(2)));
          app.web().page(ctx, status, "meeting/record", model);
        });
  }

  private static Map<String, Object> defaults(JsonObject meeting, JsonObject record) {
    Map<String, Object> v = new HashMap<>();
    JsonObject source = record != null ? record : new JsonObject()
        .put("actualStart", meeting.getString("startsAt")).put("actualEnd", meeting.getString("endsAt")).put("held", true);
    v.put("held", source.getBoolean("held", true) ? "true" : "false");
    v.put("actualStart", source.getString("actualStart") == null ? "" : source.getString("actualStart").substring(0, 16));
    v.put("actualEnd", source.getString("actualEnd") == null ? "" : source.getString("actualEnd").substring(0, 16));
    v.put("minutes", source.getString("minutes"));
    v.put("notHeldReason", source.getString("notHeldReason"));
    v.put("suggestionsCount", source.getValue("suggestionsCount"));
    v.put("consensus", Boolean.TRUE.equals(source.getBoolean("consensus")));
    v.put("version", source.getValue("version"));
    JsonObject att = source.getJsonObject("attendance", new JsonObject());
    for (String role : ROLES) {
      v.put("att_" + role, att.getValue(role));
    }
    return v;
  }

  private void fileFromForm(RoutingContext ctx) {
    Map<String, Object> typed = new HashMap<>();
    ctx.request().formAttributes().forEach(e -> typed.putIfAbsent(e.getKey(), e.getValue()));
    typed.put("consensus", "on".equals(ctx.request().getFormAttribute("consensus")));
    Map<String, Object> attendance = new HashMap<>();
    for (String role : ROLES) {
      String raw = ctx.request().getFormAttribute("att_" + role);
      if (!Text.blank(raw)) {
        attendance.put(role, Text.strip(raw).matches("\\d{1,9}") ? Long.valueOf(Text.strip(raw)) : raw);
      }
    }
    Future<JsonObject> filed;
    try {
      filed = records.file(Security.require(ctx), MeetingRoutes.id(ctx), records.read(Input.form(ctx), attendance), now());
    } catch (AppException e) {
      filed = Future.failedFuture(e);
    }
    filed.onSuccess(r -> Web.redirect(ctx, "/meetings/" + MeetingRoutes.id(ctx) + "/record"))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
            render(ctx, e.kind().status, typed, app.web().messages(ctx, e.fields()));
          } else {
            ctx.fail(err);
          }
        });
  }

  private void returnFromForm(RoutingContext ctx) {
    Return ret;
    try {
      ret = readReturn(Input.form(ctx));
    } catch (AppException e) {
      render(ctx, 422, null, Map.of("return", app.web().message(ctx, "field.station.reason")));
      return;
    }
    records.returnForCorrection(Security.require(ctx), MeetingRoutes.id(ctx), ret.reason(), ret.version())
        .onSuccess(r -> Web.redirect(ctx, Web.backOr(ctx, "/meetings/" + MeetingRoutes.id(ctx) + "/record")))
        .onFailure(err -> {
          if (err instanceof AppException e && e.kind() == ErrorKind.CONFLICT) {
            render(ctx, 409, null, Map.of("return", app.web().message(ctx, "field.stale")));
          } else {
            ctx.fail(err);
          }
        });
  }
}
