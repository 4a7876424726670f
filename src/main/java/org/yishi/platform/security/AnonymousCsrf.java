package org.yishi.platform.security;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * CSRF tokens for visitors nobody signed in, without a server-side session: a signed double-submit
 * cookie. The browser gets a random value in an HttpOnly, SameSite=Lax cookie ({@link #cookieName});
 * the token in its forms is the HMAC-SHA256 of that value under a key every node of the cluster
 * shares. A state-changing request passes when its token is the HMAC of its own cookie's value: a
 * forged page on another site can read neither the cookie nor a token made for it, and cannot make
 * one without the cluster's key. Nothing is stored per visitor, so an anonymous page view costs no
 * write to the cluster's session map (docs/security.md, "CSRF").
 */
public final class AnonymousCsrf {
  /** The cluster-wide map that holds the key (made by the first node that starts, read by the others). */
  static final String KEY_MAP = "yishi.csrf-key";
  /** Where the request's cookie value is kept once read or made (one per request). */
  private static final String NONCE_IN_CONTEXT = "yishi.csrf.nonce";
  /** Domain separation: this key signs nothing else. */
  private static final byte[] LABEL = "yishi anonymous csrf v1|".getBytes(StandardCharsets.UTF_8);

  private final SecretKeySpec key;
  private final String cookieName;
  private final boolean secure;
  private final ThreadLocal<Mac> macs;

  /**
   * @param key    the cluster's key (32 bytes)
   * @param secure the cookie is marked Secure and named with the {@code __Host-} prefix (served over HTTPS),
   *               so that no sibling subdomain can set it
   */
  public AnonymousCsrf(byte[] key, boolean secure) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the CSRF key needs 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.secure = secure;
    this.cookieName = secure ? "__Host-yishi_csrf" : "yishi_csrf";
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /**
   * The cluster's key: the one in the cluster-wide map, or a new random one put there when no node
   * made one yet (two nodes starting at once agree on whichever was put first).
   */
  public static Future<AnonymousCsrf> shared(Vertx vertx, boolean secure) {
    String mine = SecretTokens.newToken();
    return vertx.sharedData().<String, String>getAsyncMap(KEY_MAP)
        .compose(map -> map.putIfAbsent("key", mine))
        .map(existing -> new AnonymousCsrf(Base64.getUrlDecoder().decode(existing != null ? existing : mine), secure));
  }

  /** The name of the browser's cookie. */
  public String cookieName() {
    return cookieName;
  }

  /** The token for this request's forms; sets the cookie when the browser has none (or a malformed one). */
  public String token(RoutingContext ctx) {
    String nonce = ctx.get(NONCE_IN_CONTEXT);
    if (nonce == null) {
      nonce = sentNonce(ctx);
      if (nonce == null) {
        nonce = SecretTokens.newToken();
        ctx.response().addCookie(Cookie.cookie(cookieName, nonce).setPath("/").setHttpOnly(true)
            .setSecure(secure).setSameSite(CookieSameSite.LAX));
      }
      ctx.put(NONCE_IN_CONTEXT, nonce);
    }
    return sign(nonce);
  }

  /** Whether {@code sent} is the token of the cookie this request carries. */
  public boolean valid(RoutingContext ctx, String sent) {
    String nonce = sentNonce(ctx);
    return nonce != null && sent != null && MessageDigest.isEqual(
        sign(nonce).getBytes(StandardCharsets.US_ASCII), sent.getBytes(StandardCharsets.UTF_8));
  }

  /** The cookie's value if it looks like one this class made (43 base64url characters), else null. */
  private String sentNonce(RoutingContext ctx) {
    Cookie c = ctx.request().getCookie(cookieName);
    String v = c == null ? null : c.getValue();
    return v != null && v.length() == 43 && v.chars().allMatch(AnonymousCsrf::base64url) ? v : null;
  }

  private static boolean base64url(int ch) {
    return ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_';
  }

  private String sign(String nonce) {
    Mac mac = macs.get();
    mac.update(LABEL);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(nonce.getBytes(StandardCharsets.US_ASCII)));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
