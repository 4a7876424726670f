package org.yishi.notify;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.support.LocalGateway;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alibaba Cloud SMS: the RPC signature against the documented example, and SendSms requests to a
 * local HTTP server that checks the documented parameters and recomputes the signature itself.
 */
class AliyunSmsTest {
  private static final String KEY_ID = "LTAItestkeyid";
  private static final String KEY_SECRET = "test-secret-value";
  private static Node node;
  private static String pgUrl;

  @BeforeAll
  static void start() {
    pgUrl = TestPostgres.freshDatabaseUrl();
    node = TestNodes.start(TestNodes.env(pgUrl, Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "3600")));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theSignatureMatchesTheDocumentedExample() {
    // the example of Alibaba Cloud's "request signature" page (RPC style, ECS DescribeRegions),
    // AccessKeySecret "testsecret": Signature OLeaidS1JvxuMvnyHOwuJ+uX5qY=
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Timestamp", "2016-02-23T12:46:24Z");
    p.put("Format", "XML");
    p.put("AccessKeyId", "testid");
    p.put("Action", "DescribeRegions");
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
    p.put("Version", "2014-05-26");
    p.put("SignatureVersion", "1.0");
    String query = AliyunSmsChannel.canonicalized(p);
    assertEquals("AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1"
        + "&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z"
        + "&Version=2014-05-26", query);
    assertEquals("OLeaidS1JvxuMvnyHOwuJ+uX5qY=", AliyunSmsChannel.sign("GET", query, "testsecret"));
    assertEquals("a%20b%2A~%E8%AE%AE", AliyunSmsChannel.encode("a b*~议"));
  }

  private static AppConfig config(String endpoint, String templates) {
    Map<String, String> env = new HashMap<>(TestNodes.env(pgUrl, Map.of()));
    env.put("YISHI_ALIYUN_SMS_ENDPOINT", endpoint);
    env.put("YISHI_ALIYUN_SMS_ACCESS_KEY_ID", KEY_ID);
    env.put("YISHI_ALIYUN_SMS_ACCESS_KEY_SECRET", KEY_SECRET);
    env.put("YISHI_ALIYUN_SMS_SIGN_NAME", "议事平台");
    env.put("YISHI_ALIYUN_SMS_TEMPLATES", templates);
    return TestNodes.config(env);
  }

