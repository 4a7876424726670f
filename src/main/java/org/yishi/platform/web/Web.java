package org.yishi.platform.web;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.reliability.FormTokens;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.security.Csrf;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.Security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** Renders pages and carries the per-request locale. */
public final class Web {
  public static final String LANG_COOKIE = "yishi_lang";
  private static final String LOCALE_KEY = "yishi.locale";

  private final Templates templates;
  private volatile NavBadges badges = NavBadges.NONE;
  /**
   * The header's links that depend only on the language and the role (templates/layout/nav-links.peb),
   * rendered once per node and kept: half the layout's messages, looked up on every signed-in page before.
   */
  private final Map<String, String> navLinks = new java.util.concurrent.ConcurrentHashMap<>();

  public Web(Templates templates) {
    this.templates = templates;
  }

  /**
   * Installs the header's count of the caller's work (once per node: every HTTP verticle's router asks,
   * the first one installs it) and answers the one installed.
   */
  public synchronized NavBadges badgesIfAbsent(java.util.function.Supplier<NavBadges> make) {
    if (badges == NavBadges.NONE) {
      badges = make.get();
    }
    return badges;
  }

  /**
   * Route handler that fixes the request's locale: the language cookie, else the first supported
   * language of {@code Accept-Language}, else Simplified Chinese.
   */
  public static void resolveLocale(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(LANG_COOKIE);
    Locale locale = cookie == null ? null : I18n.fromTag(cookie.getValue());
    if (locale == null) {
      locale = ctx.acceptableLanguages().stream()
          .map(l -> I18n.fromTag(l.tag()))
          .filter(l -> l != null)
          .findFirst().orElse(I18n.ZH);
    }
    ctx.put(LOCALE_KEY, locale);
    ctx.next();
  }

  /** The locale chosen for this request. */
  public static Locale locale(RoutingContext ctx) {
    Locale l = ctx.get(LOCALE_KEY);
    return l == null ? I18n.ZH : l;
  }

  /** Sets the language cookie (one year; readable by the server only). */
  public static void rememberLocale(RoutingContext ctx, Locale locale) {
    ctx.response().addCookie(Cookie.cookie(LANG_COOKIE, I18n.tag(locale))
        .setPath("/").setMaxAge(365L * 24 * 3600).setHttpOnly(true).setSameSite(CookieSameSite.LAX));
  }

  /**
   * Where a form sends the caller after the action: its {@code back} field (a local path, e.g. the work
   * queue "/"), or {@code fallback} when there is none.
   */
  public static String backOr(RoutingContext ctx, String fallback) {
    String back = ctx.request().getFormAttribute("back");
    return back == null || back.isBlank() ? fallback : safeLocalPath(back);
  }

  /** A local path to return to after an action; anything else (other hosts, schemes) becomes "/". */
  public static String safeLocalPath(String path) {
    if (path == null || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")
        || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "/";
    }
    return path;
  }

  /** JSON rows as maps, which templates can read ({@code row.field}). */
  public static List<Map<String, Object>> rows(JsonArray items) {
    List<Map<String, Object>> out = new ArrayList<>(items.size());
    for (Object o : items) {
      out.add(((JsonObject) o).getMap());
    }
    return out;
  }

  /** 303 See Other: after a form post, and for plain navigation redirects. */
  public static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(303).putHeader("Location", location);
    Idempotency.end(ctx, null);
  }

  /** Renders a full page with the common model (language, current path) and ends the response. */
  public Future<Void> page(RoutingContext ctx, int status, String template, Map<String, Object> model) {
    String html;
    try {
      html = html(ctx, template, model);
    } catch (RuntimeException e) {
      ctx.fail(e); // a template bug answers 500 at once instead of leaving the request hanging
      return Future.failedFuture(e);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8");
    return Idempotency.end(ctx, Buffer.buffer(html));
  }

  /**
   * A page's text as {@link #page} renders it (the common model, every form with its idempotency
   * token), for a route that sends it itself (the dashboard splices in parts kept encoded).
   */
  public String html(RoutingContext ctx, String template, Map<String, Object> model) {
    Locale locale = locale(ctx);
    Map<String, Object> full = new HashMap<>(model);
    full.put("lang", I18n.tag(locale));
    full.put("otherLang", I18n.normalise(locale) == I18n.EN ? "zh-CN" : "en");
    full.put("path", ctx.request().path());
    full.put("csrf", Csrf.token(ctx));
    full.put("largeText", TextSize.large(ctx)); // the larger-text setting (适老化), docs/accessibility.md
    Principal me = Security.principal(ctx);
    if (me != null) {
      boolean admin = me.is(Role.ADMIN);
      boolean staff = admin || me.is(Role.CITY_STAFF) || me.is(Role.DISTRICT_STAFF);
      full.put("me", Map.of("id", me.id(), "username", me.username(), "displayName", me.displayName(),
          "role", me.role().key(), "admin", admin, "staff", staff, "member", me.is(Role.MEMBER)));
      full.put("navLinks", navLinks.computeIfAbsent(I18n.tag(locale) + '|' + staff + '|' + admin,
          k -> templates.render("layout/nav-links", Map.of("staff", staff, "admin", admin), locale)));
      if (!full.containsKey("queueCount")) {
        Long count = badges.peek(me);
        if (count != null) {
          full.put("queueCount", count);
        }
      }
    }
    // every form gets its own idempotency token beside its CSRF field
    return FormTokens.inject(templates.render(template, full, locale));
  }

  /** Renders a template to text outside a page response (a document to convert, e.g. a report's PDF). */
  public String render(String template, Map<String, Object> model, Locale locale) {
    return templates.render(template, model, locale);
  }

  /** Field errors in the request's language. */
  /**
   * The answer to a form that failed. Field errors (422) and a stale version (409) re-render
   * {@code template} with that status: {@code model} gives the page's model (the submitted values and
   * the form's choices), which gets the field messages under {@code errors}. Anything else fails the request.
   */
  public void formFailed(RoutingContext ctx, Throwable err, String template, Supplier<Future<Map<String, Object>>> model) {
    if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
      model.get().onFailure(ctx::fail).onSuccess(m -> {
        m.put("errors", messages(ctx, e.fields()));
        page(ctx, e.kind().status, template, m);
      });
    } else {
      ctx.fail(err);
    }
  }

  public Map<String, String> messages(RoutingContext ctx, Map<String, Msg> errors) {
    Locale locale = locale(ctx);
    Map<String, String> out = new HashMap<>();
    errors.forEach((field, msg) -> out.put(field, I18n.t(locale, msg.key(), msg.args().toArray())));
    return out;
  }

  /** One message in the request's language. */
  public String message(RoutingContext ctx, String key, Object... args) {
    return I18n.t(locale(ctx), key, args);
  }

  public Future<Void> page(RoutingContext ctx, String template, Map<String, Object> model) {
    return page(ctx, 200, template, model);
  }

  /** A form shows one message per list field: {@code memberIds[2]} is shown at {@code memberIds}. */
  public static Map<String, String> listFieldsOnce(Map<String, String> errors) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    errors.forEach((k, v) -> out.putIfAbsent(k.replaceFirst("\\[\\d+]$", ""), v));
    return out;
  }
}
