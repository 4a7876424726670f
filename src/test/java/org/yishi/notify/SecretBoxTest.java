package org.yishi.notify;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AES-GCM box of the channel secrets and the check of YISHI_SECRET_KEY. */
class SecretBoxTest {
  static String newKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  @Test
  void aValueRoundTripsUnderAFreshNonceEachTime() {
    SecretBox box = SecretBox.of(newKey());
    assertNull(box.problem());
    String a = box.encrypt("smtp-密码-1");
    String b = box.encrypt("smtp-密码-1");
    assertTrue(a.startsWith("v1:"), a);
    assertNotEquals(a, b, "a random 96-bit nonce per value");
    assertNotEquals(Base64.getDecoder().decode(a.substring(3)).length, 0);
    assertEquals(12 + "smtp-密码-1".getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 16,
        Base64.getDecoder().decode(a.substring(3)).length, "nonce || ciphertext || 128-bit tag");
    assertFalse(a.contains("smtp"));
    assertEquals("smtp-密码-1", box.decrypt(a));
    assertEquals("smtp-密码-1", box.decrypt(b));
  }

  @Test
  void anotherKeyOrAnAlteredValueDoesNotDecrypt() {
    String sealed = SecretBox.of(newKey()).encrypt("webhook-key");
    var wrong = assertThrows(SecretBox.SecretException.class, () -> SecretBox.of(newKey()).decrypt(sealed));
    assertTrue(wrong.getMessage().contains("do not decrypt with YISHI_SECRET_KEY"), wrong.getMessage());
    String key = newKey();
    SecretBox box = SecretBox.of(key);
    byte[] raw = Base64.getDecoder().decode(box.encrypt("webhook-key").substring(3));
    raw[raw.length - 1] ^= 1;
    assertThrows(SecretBox.SecretException.class, () -> box.decrypt("v1:" + Base64.getEncoder().encodeToString(raw)));
    assertThrows(SecretBox.SecretException.class, () -> box.decrypt("plain-text"));
    assertThrows(SecretBox.SecretException.class, () -> box.decrypt("v1:AAAA"));
  }

  @Test
  void aMissingOrMalformedKeyIsNamedWithoutQuotingItAndSealsNothing() {
    SecretBox missing = SecretBox.of("");
    assertTrue(missing.problem().startsWith("YISHI_SECRET_KEY is not set"), missing.problem());
    assertTrue(missing.problem().contains("openssl rand -base64 32"));
    assertThrows(SecretBox.SecretException.class, () -> missing.encrypt("x"));
    assertThrows(SecretBox.SecretException.class, () -> missing.decrypt("v1:AAAA"));

    SecretBox notBase64 = SecretBox.of("not*base64!secret");
    assertTrue(notBase64.problem().contains("not Base64"), notBase64.problem());
    assertFalse(notBase64.problem().contains("not*base64!secret"), "the key itself is never quoted");

    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    SecretBox tooShort = SecretBox.of(shortKey);
    assertTrue(tooShort.problem().contains("16 bytes, 32 are required"), tooShort.problem());
    assertFalse(tooShort.problem().contains(shortKey));
    assertFalse(tooShort.usable());
  }
}
