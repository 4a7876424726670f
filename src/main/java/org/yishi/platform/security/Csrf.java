package org.yishi.platform.security;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Synchroniser-token CSRF protection: one random token per session, embedded in every form as
 * {@code _csrf} (or sent by scripts as {@code X-CSRF-Token}) and compared in constant time on every
 * state-changing browser request. API calls authenticate with bearer tokens, not cookies, so they
 * need no CSRF token.
 */
public final class Csrf {
  public static final String FIELD = "_csrf";
  public static final String HEADER = "X-CSRF-Token";
  private static final String SESSION_KEY = "csrf";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Csrf() {
  }

  /** The session's token, created on first use. */
  public static String token(RoutingContext ctx) {
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

  /** Whether the request carries the session's token. */
  public static boolean valid(RoutingContext ctx) {
    Session session = ctx.session();
    String expected = session == null ? null : session.get(SESSION_KEY);
    if (expected == null) {
      return false;
    }
    String sent = ctx.request().getHeader(HEADER);
    if (sent == null) {
      sent = ctx.request().getFormAttribute(FIELD);
    }
    return sent != null && MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
  }
}
