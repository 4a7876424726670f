package org.yishi.home;

import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.EncodedPart;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.TextSize;
import org.yishi.platform.web.Web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The home page: signed out, what Yishi is for; signed in, the caller's work queue (我的待办, see
 * docs/work-queue.md), also as {@code GET /api/v1/me/queue}.
 */
public final class HomeRoutes implements Routes {
  private final App app;
  private final QueueStore store;
  private final QueueBadges badges;

  private final LockedAccounts locked;

  /**
   * What the work queue needs to know about sign-in: the account names locked by failed sign-ins
   * (implemented by the account feature, wired by the composition root).
   */
  public interface LockedAccounts {
    Future<java.util.Set<String>> lockedAccountNames();
  }

  @Override
  public App app() {
    return app;
  }

  private final ReportSchedules schedules;

  /**
   * What the city's queue needs of the report feature: the report schedules in force at {@code now},
   * the enabled ones with {@code id, kind, level, nextRun, nextPeriod} (implemented by the report
   * feature, wired by the composition root).
   */
  public interface ReportSchedules {
    Future<JsonArray> nextRuns(Instant now);
  }

  public HomeRoutes(App app, QueueStore store, LockedAccounts locked, ReportSchedules schedules) {
    this.app = app;
    this.store = store;
    this.locked = locked;
    this.schedules = schedules;
    this.badges = (QueueBadges) app.web().badgesIfAbsent(() -> new QueueBadges(store));
  }

  @Override
  public void register(SecureRouter r) {
    r.get("/", Access.open("the public home page; signed in, the caller's own work queue"), this::home);
    r.get("/api/v1/me/queue", Access.signedIn(), this::queueApi);
    r.post("/text-size", Access.open("the larger-text setting (适老化) works before signing in: a cookie of the browser"),
        this::textSize);
  }

  private void home(RoutingContext ctx) {
    Principal me = Security.principal(ctx);
    if (me == null) {
      app.web().page(ctx, "home", Map.of());
      return;
    }
    if (me.is(Role.MEMBER)) {
      Web.redirect(ctx, "/my"); // a member's start page is their own schedule
      return;
    }
    queueOf(me).onSuccess(queue -> {
      badges.put(me, queue.getLong("total"));
      Locale l = Web.locale(ctx);
      Map<String, Object> model = new HashMap<>();
      Map<String, EncodedPart> parts = new HashMap<>();
      List<Map<String, Object>> sections = new ArrayList<>();
      for (Object o : queue.getJsonArray("sections")) {
        JsonObject section = (JsonObject) o;
        Map<String, Object> copy = new HashMap<>();
        if (section.containsKey(SharedSections.PART)) {
          // shared by the scope: rendered once per copy and locale, spliced in between the caller's CSRF fields
          List<String> markers = new ArrayList<>();
          List<EncodedPart> pieces = store.shared().rendered(section, I18n.tag(l), () -> pieces(section, l));
          for (int i = 0; i < pieces.size(); i++) {
            String name = section.getString("key") + '.' + i;
            parts.put(name, pieces.get(i));
            markers.add(EncodedPart.marker(name));
          }
          copy.put("pieces", markers);
        } else {
          copy.putAll(sectionModel(section));
        }
        sections.add(copy);
      }
      model.put("queue", Map.of("total", queue.getLong("total")));
      model.put("sections", sections);
      model.put("queueCount", queue.getLong("total"));
      if (me.is(Role.ADMIN)) {
        model.put("members", app.cluster().getNodes().size()); // the operators' concern, not the users'
      }
      String html;
      try {
        html = app.web().html(ctx, "home", model);
      } catch (RuntimeException e) {
        ctx.fail(e);
        return;
      }
      EncodedPart.send(ctx, 200, "text/html; charset=utf-8", html, parts);
    }).onFailure(ctx::fail);
  }

  /** A section as the template reads it. */
  private static Map<String, Object> sectionModel(JsonObject section) {
    Map<String, Object> copy = new HashMap<>(section.getMap());
    copy.put("items", Web.rows(section.getJsonArray("items")));
    return copy;
  }

  /** What stands for the caller's CSRF field in a shared section's rendering (split there, see home.peb). */
  private static final String CSRF_FIELD = "<input type=\"hidden\" name=\"_csrf\" value=\"";
  private static final String SHARED_CSRF = "shared-section";

  /**
   * A shared section rendered for every user of its scope: the text between its forms' CSRF fields,
   * each piece kept encoded ({@link EncodedPart}); the page puts the caller's own field between them.
   */
  private List<EncodedPart> pieces(JsonObject section, Locale l) {
    String html = app.web().render("home/section", Map.of("s", sectionModel(section), "csrf", SHARED_CSRF), l);
    List<EncodedPart> pieces = new ArrayList<>();
    String field = CSRF_FIELD + SHARED_CSRF + "\">";
    int at = 0;
    for (int next = html.indexOf(field); next >= 0; next = html.indexOf(field, at)) {
      pieces.add(EncodedPart.of(html.substring(at, next)));
      at = next + field.length();
    }
    pieces.add(EncodedPart.of(html.substring(at)));
    return List.copyOf(pieces);
  }

  /**
   * The caller's queue; an admin's also lists the accounts locked by sign-in throttling (kept in
   * Hazelcast), the city staff's the reports scheduled next (from the report schedules in force).
   */
  private Future<JsonObject> queueOf(Principal me) {
    Instant now = Instant.now();
    Future<JsonObject> queue = store.queue(me, now);
    if (me.is(Role.CITY_STAFF)) {
      return queue.compose(q -> store.scheduledReports(now, schedules::nextRuns).map(next -> {
        q.getJsonArray("sections").add(next);
        return q;
      }));
    }
    if (!me.is(Role.ADMIN)) {
      return queue;
    }
    return queue.compose(q -> store.lockedAccounts(locked::lockedAccountNames).map(locked -> {
      q.getJsonArray("sections").add(1, locked);
      return q;
    }));
  }

  /**
   * The header's larger-text switch (a form, CSRF-checked as every POST): remembers {@code size}
   * ({@code normal} or {@code large}) in the browser, then goes back to the page it was on.
   */
  private void textSize(RoutingContext ctx) {
    Input in = Input.form(ctx);
    String size = in.text("size", 16);
    if (size != null && !TextSize.SIZES.contains(size)) {
      in.reject("size", "field.textSize.unknown");
    }
    in.done();
    TextSize.remember(ctx, size);
    Web.redirect(ctx, Web.safeLocalPath(ctx.request().getFormAttribute("back")));
  }

  private void queueApi(RoutingContext ctx) {
    Principal me = Security.principal(ctx);
    queueOf(me).onSuccess(queue -> {
      badges.put(me, queue.getLong("total"));
      queue.getJsonArray("sections").forEach(section -> SharedSections.untagged((JsonObject) section));
      Json.ok(ctx, queue);
    }).onFailure(ctx::fail);
  }
}
