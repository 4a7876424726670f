package org.yishi.notify;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Encrypts the channel secrets kept in PostgreSQL (SMTP password, webhook URLs, signing secrets,
 * SMS keys) with AES-256-GCM under the key of {@code YISHI_SECRET_KEY} (Base64 of 32 random bytes,
 * e.g. {@code openssl rand -base64 32}): a fresh random 96-bit nonce per value, stored as
 * {@code v1:} + Base64(nonce || ciphertext || 128-bit tag). A value encrypted under another key, or
 * altered, does not decrypt ({@link SecretException}); nothing here logs or prints a value or the key.
 */
public final class SecretBox {
  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;
  private final String problem;

  /** @param raw the 32 key bytes, or null with the {@code problem} that makes the key unusable */
  private SecretBox(byte[] raw, String problem) {
    this.key = raw == null ? null : new SecretKeySpec(raw, "AES");
    this.problem = problem;
  }

  /**
   * The box of the configured key; a missing or malformed key gives a box that encrypts and
   * decrypts nothing and names the problem ({@link #problem}), without quoting the key.
   */
  public static SecretBox of(String base64Key) {
    if (base64Key == null || base64Key.isBlank()) {
      return new SecretBox(null, "YISHI_SECRET_KEY is not set: channel secrets stored in the database cannot be read or saved "
          + "(generate one with: openssl rand -base64 32)");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64Key.trim());
    } catch (IllegalArgumentException e) {
      return new SecretBox(null, "YISHI_SECRET_KEY is malformed: it is not Base64 (generate one with: openssl rand -base64 32)");
    }
    if (raw.length != 32) {
      return new SecretBox(null, "YISHI_SECRET_KEY is malformed: it decodes to " + raw.length
          + " bytes, 32 are required (generate one with: openssl rand -base64 32)");
    }
    return new SecretBox(raw, null);
  }

  /** Null when the key is usable; otherwise what is wrong with it (for the log, /ready and the admin page). */
  public String problem() {
    return problem;
  }

  public boolean usable() {
    return problem == null;
  }

  /** {@code v1:} + Base64(nonce || ciphertext || tag) of {@code plain} under a fresh random nonce. */
  public String encrypt(String plain) {
    if (key == null) {
      throw new SecretException(problem);
    }
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new SecretException("cannot encrypt: " + e.getClass().getSimpleName());
    }
  }

  /** The plain value; {@link SecretException} when the key is unusable, wrong or the value altered. */
  public String decrypt(String stored) {
    if (key == null) {
      throw new SecretException(problem);
    }
    if (stored == null || !stored.startsWith(PREFIX)) {
      throw new SecretException("a stored secret is not in the v1 format");
    }
    try {
      byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
      if (all.length < NONCE_BYTES + 16) {
        throw new SecretException("a stored secret is too short");
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, NONCE_BYTES));
      return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new SecretException("the stored secrets do not decrypt with YISHI_SECRET_KEY (another key, or altered values)");
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new SecretException("a stored secret cannot be decrypted: " + e.getClass().getSimpleName());
    }
  }

  /** A secret that cannot be encrypted or decrypted; the message never contains the value or the key. */
  public static final class SecretException extends RuntimeException {
    public SecretException(String message) {
      super(message, null, false, false);
    }
  }
}
