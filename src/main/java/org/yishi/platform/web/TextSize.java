package org.yishi.platform.web;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The larger-text setting for older users (适老化): a choice of the browser, remembered for a year in
 * the {@value #COOKIE} cookie and applied by the layout on every page (the {@code text-large} class
 * on {@code <html>}, which scales every rem-based size). See docs/accessibility.md.
 */
public final class TextSize {
  public static final String COOKIE = "yishi_text";
  public static final String LARGE = "large";
  public static final String NORMAL = "normal";
  public static final List<String> SIZES = List.of(NORMAL, LARGE);

  private TextSize() {
  }

  /** Whether the browser chose the larger text. */
  public static boolean large(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(COOKIE);
    return c != null && LARGE.equals(c.getValue());
  }

  /** Remembers the choice (one of {@link #SIZES}) in the browser for a year. */
  public static void remember(RoutingContext ctx, String size) {
    ctx.response().addCookie(Cookie.cookie(COOKIE, size)
        .setPath("/").setMaxAge(365L * 24 * 3600).setHttpOnly(true).setSameSite(CookieSameSite.LAX));
  }
}
