package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.yishi.platform.config.AppConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP channels: group robots of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书), each in its
 * documented JSON text-message format, and a generic SMS gateway contract. Webhook URLs and secrets
 * are never logged nor written to the delivery log (robots appear by their configured name).
 */
public final class HttpChannels {
  private final WebClient client;
  private final int timeoutMs;
  private final Supplier<Instant> clock;

  public HttpChannels(Vertx vertx, int timeoutSeconds, Supplier<Instant> clock) {
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(timeoutSeconds * 1000)
        .setUserAgent("Yishi").setKeepAlive(true));
    this.timeoutMs = timeoutSeconds * 1000;
    this.clock = clock;
  }

  /** The robot channel: the message's recipient is a configured robot's name. */
  public Channel robots(Map<String, AppConfig.Robot> byName) {
    return m -> {
      AppConfig.Robot robot = byName.get(m.recipient());
      if (robot == null) {
        return Future.failedFuture(new DeliveryFailure("no robot named '" + m.recipient() + "' is configured", true));
      }
      return robot(robot, m.body());
    };
  }

  /** Posts one text message to a robot; answers the robot's acceptance. */
  public Future<String> robot(AppConfig.Robot robot, String text) {
    String url = robot.url();
    JsonObject body;
    long now = clock.get().toEpochMilli();
    switch (robot.kind()) {
      case "dingtalk" -> {
        // https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签)
        body = new JsonObject().put("msgtype", "text").put("text", new JsonObject().put("content", text));
        if (!robot.secret().isEmpty()) {
          String sign = URLEncoder.encode(hmac(robot.secret(), now + "\n" + robot.secret(), ""), StandardCharsets.UTF_8);
          url += (url.contains("?") ? "&" : "?") + "timestamp=" + now + "&sign=" + sign;
        }
      }
      case "feishu" -> {
        // https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot: key = timestamp + "\n" + secret, empty data
        body = new JsonObject().put("msg_type", "text").put("content", new JsonObject().put("text", text));
        if (!robot.secret().isEmpty()) {
          long seconds = now / 1000;
          body.put("timestamp", String.valueOf(seconds)).put("sign", hmac(seconds + "\n" + robot.secret(), null, ""));
        }
      }
      default -> // wecom: https://developer.work.weixin.qq.com/document/path/91770
          body = new JsonObject().put("msgtype", "text").put("text", new JsonObject().put("content", text));
    }
    String gateway = robot.kind() + " robot " + robot.name();
    return client.postAbs(url).timeout(timeoutMs).putHeader("Content-Type", "application/json; charset=utf-8")
        .sendBuffer(Buffer.buffer(body.encode()))
        .recover(e -> Future.failedFuture(DeliveryFailure.transport(gateway, e)))
        .compose(resp -> robotAnswer(gateway, resp));
  }

  private static Future<String> robotAnswer(String gateway, HttpResponse<Buffer> resp) {
    String raw = resp.bodyAsString() == null ? "" : resp.bodyAsString();
    if (resp.statusCode() >= 500 || resp.statusCode() == 429) {
      return Future.failedFuture(new DeliveryFailure(gateway + " answered HTTP " + resp.statusCode() + " " + cut(raw), true));
    }
    if (resp.statusCode() >= 300) {
      return Future.failedFuture(new DeliveryFailure(gateway + " answered HTTP " + resp.statusCode() + " " + cut(raw), false));
    }
    JsonObject json;
    try {
      json = new JsonObject(raw);
    } catch (RuntimeException e) {
      return Future.failedFuture(new DeliveryFailure(gateway + " answered something that is not JSON: " + cut(raw), true));
    }
    // WeCom/DingTalk: errcode/errmsg; Feishu: code/msg (older: StatusCode/StatusMessage)
    Integer code = json.getInteger("errcode", json.getInteger("code", json.getInteger("StatusCode", 0)));
    String msg = json.getString("errmsg", json.getString("msg", json.getString("StatusMessage", "")));
    if (code == 0) {
      return Future.succeededFuture(gateway + ": " + (msg.isEmpty() ? "ok" : msg));
    }
    // rate limited: WeCom 45009, DingTalk 130101 (and 660026), Feishu 9499 / 11232
    boolean later = code == 45009 || code == 130101 || code == 660026 || code == 9499 || code == 11232;
    return Future.failedFuture(new DeliveryFailure(gateway + " error " + code + ": " + msg, later));
  }

  /** Alibaba Cloud SMS (SendSms, signed requests) through this client. */
  public Channel aliyunSms(AppConfig.AliyunSms settings) {
    return new AliyunSmsChannel(client, settings, timeoutMs / 1000, clock);
  }

  /** The generic SMS gateway: POST {"to","text","key"} with a bearer token; any 2xx is acceptance. */
  public Channel sms(String url, String token) {
    return m -> {
      var req = client.postAbs(url).timeout(timeoutMs).putHeader("Content-Type", "application/json; charset=utf-8");
      if (!token.isEmpty()) {
        req.putHeader("Authorization", "Bearer " + token);
      }
      JsonObject body = new JsonObject().put("to", m.recipient()).put("text", m.body()).put("key", m.dedupeKey());
      return req.sendBuffer(Buffer.buffer(body.encode()))
          .recover(e -> Future.failedFuture(DeliveryFailure.transport("SMS gateway", e)))
          .compose(resp -> {
            String raw = resp.bodyAsString() == null ? "" : resp.bodyAsString();
            if (resp.statusCode() / 100 == 2) {
              return Future.succeededFuture("SMS gateway " + resp.statusCode() + " " + cut(raw));
            }
            boolean later = resp.statusCode() >= 500 || resp.statusCode() == 429;
            return Future.failedFuture(new DeliveryFailure("SMS gateway answered HTTP " + resp.statusCode() + " " + cut(raw), later));
          });
    };
  }

  /** HMAC-SHA256 of {@code data} under {@code key}, Base64. */
  static String hmac(String key, String data, String ignored) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] out = mac.doFinal(data == null ? new byte[0] : data.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(out);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String cut(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  public void close() {
    client.close();
  }
}
