package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
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
public record PointsRoutes(App app, MemberStore members, PdfRendering pdf, MemberContributions contributions) implements Routes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);

  public PointsRoutes(App app, PdfRendering pdf, MemberContributions contributions) {
    this(app, new MemberStore(app.pool()), pdf, contributions);
  }

  /** A member's record for a year with its points. */
  Future<JsonObject> recordWithPoints(long memberId, int year) {
    return MemberPoints.recordWithPoints(app.pool(), contributions, memberId, year);
  }

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver committee = Access.byId(id -> members.committee(app.pool(), id)
        .map(c -> c == null ? null : Access.Scope.division(c.getString("divisionCode"))));
    Access.ScopeResolver member = Access.divisionById(members::divisionOf);
    r.get("/api/v1/committees/:id/points-rules", STAFF.scoped(committee), ApiQuery.of("year"), this::rulesApi);
    r.put("/api/v1/committees/:id/points-rules", STAFF.scoped(committee), this::replaceRulesApi);
    r.get("/api/v1/members/:id/record", STAFF.scoped(member), ApiQuery.of("year"), this::recordApi);
    r.get("/api/v1/members/:id/record/pdf", STAFF.scoped(member), ApiQuery.of("year"), ctx -> document(ctx, Access.pathId(ctx), "pdf"));
    r.get("/api/v1/members/:id/record/xlsx", STAFF.scoped(member), ApiQuery.of("year"), ctx -> document(ctx, Access.pathId(ctx), "xlsx"));
    r.get("/api/v1/member-ranking", STAFF, ApiQuery.of("division", "year"), this::rankingApi);
    r.get("/member-ranking", STAFF, this::rankingPage);
    r.get("/committees/:id/points-rules", STAFF.scoped(committee), this::rulesPage);
    r.post("/committees/:id/points-rules", STAFF.scoped(committee), this::saveRuleFromForm);
    r.post("/committees/:id/points-rules/delete", STAFF.scoped(committee), this::deleteRuleFromForm);
    r.get("/members/:id/record", STAFF.scoped(member), this::recordPage);
    r.get("/members/:id/record/pdf", STAFF.scoped(member), ctx -> document(ctx, Access.pathId(ctx), "pdf"));
    r.get("/members/:id/record/xlsx", STAFF.scoped(member), ctx -> document(ctx, Access.pathId(ctx), "xlsx"));
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
    Json.answer(ctx, MemberPoints.rules(app.pool(), Access.pathId(ctx), year));
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
    Json.answer(ctx, saveRules(Security.require(ctx), Access.pathId(ctx), year, current -> rules));
  }

  /**
   * Replaces a committee's rules for a year with {@code next} of the rules in force, in one transaction
   * holding the committee's row (two staff changing rules at once do not lose one change) with its
   * audit entry; answers the rules now.
   */
  private Future<JsonObject> saveRules(Principal actor, long committee, int year,
                                       java.util.function.Function<JsonObject, List<MemberPoints.Rule>> next) {
    return app.pool().withTransaction(tx -> MemberPoints.lockCommittee(tx, committee)
        .compose(x -> MemberPoints.rules(tx, committee, year))
        .compose(before -> {
          List<MemberPoints.Rule> rules;
          try {
            rules = next.apply(before);
          } catch (AppException e) {
            return Future.failedFuture(e);
          }
          JsonArray after = new JsonArray();
          rules.forEach(r -> after.add(r.toJson()));
          return MemberPoints.replace(tx, committee, year, rules)
              .compose(v -> AuditLog.record(tx, AuditEntry.by(actor, "points.rules", "committee", committee, null,
                  before, new JsonObject().put("year", year).put("rules", after))))
              .compose(v -> MemberPoints.rules(tx, committee, year));
        }));
  }

  // ------------------------------------------------------------------ the rules page

  /** The {@code year} of a page: as given, or this year when missing or not a year. */
  private int pageYear(String raw) {
    try {
      return year(raw);
    } catch (AppException e) {
      return LocalDate.now(app.config().zone()).getYear();
    }
  }

  /** Staff's page of a committee's rules for a year: the rules in force, add, edit, delete after a confirmation. */
  private void rulesPage(RoutingContext ctx) {
    renderRules(ctx, 200, pageYear(ctx.request().getParam("year")), null, Map.of());
  }

  private void renderRules(RoutingContext ctx, int status, int year, Map<String, Object> form, Map<String, String> errors) {
    long id = Access.pathId(ctx);
    Future.all(members.committee(app.pool(), id), MemberPoints.rules(app.pool(), id, year)).onFailure(ctx::fail).onSuccess(all -> {
      JsonObject set = all.resultAt(1);
      List<Map<String, Object>> rows = org.yishi.platform.web.Web.rows(set.getJsonArray("rules"));
      List<String> present = rows.stream().map(r -> (String) r.get("kind")).toList();
      String edit = ctx.request().getParam("edit");
      String remove = ctx.request().getParam("remove");
      Map<String, Object> model = new HashMap<>();
      model.put("committee", ((JsonObject) all.resultAt(0)).getMap());
      model.put("year", year);
      model.put("configured", set.getBoolean("configured"));
      model.put("rules", rows);
      model.put("freeKinds", MemberPoints.KINDS.stream().filter(k -> !present.contains(k)).toList());
      model.put("editing", form != null ? form.get("original") : present.contains(edit) ? edit : null);
      model.put("removing", form == null && present.contains(remove) ? remove : null);
      model.put("form", form != null ? form : rows.stream().filter(r -> r.get("kind").equals(edit)).findFirst().orElse(Map.of()));
      model.put("errors", errors);
      model.put("saved", "1".equals(ctx.request().getParam("saved")));
      app.web().page(ctx, status, "member/points-rules", model);
    });
  }

  /** Adds a rule, or with {@code original} replaces that kind's rule; the other rules in force stay (the defaults, when none were set). */
  private void saveRuleFromForm(RoutingContext ctx) {
    long id = Access.pathId(ctx);
    int year = year(ctx.request().getFormAttribute("year"));
    Map<String, Object> form = new HashMap<>();
    for (String f : List.of("kind", "points", "per", "cap", "original")) {
      String v = ctx.request().getFormAttribute(f);
      if (v != null && !v.isBlank()) {
        // whole numbers as numbers, anything else as typed (refused by the rule's check, naming the field)
        form.put(f, v.strip().matches("-?\\d{1,9}") ? (Object) Long.valueOf(v.strip()) : v.strip());
      }
    }
    String original = (String) (form.get("original") instanceof String o && MemberPoints.KINDS.contains(o) ? o : null);
    form.put("original", original);
    changeRules(ctx, id, year, form, rules -> {
      rules.removeIf(r -> r.getString("kind").equals(original));
      JsonObject added = new JsonObject();
      List.of("kind", "points", "per", "cap").forEach(f -> added.put(f, form.get(f)));
      rules.add(added);
    });
  }

  /** Deletes one kind's rule (after the page's confirmation). */
  private void deleteRuleFromForm(RoutingContext ctx) {
    String kind = ctx.request().getFormAttribute("kind");
    changeRules(ctx, Access.pathId(ctx), year(ctx.request().getFormAttribute("year")), null, rules -> {
      if (!rules.removeIf(r -> r.getString("kind").equals(kind))) {
        throw AppException.invalid("kind", "points.kind.unknown", String.join(", ", MemberPoints.KINDS));
      }
    });
  }

  /**
   * Changes the rules in force for the year as {@code change} says and saves them all; on success back
   * to the list, on refused values the page again with each message under its field.
   */
  private void changeRules(RoutingContext ctx, long id, int year, Map<String, Object> form,
                           java.util.function.Consumer<List<JsonObject>> change) {
    saveRules(Security.require(ctx), id, year, current -> {
      List<JsonObject> rules = new ArrayList<>();
      current.getJsonArray("rules").forEach(r -> rules.add((JsonObject) r));
      change.accept(rules);
      return MemberPoints.read(new JsonArray(new ArrayList<>(rules)));
    }).onSuccess(v -> org.yishi.platform.web.Web.redirect(ctx, "/committees/" + id + "/points-rules?year=" + year + "&saved=1"))
        .onFailure(err -> {
          if (form != null && err instanceof AppException e && e.kind() == org.yishi.platform.http.ErrorKind.INVALID) {
            // the added rule is the last one: its messages go under the form's fields
            Map<String, org.yishi.platform.http.Msg> fields = new HashMap<>();
            e.fields().forEach((k, msg) -> fields.put(k.replaceFirst("^rules\\[\\d+\\]\\.?", ""), msg));
            renderRules(ctx, 422, year, form, app.web().messages(ctx, fields));
          } else {
            ctx.fail(err);
          }
        });
  }

  private void recordApi(RoutingContext ctx) {
    int year = year(ctx.request().getParam("year"));
    Json.answer(ctx, fullRecord(Access.pathId(ctx), year));
  }

  /** A member's yearly record with points and names, for the documents. */
  Future<JsonObject> fullRecord(long id, int year) {
    return Future.all(members.byId(app.pool(), id), recordWithPoints(id, year))
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
    int year = pageYear(ctx.request().getParam("year"));
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

  /**
   * Active members of the committees inside {@code prefix}, by points (then name), with each one's counts and points.
   * The counts are those of {@link MemberRecord} (attended: named attendee of a held meeting; check-ins; confirmed
   * replies; outcomes of the meetings attended), taken in one pass: the year's meetings once, then each table
   * grouped by member once and joined to the members once (issue 23: the ranking in at most 1 s at city scale).
   */
  public Future<JsonArray> ranking(String prefix, int year) {
    // the year's bounds in the node's zone, as values: the planner estimates the year's meetings from
    // them, and no row computes them again (make_timestamptz in the filter ran once per meeting)
    ZoneId zone = app.config().zone();
    java.time.OffsetDateTime from = LocalDate.of(year, 1, 1).atStartOfDay(zone).toOffsetDateTime();
    java.time.OffsetDateTime to = LocalDate.of(year + 1, 1, 1).atStartOfDay(zone).toOffsetDateTime();
    return app.pool().preparedQuery("""
            WITH mem AS (SELECT mb.id, mb.name, mb.committee_id, c.name AS committee_name FROM member mb
                           JOIN committee c ON c.id = mb.committee_id WHERE mb.active AND c.division_code LIKE $1 || '%'),
                 ym AS MATERIALIZED (SELECT m.id, m.status FROM meeting m WHERE m.starts_at >= $2 AND m.starts_at < $3),
                 oc AS (SELECT o.meeting_id, count(*) AS n FROM outcome o JOIN ym ON ym.id = o.meeting_id GROUP BY o.meeting_id),
                 att AS (SELECT a.member_id, count(*) FILTER (WHERE ym.status = 'held') AS attended, sum(oc.n) AS outcomes
                           FROM meeting_attendee a JOIN ym ON ym.id = a.meeting_id LEFT JOIN oc ON oc.meeting_id = a.meeting_id
                          WHERE a.member_id IN (SELECT id FROM mem) GROUP BY a.member_id),
                 ck AS (SELECT c.member_id, count(*) AS n FROM meeting_checkin c JOIN ym ON ym.id = c.meeting_id
                         WHERE c.member_id IN (SELECT id FROM mem) GROUP BY c.member_id),
                 rp AS (SELECT r.member_id, count(*) AS n FROM meeting_member_reply r JOIN ym ON ym.id = r.meeting_id
                         WHERE r.reply = 'confirmed' AND r.member_id IN (SELECT id FROM mem) GROUP BY r.member_id)
            SELECT mem.id, mem.name, mem.committee_id, mem.committee_name, coalesce(att.attended, 0), coalesce(ck.n, 0),
                   coalesce(rp.n, 0), coalesce(att.outcomes, 0)::bigint
              FROM mem LEFT JOIN att ON att.member_id = mem.id LEFT JOIN ck ON ck.member_id = mem.id
                   LEFT JOIN rp ON rp.member_id = mem.id""")
        .execute(Tuple.of(prefix, from, to))
        .compose(rows -> {
          List<JsonObject> list = new ArrayList<>();
          rows.forEach(r -> list.add(new JsonObject().put("memberId", r.getLong(0)).put("name", r.getString(1))
              .put("committeeId", r.getLong(2)).put("committeeName", r.getString(3)).put("attended", r.getLong(4))
              .put("checkins", r.getLong(5)).put("confirmed", r.getLong(6)).put("outcomes", r.getLong(7))));
          Map<Long, Future<JsonObject>> rules = new HashMap<>();
          list.forEach(m -> rules.computeIfAbsent(m.getLong("committeeId"), c -> MemberPoints.rules(app.pool(), c, year)));
          Future<Map<Long, JsonObject>> named = contributions.counts(list.stream().map(m -> m.getLong("memberId")).toList(), year);
          List<Future<?>> waits = new ArrayList<>(rules.values());
          waits.add(named);
          return Future.all(waits).map(v -> {
            list.forEach(m -> {
              MemberContributions.into(m, named.result(), m.getLong("memberId"));
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
