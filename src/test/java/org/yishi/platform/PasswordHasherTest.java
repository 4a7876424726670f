package org.yishi.platform;

import org.junit.jupiter.api.Test;
import org.yishi.platform.security.PasswordHasher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The production work factor: salted, iterated, self-describing hashes. */
class PasswordHasherTest {
  @Test
  void hashesAreSaltedIteratedAndVerifiable() {
    PasswordHasher hasher = new PasswordHasher(310_000);
    String a = hasher.hash("correct horse 议事");
    String b = hasher.hash("correct horse 议事");
    assertTrue(a.startsWith("pbkdf2-sha256$310000$"), a);
    assertNotEquals(a, b, "a fresh salt each time");
    assertTrue(hasher.verify("correct horse 议事", a));
    assertTrue(new PasswordHasher(1_000).verify("correct horse 议事", a), "the stored count is used, not the current one");
    assertFalse(hasher.verify("correct horse", a));
    assertFalse(hasher.verify("x", "not-a-hash"));
    assertFalse(hasher.verify("x", "pbkdf2-sha256$abc$$"));
  }
}
