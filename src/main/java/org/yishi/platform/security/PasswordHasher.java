package org.yishi.platform.security;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Salted, iterated password hashes: PBKDF2-HMAC-SHA256 with a 16-byte random salt, stored as
 * {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} so the iteration count can be raised later without
 * invalidating stored hashes. CPU-heavy by design: call it on a worker thread.
 */
public final class PasswordHasher {
  private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
  private static final String PREFIX = "pbkdf2-sha256";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final int iterations;
  private final String dummyHash;

  /** @param iterations work factor for new hashes (310,000 by default; see OWASP guidance) */
  public PasswordHasher(int iterations) {
    this.iterations = iterations;
    this.dummyHash = hash("not-a-real-password-" + RANDOM.nextLong());
  }

  public String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] derived = derive(password, salt, iterations);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(derived);
  }

  /** Constant-time check of a password against a stored hash; false for malformed hashes. */
  public boolean verify(String password, String stored) {
    String[] parts = stored == null ? new String[0] : stored.split("\\$");
    if (parts.length != 4 || !PREFIX.equals(parts[0])) {
      return false;
    }
    try {
      int iter = Integer.parseInt(parts[1]);
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] expected = Base64.getDecoder().decode(parts[3]);
      return MessageDigest.isEqual(expected, derive(password, salt, iter));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Spends the same time as a real check, so unknown user names cannot be told apart by timing. */
  public void verifyDummy(String password) {
    verify(password, dummyHash);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2 unavailable", e);
    }
  }
}
