package org.yishi.platform.reliability;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives every form of a rendered page its own idempotency token, centrally: each form that carries
 * the CSRF field (every state-changing form does) gets a hidden {@code _idempotency} field beside
 * it, with a fresh random value per form and per rendering. Posting the form twice (a double
 * click, a reload, a retry after a timeout) sends the same token, and {@link Idempotency} answers
 * the repeat with the first answer. A form that already carries a token (the "try again" form of
 * the unavailable page, which re-posts the original one) keeps it.
 */
public final class FormTokens {
  /**
   * A generator per thread: the default (NativePRNG) serialises every call on one lock and read of
   * /dev/urandom, which a page of thirty forms paid thirty times (the home pages' profile).
   */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  });
  /** A CSRF field starts so and ends at the first quote after it, which closes the tag ({@code [^"]*">}). */
  private static final String CSRF_INPUT = "<input type=\"hidden\" name=\"_csrf\" value=\"";
  private static final Pattern TOKEN_INPUT = Pattern.compile("(<input type=\"hidden\" name=\"" + Idempotency.FIELD + "\" value=\")[^\"]*(\">)");

  private FormTokens() {
  }

  /** A new token: 128 random bits, URL-safe. */
  public static String newToken() {
    byte[] bytes = new byte[16];
    RANDOM.get().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The page with a token field after the CSRF field of each form that has none yet. */
  public static String inject(String html) {
    if (html.indexOf("name=\"_csrf\"") < 0) {
      return html;
    }
    // a page without any token yet (nearly all) needs no search of each form for one
    boolean anyToken = html.indexOf("name=\"" + Idempotency.FIELD + "\"") >= 0;
    StringBuilder out = new StringBuilder(html.length() + 512);
    int copied = 0;
    // plain searches rather than a regular expression: the pages with many forms paid ~8% of their CPU here
    for (int at = html.indexOf(CSRF_INPUT); at >= 0; at = html.indexOf(CSRF_INPUT, at + 1)) {
      int quote = html.indexOf('"', at + CSRF_INPUT.length());
      if (quote < 0 || quote + 1 >= html.length() || html.charAt(quote + 1) != '>') {
        continue; // not a whole field
      }
      int end = quote + 2;
      out.append(html, copied, end);
      copied = end;
      if (!anyToken || !formHasToken(html, at)) {
        out.append("<input type=\"hidden\" name=\"").append(Idempotency.FIELD).append("\" value=\"")
            .append(newToken()).append("\">");
      }
      at = end - 1;
    }
    return out.append(html, copied, html.length()).toString();
  }

  /** The page with every token replaced by a fresh one (a stored page replayed to a retry). */
  public static String refresh(String html) {
    Matcher m = TOKEN_INPUT.matcher(html);
    StringBuilder out = new StringBuilder(html.length());
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + newToken() + m.group(2)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static boolean formHasToken(String html, int at) {
    int start = html.lastIndexOf("<form", at);
    int end = html.indexOf("</form>", at);
    if (start < 0) {
      return false;
    }
    int field = html.indexOf("name=\"" + Idempotency.FIELD + "\"", start);
    return field >= 0 && (end < 0 || field < end);
  }
}
