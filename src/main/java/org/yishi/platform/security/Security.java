package org.yishi.platform.security;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.SessionHandler;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.reliability.RateLimiter;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The guard in front of every route registered through {@link SecureRouter}: authenticate (bearer
 * token for {@code /api/}, session cookie for pages), check the role, check CSRF on state-changing
 * page requests, force a pending password change, then check the resource's jurisdiction.
 */
public final class Security {
  public static final String SESSION_ACCOUNT = "uid";
  /** The account's sign-in generation when the session signed in ({@link Principal#sessionEpoch()}). */
  static final String SESSION_EPOCH = "epoch";
  /** When the session signed in (epoch milliseconds): it ends {@code YISHI_SESSION_MAX_HOURS} later. */
  static final String SESSION_SINCE = "since";
  /** The session cookie (set by the session handler of {@code HttpVerticle}). */
  public static final String SESSION_COOKIE = "yishi_session";
  private static final String PRINCIPAL_KEY = "yishi.principal";
  /** Where the node's session handler is kept in the routing context (to store a session before answering). */
  public static final String SESSION_HANDLER = "yishi.sessionHandler";
  static final String PASSWORD_PAGE = "/account/password";

  private final Authenticator authenticator;
  private final RateLimiter limiter;
  private final Idempotency idempotency;
  private final long sessionMaxMillis;
  private volatile AnonymousCsrf anonymousCsrf;

  /** A guard without request limits or idempotency keys (tools and tests). */
  public Security(Authenticator authenticator) {
    this(authenticator, RateLimiter.disabled(), null);
  }

  public Security(Authenticator authenticator, RateLimiter limiter, Idempotency idempotency) {
    this(authenticator, limiter, idempotency, 12);
  }

  /**
   * @param limiter     requests per signed-in user, cluster-wide (429 beyond)
   * @param idempotency idempotency keys of submissions, run after the guard on every state-changing route; may be null
   * @param sessionMaxHours absolute lifetime of a browser session (signed in this long ago: signed out)
   */
  public Security(Authenticator authenticator, RateLimiter limiter, Idempotency idempotency, int sessionMaxHours) {
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.idempotency = idempotency;
    this.sessionMaxMillis = sessionMaxHours * 3_600_000L;
  }

  /**
   * Signs {@code p} in on this browser: a new session id (no fixation), a new CSRF token (a token
   * seen before sign-in is worthless after it), the account's sign-in generation and the time.
   */
  public static void signIn(RoutingContext ctx, Principal p) {
    Session session = ctx.session().regenerateId();
    session.put(SESSION_ACCOUNT, p.id());
    session.put(SESSION_EPOCH, p.sessionEpoch());
    session.put(SESSION_SINCE, System.currentTimeMillis());
    Csrf.renew(session);
  }

  /**
   * After this session changed the account's password: it stays signed in under the new generation.
   * The session is stored before the answer is sent (the session handler would otherwise store it
   * after, and the browser's next request could find the old generation and be signed out).
   */
  public static Future<Void> keepSession(RoutingContext ctx, long sessionEpoch) {
    Session session = ctx.session();
    if (session == null || session.get(SESSION_ACCOUNT) == null) {
      return Future.succeededFuture();
    }
    session.put(SESSION_EPOCH, sessionEpoch);
    SessionHandler handler = ctx.get(SESSION_HANDLER);
    return handler == null ? Future.succeededFuture() : handler.flush(ctx);
  }

  /**
   * The session's user if the session is still valid for it: signed in under the account's current
   * generation (no password change, reset or disabling since) and less than the absolute lifetime
   * ago. Otherwise the session is signed out (it stays, anonymous, with its CSRF token) and null returned.
   */
  private Principal current(Session session, Principal p) {
    Object epoch = session.get(SESSION_EPOCH);
    Object since = session.get(SESSION_SINCE);
    if (p != null && epoch == null && since == null && p.sessionEpoch() == 0) {
      // signed in by the previous release (before, or on an old node during, a rolling upgrade): it
      // stays valid while the account's generation has not moved, and its lifetime starts now
      session.put(SESSION_EPOCH, 0L);
      session.put(SESSION_SINCE, System.currentTimeMillis());
      return p;
    }
    boolean valid = p != null && epoch instanceof Number e && e.longValue() == p.sessionEpoch()
        && since instanceof Number s && System.currentTimeMillis() - s.longValue() < sessionMaxMillis;
    if (!valid) {
      session.remove(SESSION_ACCOUNT);
      session.remove(SESSION_EPOCH);
      session.remove(SESSION_SINCE);
      return null;
    }
    return p;
  }

