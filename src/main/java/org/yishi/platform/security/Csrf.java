package org.yishi.platform.security;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * CSRF protection of every state-changing browser request. A signed-in user's forms carry the
 * session's synchroniser token (one random token per session, renewed at sign-in); a visitor nobody
 * signed in gets a signed double-submit token instead ({@link AnonymousCsrf}), so that anonymous
 * pages need no server-side session. The token travels as {@code _csrf} (or, from scripts, as
 * {@code X-CSRF-Token}) and is compared in constant time. API calls authenticate with bearer tokens,
 * not cookies, so they need no CSRF token.
 */
public final class Csrf {
  public static final String FIELD = "_csrf";
  public static final String HEADER = "X-CSRF-Token";
  /** Where the node's {@link AnonymousCsrf} is kept in the routing context (put there by the HTTP verticle). */
  public static final String ANONYMOUS = "yishi.csrf.anonymous";
  private static final String SESSION_KEY = "csrf";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Csrf() {
  }

  /**
   * The token for this request's forms: the session's (created on first use) when someone is signed
   * in or the browser has a session anyway (a page outside the guard, e.g. a 404, seen by a signed-in
   * user), else the anonymous visitor's signed token, which touches no session.
   */
  public static String token(RoutingContext ctx) {
    if (Security.principal(ctx) == null && ctx.request().getCookie(Security.SESSION_COOKIE) == null) {
      AnonymousCsrf anonymous = ctx.get(ANONYMOUS);
      return anonymous == null ? "" : anonymous.token(ctx);
    }
    Session session = ctx.session();
    if (session == null) {
      return "";
    }
    String token = session.get(SESSION_KEY);
    return token != null ? token : renew(session);
  }

  /** Replaces the session's token (at sign-in): forms rendered before no longer pass. */
  public static String renew(Session session) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    session.put(SESSION_KEY, token);
    return token;
  }

  /**
   * Whether the request carries its token: a signed-in user's, the session's; an anonymous visitor's,
   * the signed token of their cookie, or the token of the session their cookie names (a form rendered
   * by a node of the previous release, which kept anonymous visitors' tokens in sessions).
   */
  public static boolean valid(RoutingContext ctx) {
    String sent = ctx.request().getHeader(HEADER);
    if (sent == null) {
      sent = ctx.request().getFormAttribute(FIELD);
    }
    if (sent == null) {
      return false;
    }
    if (Security.principal(ctx) == null) {
      AnonymousCsrf anonymous = ctx.get(ANONYMOUS);
      if (anonymous != null && anonymous.valid(ctx, sent)) {
        return true;
      }
      if (ctx.request().getCookie(Security.SESSION_COOKIE) == null) {
        return false; // no session to look in (looking would make and store one)
      }
    }
    Session session = ctx.session();
    String expected = session == null ? null : session.get(SESSION_KEY);
    return expected != null && MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
  }
}
