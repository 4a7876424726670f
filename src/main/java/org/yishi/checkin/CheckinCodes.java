package org.yishi.checkin;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Signed check-in codes: {@code meetingId.notBefore.notAfter.signature}, the times in epoch seconds and
 * the signature the first 16 bytes of an HMAC-SHA256 over the first three parts, base64url. The key is
 * one row of {@code checkin_secret}, made once by whichever node needs it first, so every node of the
 * cluster verifies every node's codes. Nothing in the code is secret; it cannot be altered or made up.
 */
public final class CheckinCodes {
  private static final Pattern FORM = Pattern.compile("(\\d{1,18})\\.(\\d{1,12})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{22})");
  private final Pool pool;
  private volatile Future<byte[]> secret;

  public CheckinCodes(Pool pool) {
    this.pool = pool;
  }

  /** What a genuine code says: which meeting, and from when until when it admits check-ins. */
  public record Code(long meetingId, long notBefore, long notAfter) {
  }

  private Future<byte[]> secret() {
    Future<byte[]> s = secret;
    if (s == null || s.failed()) {
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      s = pool.preparedQuery("INSERT INTO checkin_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
          .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(fresh)))
          .compose(v -> pool.query("SELECT secret FROM checkin_secret WHERE id = 1").execute())
          .map(rows -> rows.iterator().next().getBuffer(0).getBytes());
      secret = s;
    }
    return s;
  }

  /** The code for a meeting, valid over [notBefore, notAfter] (epoch seconds). */
  public Future<String> sign(long meetingId, long notBefore, long notAfter) {
    String body = meetingId + "." + notBefore + "." + notAfter;
    return secret().map(key -> body + "." + mac(key, body));
  }

  /** The code's content if its signature holds (whatever the time), else null. */
  public Future<Code> verify(String token) {
    if (token == null) {
      return Future.succeededFuture();
    }
    Matcher m = FORM.matcher(token);
    if (!m.matches()) {
      return Future.succeededFuture();
    }
    String body = m.group(1) + "." + m.group(2) + "." + m.group(3);
    return secret().map(key -> {
      byte[] expected = mac(key, body).getBytes(StandardCharsets.US_ASCII);
      boolean ok = MessageDigest.isEqual(expected, m.group(4).getBytes(StandardCharsets.US_ASCII));
      return ok ? new Code(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))) : null;
    });
  }

  private static String mac(byte[] key, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] full = mac.doFinal(("yishi-checkin:" + body).getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
