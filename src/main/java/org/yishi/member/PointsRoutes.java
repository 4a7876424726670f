package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Staff: committees' points rules by year, a member's yearly record with points, and the ranking of members. */
public final class PointsRoutes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private final App app;
  private final MemberStore members;
  private final PdfRendering pdf;

  public PointsRoutes(App app, PdfRendering pdf) {
    this.app = app;
    this.members = new MemberStore(app.pool());
    this.pdf = pdf;
  }

  /** The routes; the composition root builds one instance per HTTP verticle. */
  public Router router() {
    PointsRoutes routes = this;
    Access.ScopeResolver committee = Access.byId(id -> routes.members.committee(app.pool(), id)
        .map(c -> c == null ? null : Access.Scope.division(c.getString("divisionCode"))));
    Access.ScopeResolver member = Access.byId(id -> routes.members.divisionOf(id)
        .map(code -> code == null ? null : Access.Scope.division(code)));
    SecureRouter r = app.secureRouter();
    r.get("/api/v1/committees/:id/points-rules", STAFF.scoped(committee), ApiQuery.of("year"), routes::rulesApi);
    r.put("/api/v1/committees/:id/points-rules", STAFF.scoped(committee), routes::replaceRulesApi);
    r.get("/api/v1/members/:id/record", STAFF.scoped(member), ApiQuery.of("year"), routes::recordApi);
    r.get("/api/v1/members/:id/record/pdf", STAFF.scoped(member), ApiQuery.of("year"), ctx -> routes.document(ctx, Access.pathId(ctx), "pdf"));
    r.get("/api/v1/members/:id/record/xlsx", STAFF.scoped(member), ApiQuery.of("year"), ctx -> routes.document(ctx, Access.pathId(ctx), "xlsx"));
    r.get("/api/v1/member-ranking", STAFF, ApiQuery.of("division", "year"), routes::rankingApi);
    r.get("/member-ranking", STAFF, routes::rankingPage);
    r.get("/members/:id/record", STAFF.scoped(member), routes::recordPage);
    r.get("/members/:id/record/pdf", STAFF.scoped(member), ctx -> routes.document(ctx, Access.pathId(ctx), "pdf"));
    r.get("/members/:id/record/xlsx", STAFF.scoped(member), ctx -> routes.document(ctx, Access.pathId(ctx), "xlsx"));
    return r.router();
  }

  /** The {@code year} query parameter (default this year in the node's zone), 2000 to next year. */
  int year(String raw) {
    int now = LocalDate.now(app.config().zone()).getYear();
    if (raw == null || raw.isBlank()) {
      return now;
    }
    String y = raw.strip();
    if (!y.matches("\\d{4}") || Integer.parseInt(y) < 2000 || Integer.parseInt(y) > now + 1) {
      throw AppException.invalid("year", "my.record.year", 2000, now + 1);
    }
    return Integer.parseInt(y);
  }

  private void rulesApi(RoutingContext ctx) {
    int year = year(ctx.request().getParam("year"));
    MemberPoints.rules(app.pool(), Access.pathId(ctx), year).onSuccess(r -> Json.ok(ctx, r)).onFailure(ctx::fail);
  }

  private void replaceRulesApi(RoutingContext ctx) {
    // a JSON object (400 otherwise) whose year, a whole number from 2000 to next year, is required
    org.yishi.platform.web.Input in = org.yishi.platform.web.Input.json(ctx);
    Long givenYear = in.optionalLong("year", 2000, LocalDate.now(app.config().zone()).getYear() + 1L);
    if (givenYear == null && !in.failed("year")) {
      in.reject("year", "field.required");
    }
    in.done();
    int year = givenYear.intValue();
    List<MemberPoints.Rule> rules = MemberPoints.read(ctx.body().asJsonObject().getValue("rules"));
    long committee = Access.pathId(ctx);
    Principal actor = Security.require(ctx);
    JsonArray after = new JsonArray();
    rules.forEach(r -> after.add(r.toJson()));
    app.pool().withTransaction(tx -> MemberPoints.rules(tx, committee, year)
            .compose(before -> MemberPoints.replace(tx, committee, year, rules)
                .compose(v -> AuditLog.record(tx, AuditEntry.by(actor, "points.rules", "committee", committee, null,
                    before, new JsonObject().put("year", year).put("rules", after))))
                .compose(v -> MemberPoints.rules(tx, committee, year))))
        .onSuccess(r -> Json.ok(ctx, r)).onFailure(ctx::fail);
  }

  private void recordApi(RoutingContext ctx) {
    int year = year(ctx.request().getParam("year"));
    fullRecord(Access.pathId(ctx), year).onSuccess(r -> Json.ok(ctx, r)).onFailure(ctx::fail);
  }

  /** A member's yearly record with points and names, for the documents. */
  Future<JsonObject> fullRecord(long id, int year) {
    return Future.all(members.byId(app.pool(), id), MemberPoints.recordWithPoints(app.pool(), id, year))
        .map(all -> ((JsonObject) all.resultAt(1)).put("name", ((JsonObject) all.resultAt(0)).getString("name"))
            .put("committeeName", ((JsonObject) all.resultAt(0)).getString("committeeName")));
  }

  /** The yearly record of member {@code id} as a PDF or XLSX download. */
  void document(RoutingContext ctx, long id, String kind) {
    int year = year(ctx.request().getParam("year"));
    java.util.Locale locale = org.yishi.platform.web.Web.locale(ctx);
    fullRecord(id, year)
        .compose(rec -> app.vertx().executeBlocking(() -> "pdf".equals(kind)
            ? RecordDocuments.pdf(locale, rec, pdf) : RecordDocuments.xlsx(locale, rec), false))
        .onFailure(ctx::fail)
        .onSuccess(bytes -> ctx.response()
            .putHeader("Content-Type", "pdf".equals(kind) ? "application/pdf"
                : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .putHeader("Content-Disposition", "attachment; filename=\"member-" + id + "-" + year + "." + kind + "\"")
            .end(io.vertx.core.buffer.Buffer.buffer(bytes)));
  }

  private void rankingPage(RoutingContext ctx) {
    int year;
    try {
      year = year(ctx.request().getParam("year"));
    } catch (AppException e) {
      year = LocalDate.now(app.config().zone()).getYear();
    }
    Principal me = Security.require(ctx);
    int shown = year;
    ranking(me.jurisdiction().isAll() ? "" : me.jurisdiction().sqlPrefix(), year).onFailure(ctx::fail).onSuccess(list -> {
      Map<String, Object> model = new HashMap<>();
      model.put("year", shown);
      model.put("items", org.yishi.platform.web.Web.rows(list));
      app.web().page(ctx, "member/ranking", model);
    });
  }

  private void recordPage(RoutingContext ctx) {
    int year = year(ctx.request().getParam("year"));
    long id = Access.pathId(ctx);
    Future.all(members.byId(app.pool(), id), fullRecord(id, year)).onFailure(ctx::fail).onSuccess(all -> {
      JsonObject record = all.resultAt(1);
      Map<String, Object> model = new HashMap<>();
      model.put("member", ((JsonObject) all.resultAt(0)).getMap());
      model.put("record", record.getMap());
      model.put("year", year);
      model.put("points", record.getJsonObject("points").getLong("total"));
      model.put("pointLines", org.yishi.platform.web.Web.rows(record.getJsonObject("points").getJsonArray("lines")));
      model.put("configured", record.getJsonObject("points").getBoolean("configured"));
      model.put("base", "/members/" + id + "/record");
      app.web().page(ctx, "member/record", model);
    });
  }

  private void rankingApi(RoutingContext ctx) {
    int year = year(ctx.request().getParam("year"));
    Principal me = Security.require(ctx);
    String division = ctx.request().getParam("division");
    if (division != null && !division.matches("\\d{12}")) {
      throw AppException.invalid("division", "field.scope.format");
    }
    if (division != null) {
      me.jurisdiction().requireDivision(division);
    }
    String prefix = division != null ? Jurisdiction.prefixOf(division) : me.jurisdiction().isAll() ? "" : me.jurisdiction().sqlPrefix();
    ranking(prefix, year).onSuccess(list -> Json.ok(ctx, new JsonObject().put("year", year).put("items", list))).onFailure(ctx::fail);
  }

  /** Active members of the committees inside {@code prefix}, by points (then name), with each one's counts and points. */
  public Future<JsonArray> ranking(String prefix, int year) {
    return app.pool().preparedQuery("""
            WITH y AS (SELECT make_timestamptz($2, 1, 1, 0, 0, 0, current_setting('TimeZone')) AS from_at,
                              make_timestamptz($2 + 1, 1, 1, 0, 0, 0, current_setting('TimeZone')) AS to_at),
                 mem AS (SELECT mb.id, mb.name, mb.committee_id, c.name AS committee_name FROM member mb
                           JOIN committee c ON c.id = mb.committee_id WHERE mb.active AND c.division_code LIKE $1 || '%'),
                 ym AS NOT MATERIALIZED (SELECT m.id, m.status FROM meeting m, y WHERE m.starts_at >= y.from_at AND m.starts_at < y.to_at)
            SELECT mem.id, mem.name, mem.committee_id, mem.committee_name,
                   (SELECT count(*) FROM meeting_attendee a JOIN ym ON ym.id = a.meeting_id WHERE a.member_id = mem.id AND ym.status = 'held'),
                   (SELECT count(*) FROM meeting_checkin c JOIN ym ON ym.id = c.meeting_id WHERE c.member_id = mem.id),
                   (SELECT count(*) FROM meeting_member_reply rp JOIN ym ON ym.id = rp.meeting_id WHERE rp.member_id = mem.id AND rp.reply = 'confirmed'),
                   (SELECT count(*) FROM outcome o JOIN meeting_attendee a ON a.meeting_id = o.meeting_id JOIN ym ON ym.id = o.meeting_id
                     WHERE a.member_id = mem.id)
              FROM mem""")
        .execute(Tuple.of(prefix, year))
        .compose(rows -> {
          List<JsonObject> list = new ArrayList<>();
          rows.forEach(r -> list.add(new JsonObject().put("memberId", r.getLong(0)).put("name", r.getString(1))
              .put("committeeId", r.getLong(2)).put("committeeName", r.getString(3)).put("attended", r.getLong(4))
              .put("checkins", r.getLong(5)).put("confirmed", r.getLong(6)).put("outcomes", r.getLong(7))));
          Map<Long, Future<JsonObject>> rules = new HashMap<>();
          list.forEach(m -> rules.computeIfAbsent(m.getLong("committeeId"), c -> MemberPoints.rules(app.pool(), c, year)));
          return Future.all(new ArrayList<>(rules.values())).map(v -> {
            list.forEach(m -> {
              JsonObject set = rules.get(m.getLong("committeeId")).result();
              m.put("points", MemberPoints.apply(m, MemberPoints.fromJson(set), set.getBoolean("configured")).getLong("total"));
            });
            list.sort((a, b) -> b.getLong("points").equals(a.getLong("points")) ? a.getString("name").compareTo(b.getString("name"))
                : Long.compare(b.getLong("points"), a.getLong("points")));
            JsonArray out = new JsonArray();
            for (int i = 0; i < list.size(); i++) {
              out.add(list.get(i).put("rank", i + 1));
            }
            return out;
          });
        });
  }
}