  /** The anonymous visitors' CSRF tokens of this node (the cluster's key), set once before HTTP starts. */
  public void anonymousCsrf(AnonymousCsrf tokens) {
    this.anonymousCsrf = tokens;
  }

  /** The anonymous visitors' CSRF tokens, or null before the node has its key (their forms then fail closed). */
  public AnonymousCsrf anonymousCsrf() {
    return anonymousCsrf;
  }

  /** The idempotency step that follows the guard (passes everything on when the node has none). */
  Handler<RoutingContext> idempotency() {
    return idempotency == null ? RoutingContext::next : idempotency.handler();
  }

  /** The signed-in user of this request, or null on open routes with nobody signed in. */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL_KEY);
  }

  /** The signed-in user; fails with 401 if there is none (for handlers behind a non-open policy). */
  public static Principal require(RoutingContext ctx) {
    Principal p = principal(ctx);
    if (p == null) {
      throw AppException.unauthorized("Sign-in required");
    }
    return p;
  }

  /**
   * The path every security decision is made on: the one the router matches (dot segments removed,
   * unreserved percent-escapes decoded, repeated slashes collapsed), never the raw request path, so
   * that {@code /api/v1/me/../stations}, {@code /api/v1/me/%2e%2e/stations} or {@code //api/v1/...} are
   * judged as the route they reach.
   */
  public static String path(RoutingContext ctx) {
    String p = ctx.normalizedPath();
    return p == null ? "/" : p;
  }

  /** Whether the request goes to the API (bearer tokens only, never the session cookie). */
  public static boolean isApi(RoutingContext ctx) {
    return isApiPath(path(ctx));
  }

  /** Whether a normalised path is an API path. */
  public static boolean isApiPath(String normalizedPath) {
    return normalizedPath.startsWith("/api/");
  }

  /** Routes a user with a temporary password may still use: the password change, sign-out and their own account. */
  private static boolean exemptFromPasswordChange(String path) {
    return path.equals(PASSWORD_PAGE) || path.equals("/logout") || path.equals("/api/v1/me")
        || path.equals("/api/v1/me/password");
  }

  private static boolean changesState(HttpMethod m) {
    return !(m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS);
  }

  /**
   * The guard for one route. {@code checkCsrf} is false only for multipart uploads, whose CSRF
   * token is a field of the body that is read after the guard; {@link #csrfCheck()} follows then.
   */
  Handler<RoutingContext> guard(Access access, boolean checkCsrf) {
    return ctx -> identify(ctx)
        .compose(principal -> limit(principal).map(principal))
        .onFailure(ctx::fail)
        .onSuccess(principal -> {
          try {
            authorize(ctx, access, principal, checkCsrf);
          } catch (AppException e) {
            ctx.fail(e);
            return;
          }
          if (access.resolver() == null) {
            ctx.next();
            return;
          }
          access.resolver().apply(ctx)
              .onFailure(ctx::fail)
              .onSuccess(scope -> {
                if (scope == null) {
                  ctx.fail(AppException.notFound("No such resource"));
                  return;
                }
                boolean inside = scope.stationId() != null
                    ? principal.jurisdiction().coversStation(scope.stationId(), scope.divisionCode())
                    : principal.jurisdiction().coversDivision(scope.divisionCode());
                if (inside) {
                  ctx.next();
                } else {
                  ctx.fail(AppException.forbidden("Outside your jurisdiction"));
                }
              });
        });
  }

  /** 429 with Retry-After when a signed-in caller exceeds the per-user request rate of the cluster. */
  private Future<Void> limit(Principal principal) {
    if (principal == null) {
      return Future.succeededFuture();
    }
    return limiter.acquire(principal.id()).compose(wait -> wait > 0
        ? Future.failedFuture(new AppException.RetryLater(ErrorKind.TOO_MANY_REQUESTS,
            "Too many requests from this account; try again in " + wait + " s", wait))
        : Future.succeededFuture());
  }

  /** Finds the caller: bearer token on the API, session cookie on pages. */
  private Future<Principal> identify(RoutingContext ctx) {
    Future<Principal> found;
    if (isApi(ctx)) {
      String header = ctx.request().getHeader("Authorization");
      found = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
          ? authenticator.byBearerToken(header.substring(7).trim())
          : Future.succeededFuture();
    } else {
      // Only a request carrying the session cookie has a session to look in: asking for one otherwise
      // creates a new, empty session that is stored cluster-wide for every anonymous request (load
      // balancer probes, /metrics scrapes), filling Hazelcast's heap (found by the benchmarks).
      Session session = ctx.request().getCookie(SESSION_COOKIE) == null ? null : ctx.session();
      Object id = session == null ? null : session.get(SESSION_ACCOUNT);
      found = id instanceof Number n
          ? authenticator.byAccountId(n.longValue()).map(p -> current(session, p))
          : Future.succeededFuture();
    }
    return found.map(p -> {
      if (p != null) {
        ctx.put(PRINCIPAL_KEY, p);
      }
      return p;
    });
  }

  /** The CSRF check on its own, for routes whose guard ran before the body (with the token) was read. */
  Handler<RoutingContext> csrfCheck() {
    return ctx -> {
      if (isApi(ctx) || !changesState(ctx.request().method()) || Csrf.valid(ctx)) {
        ctx.next();
      } else {
        ctx.fail(csrfFailure());
      }
    };
  }

  private void authorize(RoutingContext ctx, Access access, Principal principal, boolean checkCsrf) {
    boolean api = isApi(ctx);
    boolean csrfOk = !checkCsrf || api || !changesState(ctx.request().method()) || Csrf.valid(ctx);
    if (access.isOpen()) {
      if (!csrfOk) {
        throw csrfFailure();
      }
      return;
    }
    if (principal == null) {
      if (!api && ctx.request().method() == HttpMethod.GET) {
        throw new LoginRedirect(ctx.request().uri());
      }
      throw AppException.unauthorized(api ? "A valid bearer token is required (POST /api/v1/auth/token)" : "Sign-in required");
    }
    if (!csrfOk) {
      throw csrfFailure();
    }
    if (principal.mustChangePassword() && !exemptFromPasswordChange(path(ctx))) {
      if (!api && ctx.request().method() == HttpMethod.GET) {
        throw new Redirect(PASSWORD_PAGE);
      }
      throw AppException.forbidden("Change your password first");
    }
    if (!access.roles().contains(principal.role())) {
      throw AppException.forbidden("Your role may not do this");
    }
  }

  private static AppException csrfFailure() {
    return new CsrfFailure();
  }

  /** 403 for a state-changing page request without the session's CSRF token (an expired or forged form). */
  public static final class CsrfFailure extends AppException {
    CsrfFailure() {
      super(ErrorKind.FORBIDDEN,
          "The form has expired or did not come from this site (CSRF check failed); reload the page and try again");
    }
  }

  /** A failure that the error handler answers with a redirect (303). */
  public static class Redirect extends AppException {
    private final String location;

    public Redirect(String location) {
      super(ErrorKind.UNAUTHORIZED, "Redirect");
      this.location = location;
    }

    public String location() {
      return location;
    }
  }

  /** Sends an anonymous page request to the sign-in page, then back. */
  public static final class LoginRedirect extends Redirect {
    public LoginRedirect(String back) {
      super("/login?back=" + URLEncoder.encode(back, StandardCharsets.UTF_8));
    }
  }
}
