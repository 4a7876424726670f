package org.yishi.request;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * A request's tracking code: 20 characters of Crockford base32 drawn from a CSPRNG (100 random
 * bits), so codes are neither sequential nor guessable; shown in groups of five for reading aloud.
 */
public final class TrackingCode {
  static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static final int LENGTH = 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private TrackingCode() {
  }

  /** A fresh random code. */
  public static String next() {
    StringBuilder b = new StringBuilder(LENGTH);
    for (int i = 0; i < LENGTH; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(32)));
    }
    return b.toString();
  }

  /**
   * The code as typed by a person (spaces, dashes, lower case, O for 0, I/L for 1), or null when it
   * cannot be a code. Nothing longer than 40 characters is looked at.
   */
  public static String normalise(String typed) {
    if (typed == null || typed.length() > 40) {
      return null;
    }
    StringBuilder b = new StringBuilder(LENGTH);
    for (char c : typed.toUpperCase(Locale.ROOT).toCharArray()) {
      if (c == ' ' || c == '-') {
        continue;
      }
      char d = c == 'O' ? '0' : c == 'I' || c == 'L' ? '1' : c;
      if (ALPHABET.indexOf(d) < 0) {
        return null;
      }
      b.append(d);
    }
    return b.length() == LENGTH ? b.toString() : null;
  }

  /** {@code ABCDE-FGHJK-MNPQR-STVWX}. */
  public static String grouped(String code) {
    return code.substring(0, 5) + "-" + code.substring(5, 10) + "-" + code.substring(10, 15) + "-" + code.substring(15);
  }
}
