package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.yishi.platform.config.AppConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Alibaba Cloud SMS (阿里云短信服务, dysmsapi {@code SendSms}, version 2017-05-25) with the RPC
 * signature (signature method V2, HMAC-SHA1): the parameters sorted by name, each name and value
 * percent-encoded (RFC 3986: unreserved characters kept, space as {@code %20}), joined into the
 * canonicalized query; {@code StringToSign = GET&%2F&percentEncode(canonicalizedQuery)};
 * {@code Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign))}. The message goes
 * through a pre-approved template with one variable {@code ${content}} (the message's text), the
 * template code chosen by the message's kind, under the pre-approved signature name. {@code Code}
 * {@code OK} is acceptance; throttling and the provider's system errors are retried, any other code
 * fails the message with the provider's code and message. The AccessKey secret is never logged.
 */
public final class AliyunSmsChannel implements Channel {
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  /** Codes worth another try later (flow control, the provider's own failures). */
  private static final Set<String> LATER = Set.of("isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling",
      "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError", "isv.OUT_OF_SERVICE");
  private final WebClient client;
  private final AppConfig.AliyunSms settings;
  private final int timeoutMs;
  private final Supplier<Instant> clock;

  public AliyunSmsChannel(WebClient client, AppConfig.AliyunSms settings, int timeoutSeconds, Supplier<Instant> clock) {
    this.client = client;
    this.settings = settings;
    this.timeoutMs = timeoutSeconds * 1000;
    this.clock = clock;
  }

  @Override
  public Future<String> send(Outgoing m) {
    Map<String, String> params = new TreeMap<>();
    params.put("AccessKeyId", settings.accessKeyId());
    params.put("Action", "SendSms");
    params.put("Format", "JSON");
    params.put("OutId", m.dedupeKey().length() > 256 ? m.dedupeKey().substring(0, 256) : m.dedupeKey());
    params.put("PhoneNumbers", m.recipient());
    params.put("RegionId", "cn-hangzhou");
    params.put("SignName", settings.signName());
    params.put("SignatureMethod", "HMAC-SHA1");
    params.put("SignatureNonce", UUID.randomUUID().toString());
    params.put("SignatureVersion", "1.0");
    params.put("TemplateCode", settings.template(m.kind()));
    params.put("TemplateParam", new JsonObject().put("content", m.body()).encode());
    params.put("Timestamp", TIMESTAMP.format(clock.get()));
    params.put("Version", "2017-05-25");
    String query = canonicalized(params);
    String signature = sign("GET", query, settings.accessKeySecret());
    String url = settings.endpoint() + (settings.endpoint().contains("?") ? "&" : "?") + "Signature=" + encode(signature) + "&" + query;
    return client.getAbs(url).timeout(timeoutMs).send()
        .recover(e -> Future.failedFuture(DeliveryFailure.transport("Alibaba Cloud SMS", e)))
        .compose(AliyunSmsChannel::answer);
  }

  private static Future<String> answer(HttpResponse<Buffer> resp) {
    String raw = resp.bodyAsString() == null ? "" : resp.bodyAsString();
    JsonObject json;
    try {
      json = new JsonObject(raw);
    } catch (RuntimeException e) {
      return Future.failedFuture(new DeliveryFailure("Alibaba Cloud SMS answered HTTP " + resp.statusCode()
          + " without JSON: " + cut(raw), resp.statusCode() >= 500 || resp.statusCode() == 429 || resp.statusCode() < 300));
    }
    String code = json.getString("Code", "");
    if ("OK".equals(code) && resp.statusCode() / 100 == 2) {
      return Future.succeededFuture("Alibaba Cloud SMS OK BizId=" + json.getString("BizId", "") + " RequestId="
          + json.getString("RequestId", ""));
    }
    boolean later = LATER.contains(code) || resp.statusCode() >= 500 || resp.statusCode() == 429;
    return Future.failedFuture(new DeliveryFailure("Alibaba Cloud SMS " + code + ": " + json.getString("Message", ""), later));
  }

  /** The sorted, percent-encoded {@code name=value} pairs joined with {@code &}. */
  static String canonicalized(Map<String, String> params) {
    return new TreeMap<>(params).entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  /** {@code Base64(HMAC-SHA1(secret + "&", method + "&%2F&" + percentEncode(canonicalizedQuery)))}. */
  static String sign(String method, String canonicalizedQuery, String secret) {
    String toSign = method + "&" + encode("/") + "&" + encode(canonicalizedQuery);
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec((secret + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 3986 percent-encoding as the signature requires: A–Z a–z 0–9 - _ . ~ kept, space as %20. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  private static String cut(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
