package org.yishi.support;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The group robots' documented request formats, as a test checks what a {@link LocalGateway} received:
 * DingTalk (钉钉) and WeCom (企业微信) {@code {"msgtype":"text","text":{"content":…}}}, DingTalk signed in
 * the URL with HMAC-SHA256(key = secret, data = timestamp + "\n" + secret); Feishu (飞书)
 * {@code {"msg_type":"text","content":{"text":…}}}, signed in the body with HMAC-SHA256(key = timestamp +
 * "\n" + secret) over no data. Signatures are recomputed here, independently of the channel's code.
 */
public final class RobotFormats {
  private RobotFormats() {
  }

  /** The text a DingTalk or WeCom robot received. */
  public static String textOf(LocalGateway.Received r) {
    return r.body().getJsonObject("text").getString("content");
  }

  /** The text a Feishu robot received. */
  public static String feishuTextOf(LocalGateway.Received r) {
    return r.body().getJsonObject("content").getString("text");
  }

  /** The requests a DingTalk or WeCom robot accepted whose text matches. */
  public static List<LocalGateway.Received> texts(LocalGateway robot, Predicate<String> match) {
    return robot.accepted().stream().filter(r -> r.body().containsKey("text") && match.test(textOf(r))).toList();
  }

  /** The requests a Feishu robot accepted whose text matches. */
  public static List<LocalGateway.Received> feishuTexts(LocalGateway robot, Predicate<String> match) {
    return robot.accepted().stream().filter(r -> r.body().containsKey("content") && match.test(feishuTextOf(r))).toList();
  }

  /** Checks a DingTalk request: text message, access token kept, URL signature over its timestamp. */
  public static void assertDingTalk(LocalGateway.Received r, String accessToken, String secret) {
    assertEquals("text", r.body().getString("msgtype"), r.body().encode());
    assertEquals(accessToken, r.query().get("access_token"));
    String ts = r.query().get("timestamp");
    assertEquals(hmac(secret, ts + "\n" + secret), r.query().get("sign"), "DingTalk signature");
  }

  /** Checks a WeCom request: text message to the webhook's key. */
  public static void assertWeCom(LocalGateway.Received r, String key) {
    assertEquals("text", r.body().getString("msgtype"), r.body().encode());
    assertEquals(key, r.query().get("key"));
  }

  /** Checks a Feishu request: text message, signature in the body over its timestamp (seconds). */
  public static void assertFeishu(LocalGateway.Received r, String secret) {
    assertEquals("text", r.body().getString("msg_type"), r.body().encode());
    String ts = r.body().getString("timestamp");
    assertEquals(hmac(ts + "\n" + secret, ""), r.body().getString("sign"), "Feishu signature");
  }

  /** Base64(HMAC-SHA256(key, data)), UTF-8. */
  public static String hmac(String key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
