package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;
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

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a member sees when signed in (their invitations and schedule, their answers, their record),
 * and how staff give a member an account. Every query is by the member linked to the caller's account:
 * a member can read nothing of anyone else.
 */
public record MyRoutes(App app, MemberAccountStore links, MemberStore members, PointsRoutes documents,
                       MemberAccounts accounts) implements Routes {
  private static final Access MEMBER = Access.roles(Role.MEMBER);
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);

  public MyRoutes(App app, PointsRoutes documents, MemberAccounts accounts) {
    this(app, new MemberAccountStore(app.pool()), new MemberStore(app.pool()), documents, accounts);
  }

  @Override
  public void register(SecureRouter r) {
    Access.ScopeResolver member = Access.divisionById(members::divisionOf);
    r.get("/api/v1/my/invitations", MEMBER, this::invitationsApi);
    r.put("/api/v1/my/invitations/:id", MEMBER, this::replyApi);
    r.get("/api/v1/my/record", MEMBER, ApiQuery.of("year"), this::recordApi);
    r.post("/api/v1/members/:id/account", STAFF.scoped(member), this::createAccountApi);
    r.post("/members/:id/account", STAFF.scoped(member), this::createAccountFromForm);
    r.get("/my", MEMBER, this::myPage);
    r.post("/my/invitations/:id/reply", MEMBER, this::replyFromForm);
    r.get("/my/record", MEMBER, this::recordPage);
    r.get("/my/record/pdf", MEMBER, ctx -> me(ctx).onFailure(ctx::fail).onSuccess(id -> documents.document(ctx, id, "pdf")));
    r.get("/my/record/xlsx", MEMBER, ctx -> me(ctx).onFailure(ctx::fail).onSuccess(id -> documents.document(ctx, id, "xlsx")));
  }

  /** The member linked to the caller (a member account always has one). */
  private Future<Long> me(RoutingContext ctx) {
    return links.memberOf(Security.require(ctx).id()).compose(id -> id == null
        ? Future.failedFuture(AppException.forbidden("This account is not linked to a member")) : Future.succeededFuture(id));
  }

  /** The member's invitations from 30 days ago on, with their answers and check-ins. */
  private Future<JsonArray> invitations(long memberId) {
    return app.pool().preparedQuery("""
            SELECT m.id, t.title, s.name, m.venue, m.starts_at, m.ends_at, m.status, rp.reply,
                   c.at AS checked_in_at, c.arrival
              FROM meeting_member mm JOIN meeting m ON m.id = mm.meeting_id JOIN topic t ON t.id = m.topic_id
              JOIN station s ON s.id = m.station_id
              LEFT JOIN meeting_member_reply rp ON rp.meeting_id = m.id AND rp.member_id = mm.member_id
              LEFT JOIN meeting_checkin c ON c.meeting_id = m.id AND c.member_id = mm.member_id
             WHERE mm.member_id = $1 AND mm.active AND m.ends_at > now() - interval '30 days'
             ORDER BY m.starts_at LIMIT 200""")
        .execute(Tuple.of(memberId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          OffsetDateTime now = OffsetDateTime.now();
          rows.forEach(r -> out.add(new JsonObject().put("meetingId", r.getLong(0)).put("title", r.getString(1))
              .put("stationName", r.getString(2)).put("venue", r.getString(3))
              .put("startsAt", time(r.getOffsetDateTime(4))).put("endsAt", time(r.getOffsetDateTime(5)))
              .put("status", r.getString(6)).put("reply", r.getString(7))
              .put("checkedInAt", time(r.getOffsetDateTime(8))).put("arrival", r.getString(9))
              .put("upcoming", r.getOffsetDateTime(4).isAfter(now) && "scheduled".equals(r.getString(6)))));
          return out;
        });
  }

  private String time(OffsetDateTime t) {
    return t == null ? null : t.atZoneSameInstant(app.config().zone()).toOffsetDateTime().toString();
  }

  /** Records an answer to an invitation of the member's; a meeting they are not invited to is a 404. */
  private Future<JsonObject> reply(long memberId, long meetingId, String reply, String note) {
    return app.pool().withTransaction(tx -> tx.preparedQuery("""
            SELECT m.status, m.starts_at FROM meeting_member mm JOIN meeting m ON m.id = mm.meeting_id
             WHERE mm.meeting_id = $1 AND mm.member_id = $2 AND mm.active""").execute(Tuple.of(meetingId, memberId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(AppException.notFound("No such invitation"));
          }
          var row = rows.iterator().next();
          if (!"scheduled".equals(row.getString(0)) || !row.getOffsetDateTime(1).isAfter(OffsetDateTime.now())) {
            return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The meeting has begun or is no longer scheduled",
                Map.of("reply", org.yishi.platform.http.Msg.of("my.reply.closed"))));
          }
          return tx.preparedQuery("""
                  INSERT INTO meeting_member_reply (meeting_id, member_id, reply, note) VALUES ($1, $2, $3, $4)
                  ON CONFLICT (meeting_id, member_id) DO UPDATE SET reply = excluded.reply, note = excluded.note, at = now()""")
              .execute(Tuple.of(meetingId, memberId, reply, note))
              .map(v -> new JsonObject().put("meetingId", meetingId).put("reply", reply).put("note", note));
        }));
  }

  private record Reply(String reply, String note) {
  }

  private static Reply readReply(Input in) {
    String reply = in.text("reply", 20);
    if (reply != null && !List.of("confirmed", "declined").contains(reply)) {
      in.reject("reply", "my.reply.value");
    }
    String note = in.optionalText("note", 500, true);
    in.done();
    return new Reply(reply, note);
  }

  private void invitationsApi(RoutingContext ctx) {
    me(ctx).compose(this::invitations).onSuccess(list -> Json.ok(ctx, new JsonObject().put("items", list))).onFailure(ctx::fail);
  }

  private void replyApi(RoutingContext ctx) {
    Long meetingId = Access.pathId(ctx);
    Reply in = readReply(Input.json(ctx));
    if (meetingId == null) {
      throw AppException.notFound("No such invitation");
    }
    Json.answer(ctx, me(ctx).compose(m -> reply(m, meetingId, in.reply(), in.note())));
  }

  private void myPage(RoutingContext ctx) {
    renderMy(ctx, 200, null);
  }

  private void renderMy(RoutingContext ctx, int status, String error) {
    me(ctx).compose(id -> Future.all(members.byId(app.pool(), id), invitations(id))).onFailure(ctx::fail).onSuccess(all -> {
      Map<String, Object> model = new HashMap<>();
      model.put("member", ((JsonObject) all.resultAt(0)).getMap());
      model.put("invitations", Web.rows(all.resultAt(1)));
      model.put("error", error);
      app.web().page(ctx, status, "member/my", model);
    });
  }

  private void replyFromForm(RoutingContext ctx) {
    Long meetingId = Access.pathId(ctx);
    Future<JsonObject> done;
    try {
      Reply in = readReply(Input.form(ctx));
      done = meetingId == null ? Future.failedFuture(AppException.notFound("No such invitation"))
          : me(ctx).compose(m -> reply(m, meetingId, in.reply(), in.note()));
    } catch (AppException e) {
      done = Future.failedFuture(e);
    }
    done.onSuccess(r -> Web.redirect(ctx, "/my")).onFailure(err -> {
      if (err instanceof AppException e && !e.fields().isEmpty()) {
        renderMy(ctx, e.kind().status, app.web().messages(ctx, e.fields()).values().iterator().next());
      } else {
        ctx.fail(err);
      }
    });
  }

  // ------------------------------------------------------------------ the member's record

  private int year(RoutingContext ctx) {
    String raw = ctx.request().getParam("year");
    int now = LocalDate.now(app.config().zone()).getYear();
    if (raw == null || raw.isBlank()) {
      return now;
    }
    if (!raw.strip().matches("\\d{4}") || Integer.parseInt(raw.strip()) < 2000 || Integer.parseInt(raw.strip()) > now + 1) {
      throw AppException.invalid("year", "my.record.year", 2000, now + 1);
    }
    return Integer.parseInt(raw.strip());
  }

  private void recordApi(RoutingContext ctx) {
    int year = year(ctx);
    Json.answer(ctx, me(ctx).compose(id -> documents.recordWithPoints(id, year)));
  }

  private void recordPage(RoutingContext ctx) {
    int year = year(ctx);
    me(ctx).compose(id -> Future.all(members.byId(app.pool(), id), documents.recordWithPoints(id, year)))
        .onFailure(ctx::fail).onSuccess(all -> {
          Map<String, Object> model = new HashMap<>();
          model.put("member", ((JsonObject) all.resultAt(0)).getMap());
          JsonObject record = all.resultAt(1);
          model.put("record", record.getMap());
          model.put("points", record.getJsonObject("points").getLong("total"));
          model.put("pointLines", Web.rows(record.getJsonObject("points").getJsonArray("lines")));
          model.put("configured", record.getJsonObject("points").getBoolean("configured"));
          model.put("year", year);
          app.web().page(ctx, "member/record", model);
        });
  }

  // ------------------------------------------------------------------ staff: a member's account

  private void createAccountApi(RoutingContext ctx) {
    Json.createdIn(ctx, "/api/v1/users/", openAccount(ctx, Input.json(ctx)));
  }

  /** The form on a member's page: the new account and its temporary password are shown once. */
  private void createAccountFromForm(RoutingContext ctx) {
    long memberId = Access.pathId(ctx);
    Future<JsonObject> opened;
    try {
      opened = openAccount(ctx, Input.form(ctx));
    } catch (AppException e) {
      opened = Future.failedFuture(e);
    }
    opened.onComplete(ar -> {
      Map<String, Object> model = new HashMap<>();
      model.put("memberId", memberId);
      if (ar.succeeded()) {
        model.put("account", ar.result().getMap());
        app.web().page(ctx, "member/account", model);
      } else if (ar.cause() instanceof AppException e && !e.fields().isEmpty()) {
        model.put("error", app.web().messages(ctx, e.fields()).values().iterator().next());
        app.web().page(ctx, e.kind().status, "member/account", model);
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private Future<JsonObject> openAccount(RoutingContext ctx, Input in) {
    long memberId = Access.pathId(ctx);
    String username = in.text("username", 64);
    if (username != null && !username.matches("[A-Za-z0-9][A-Za-z0-9._-]{1,63}")) {
      in.reject("username", "field.username.format");
    }
    in.done();
    Principal actor = Security.require(ctx);
    return Future.all(members.byId(app.pool(), memberId), links.accountOf(app.pool(), memberId)).compose(all -> {
      JsonObject member = all.resultAt(0);
      if (all.resultAt(1) != null) {
        return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "This member has an account",
            Map.of("username", org.yishi.platform.http.Msg.of("my.account.exists"))));
      }
      if (!member.getBoolean("active")) {
        return Future.failedFuture(AppException.invalid("member", "my.account.inactive"));
      }
      return accounts.createMemberAccount(actor, username, member.getString("name"), member.getString("divisionCode"), memberId);
    });
  }
}