  private static long queue(String to, String kind, String key) {
    return node.app().pool().preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind) VALUES ('sms', $1, '议事', $2, $3, $4)
            RETURNING id""").execute(Tuple.of(to, "李四：会议改到 12月8日 09:00 举行。", key, kind)).await().iterator().next().getLong(0);
  }

  private static JsonObject row(long id) {
    return node.app().pool().preparedQuery("SELECT attempts, sent_at IS NOT NULL AS sent, failed_at IS NOT NULL AS failed, "
        + "last_error, gateway_reply FROM outbox WHERE id = $1").execute(Tuple.of(id)).await().iterator().next().toJson();
  }

  private static void send(AppConfig config) {
    DeliveryService d = new DeliveryService(node.app().vertx(), node.app().pool(), config.notifications(), Instant::now);
    try {
      d.sendDue("test-node", Instant.now()).await();
    } finally {
      d.close();
    }
  }

  /** The signature as the provider checks it, computed here independently of the channel's code. */
  private static String expectedSignature(Map<String, String> received) {
    TreeMap<String, String> sorted = new TreeMap<>(received);
    sorted.remove("Signature");
    StringBuilder q = new StringBuilder();
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      q.append(q.length() == 0 ? "" : "&").append(rfc3986(e.getKey())).append('=').append(rfc3986(e.getValue()));
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec((KEY_SECRET + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(("GET&%2F&" + rfc3986(q.toString())).getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String rfc3986(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  @Test
  void sendSmsCarriesTheDocumentedParametersAndAValidSignature() {
    try (LocalGateway aliyun = new LocalGateway("{\"Message\":\"OK\",\"RequestId\":\"F655A8D5-B967\",\"BizId\":\"900619746936498440^0\",\"Code\":\"OK\"}")) {
      AppConfig config = config(aliyun.url("/"), "default=SMS_100;meeting_changed=SMS_153055065");
      long id = queue("13900000001", "meeting_changed", "meeting_changed:5:v2:member:3");
      long other = queue("13900000002", "topic_rejected", "topic_rejected:9:v2:account:4:sms");
      send(config);
      JsonObject r = row(id);
      assertTrue(r.getBoolean("sent"), r.encode());
      assertEquals("Alibaba Cloud SMS OK BizId=900619746936498440^0 RequestId=F655A8D5-B967", r.getString("gateway_reply"));
      assertEquals(2, aliyun.accepted().size());
      Map<String, String> q = aliyun.accepted().stream().filter(x -> "13900000001".equals(x.query().get("PhoneNumbers")))
          .findFirst().orElseThrow().query();
      assertEquals("SendSms", q.get("Action"));
      assertEquals("2017-05-25", q.get("Version"));
      assertEquals("JSON", q.get("Format"));
      assertEquals(KEY_ID, q.get("AccessKeyId"));
      assertEquals("议事平台", q.get("SignName"));
      assertEquals("SMS_153055065", q.get("TemplateCode"), "the template code of the message's kind");
      assertEquals(new JsonObject().put("content", "李四：会议改到 12月8日 09:00 举行。"), new JsonObject(q.get("TemplateParam")));
      assertEquals("meeting_changed:5:v2:member:3", q.get("OutId"), "the dedupe key makes a repeat visible");
      assertEquals("HMAC-SHA1", q.get("SignatureMethod"));
      assertEquals("1.0", q.get("SignatureVersion"));
      assertTrue(q.get("Timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), q.get("Timestamp"));
      assertEquals(expectedSignature(q), q.get("Signature"), "the signature the provider recomputes");
      assertTrue(!q.containsValue(KEY_SECRET), "the secret never travels");
      assertEquals("SMS_100", aliyun.accepted().stream().filter(x -> "13900000002".equals(x.query().get("PhoneNumbers")))
          .findFirst().orElseThrow().query().get("TemplateCode"), "other kinds use the default template");
      assertTrue(row(other).getBoolean("sent"));
    }
  }

  @Test
  void theProvidersErrorCodesFailOrRetryWithTheirReason() {
    try (LocalGateway refusing = new LocalGateway("{\"Message\":\"invalid mobile number\",\"RequestId\":\"R1\",\"Code\":\"isv.MOBILE_NUMBER_ILLEGAL\"}");
         LocalGateway busy = new LocalGateway("{\"Message\":\"flow control\",\"RequestId\":\"R2\",\"Code\":\"isv.BUSINESS_LIMIT_CONTROL\"}")) {
      long bad = queue("1390000", "topic_rejected", "aliyun:bad:1");
      send(config(refusing.url("/"), "default=SMS_100"));
      JsonObject r = row(bad);
      assertTrue(r.getBoolean("failed"), r.encode());
      assertEquals("Alibaba Cloud SMS isv.MOBILE_NUMBER_ILLEGAL: invalid mobile number", r.getString("last_error"));
      long limited = queue("13900000003", "topic_rejected", "aliyun:busy:1");
      send(config(busy.url("/"), "default=SMS_100"));
      JsonObject l = row(limited);
      assertTrue(!l.getBoolean("failed") && !l.getBoolean("sent") && l.getInteger("attempts") == 1, l.encode());
      assertTrue(l.getString("last_error").contains("isv.BUSINESS_LIMIT_CONTROL"), l.encode());
      assertTrue(!l.getString("last_error").contains(KEY_SECRET));
    }
  }

  @Test
  void incompleteSettingsStopTheNodeNamingWhatIsMissing() {
    Map<String, String> env = new HashMap<>(TestNodes.env(pgUrl, Map.of()));
    env.put("YISHI_ALIYUN_SMS_ACCESS_KEY_ID", KEY_ID);
    env.put("YISHI_ALIYUN_SMS_ACCESS_KEY_SECRET", KEY_SECRET);
    RuntimeException e = assertThrows(RuntimeException.class, () -> TestNodes.config(env));
    assertTrue(e.getMessage().contains("YISHI_ALIYUN_SMS_SIGN_NAME"), e.getMessage());
    env.put("YISHI_ALIYUN_SMS_SIGN_NAME", "议事平台");
    env.put("YISHI_ALIYUN_SMS_TEMPLATES", "default=not-a-code");
    RuntimeException t = assertThrows(RuntimeException.class, () -> TestNodes.config(env));
    assertTrue(t.getMessage().contains("must be kind=SMS_code"), t.getMessage());
    env.put("YISHI_ALIYUN_SMS_TEMPLATES", "default=SMS_100");
    AppConfig ok = TestNodes.config(env);
    assertTrue(ok.notifications().aliyunSms().enabled());
    assertTrue(!ok.notifications().aliyunSms().toString().contains(KEY_SECRET), "prints without the secret");
  }
}
