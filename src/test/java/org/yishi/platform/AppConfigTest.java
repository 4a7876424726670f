package org.yishi.platform;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppConfigTest {

  @Test
  void shippedYamlGivesTheContractDefaults() {
    Vertx vertx = Vertx.vertx();
    try {
      AppConfig c = AppConfig.load(vertx, Map.of()).await();
      assertEquals(8080, c.httpPort());
      assertEquals(5701, c.clusterPort());
      assertEquals(List.of("127.0.0.1"), c.clusterMembers());
      assertEquals("127.0.0.1", c.clusterHost());
      assertTrue(c.embeddedDatabase(), "no YISHI_PG_URL means the embedded database");
      assertNull(c.pgUrl());
      assertFalse(c.demo());
      assertEquals("yishi-demo", c.demoPassword());
      assertEquals("", c.adminPassword());
      assertEquals("./data", c.dataDir().toString());
      assertEquals("127.0.0.1", c.clusterPublicAddress(), "one machine: advertise the loopback address");
      assertEquals(0, c.eventBusPort());
      assertFalse(c.hasReplica());
      assertEquals(List.of("127.0.0.1"), c.pgEmbeddedListen());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void environmentOverridesYaml() {
    JsonObject yaml = new JsonObject().put("http", new JsonObject().put("port", 9000));
    AppConfig c = AppConfig.from(yaml, Map.of(
        "YISHI_HTTP_PORT", "9100",
        "YISHI_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702",
        "YISHI_DEMO", "true",
        "YISHI_PG_URL", "postgresql://u:p@db.example:5432/yishi"));
    assertEquals(9100, c.httpPort());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), c.clusterMembers());
    assertTrue(c.demo());
    assertFalse(c.embeddedDatabase());
    assertEquals(9000, AppConfig.from(yaml, Map.of()).httpPort(), "yaml applies without the variable");
  }

  @Test
  void badValuesNameTheSetting() {
    assertMessage(Map.of("YISHI_HTTP_PORT", "abc"), "YISHI_HTTP_PORT (http.port): 'abc' is not a port number");
    assertMessage(Map.of("YISHI_HTTP_PORT", "70000"), "YISHI_HTTP_PORT (http.port): '70000' is not a port number");
    assertMessage(Map.of("YISHI_CLUSTER_PORT", "-1"), "YISHI_CLUSTER_PORT (cluster.port)");
    assertMessage(Map.of("YISHI_DEMO", "maybe"), "YISHI_DEMO (demo): 'maybe' is not true or false");
    assertMessage(Map.of("YISHI_PG_URL", "mysql://x@h/db"), "YISHI_PG_URL (database.url): must start with postgresql://");
    assertMessage(Map.of("YISHI_PG_URL", "postgresql://host-only"), "YISHI_PG_URL (database.url): expected postgresql://");
    assertMessage(Map.of("YISHI_CLUSTER_MEMBERS", "127.0.0.1:5701-5703"), "ranges such as host:5701-5703 are not accepted");
    assertMessage(Map.of("YISHI_CLUSTER_MEMBERS", "evil host"), "YISHI_CLUSTER_MEMBERS (cluster.members): 'evil host'");
    assertMessage(Map.of("YISHI_CLUSTER_MEMBERS", " , "), "at least one member");
    assertMessage(Map.of("YISHI_HTTP_INSTANCES", "0"), "YISHI_HTTP_INSTANCES (http.instances): 0 is out of range");
    assertMessage(Map.of("YISHI_PG_POOL_SIZE", "many"), "YISHI_PG_POOL_SIZE (database.poolSize): 'many' is not a whole number");
    assertMessage(Map.of("YISHI_PG_KEEP_STATEMENTS", "sometimes"),
        "YISHI_PG_KEEP_STATEMENTS (database.keepStatements): 'sometimes' is not true or false");
  }

  @Test
  void multiHostSettingsReachHazelcastAndKeepJoinExplicit() {
    AppConfig c = AppConfig.from(new JsonObject(), Map.of(
        "YISHI_CLUSTER_HOST", "10.77.0.11",
        "YISHI_CLUSTER_PUBLIC_ADDRESS", "192.0.2.11",
        "YISHI_CLUSTER_MEMBERS", "10.77.0.11,10.77.0.12:5701,10.77.0.13",
        "YISHI_EVENTBUS_PORT", "5801",
        "YISHI_PG_REPLICA_URL", "postgresql://reader:pw@db2.example:5432/yishi"));
    assertEquals("192.0.2.11", c.clusterPublicAddress());
    assertEquals(5801, c.eventBusPort());
    assertTrue(c.hasReplica());
    com.hazelcast.config.Config hz = org.yishi.platform.cluster.ClusterSetup.hazelcastConfig(c);
    com.hazelcast.config.NetworkConfig net = hz.getNetworkConfig();
    assertEquals("192.0.2.11", net.getPublicAddress());
    assertEquals(List.of("10.77.0.11"), List.copyOf(net.getInterfaces().getInterfaces()));
    assertEquals("false", hz.getProperty("hazelcast.socket.bind.any"));
    assertEquals(List.of("10.77.0.11", "10.77.0.12:5701", "10.77.0.13"), net.getJoin().getTcpIpConfig().getMembers());
    assertFalse(net.getJoin().getMulticastConfig().isEnabled(), "multicast stays off across hosts");
    assertFalse(net.getJoin().getAutoDetectionConfig().isEnabled(), "auto-detection stays off across hosts");

    AppConfig any = AppConfig.from(new JsonObject(), Map.of(
        "YISHI_CLUSTER_HOST", "0.0.0.0", "YISHI_CLUSTER_PUBLIC_ADDRESS", "10.77.0.12"));
    com.hazelcast.config.Config hzAny = org.yishi.platform.cluster.ClusterSetup.hazelcastConfig(any);
    assertEquals("true", hzAny.getProperty("hazelcast.socket.bind.any"));
    assertEquals("10.77.0.12", hzAny.getProperty("hazelcast.local.localAddress"));
    assertFalse(hzAny.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
  }

  @Test
  void badMultiHostValuesNameTheSetting() {
    assertMessage(Map.of("YISHI_CLUSTER_HOST", "eth0"), "YISHI_CLUSTER_HOST (cluster.host): 'eth0' is not an IPv4 address");
    assertMessage(Map.of("YISHI_CLUSTER_HOST", "10.0.0.300"), "YISHI_CLUSTER_HOST (cluster.host): '10.0.0.300'");
    assertMessage(Map.of("YISHI_CLUSTER_HOST", "0.0.0.0"), "YISHI_CLUSTER_PUBLIC_ADDRESS (cluster.publicAddress): required");
    assertMessage(Map.of("YISHI_CLUSTER_PUBLIC_ADDRESS", "a b"), "YISHI_CLUSTER_PUBLIC_ADDRESS (cluster.publicAddress): 'a b'");
    assertMessage(Map.of("YISHI_EVENTBUS_PORT", "x"), "YISHI_EVENTBUS_PORT (cluster.eventBusPort): 'x' is not a port number");
    assertMessage(Map.of("YISHI_PG_REPLICA_URL", "http://x/y"), "YISHI_PG_REPLICA_URL (database.replicaUrl): must start with postgresql://");
    assertMessage(Map.of("YISHI_PG_EMBEDDED_LISTEN", "10.77.0.4"), "YISHI_PG_EMBEDDED_PASSWORD (database.embeddedPassword): required");
    assertMessage(Map.of("YISHI_PG_EMBEDDED_LISTEN", "db-host"), "YISHI_PG_EMBEDDED_LISTEN (database.embeddedListen): 'db-host'");
  }

  @Test
  void missingExplicitConfigFileIsReported() {
    Vertx vertx = Vertx.vertx();
    try {
      Throwable t = assertThrows(ConfigException.class,
          () -> AppConfig.load(vertx, Map.of("YISHI_CONFIG", "/nonexistent/yishi.yaml")).await());
      assertTrue(t.getMessage().contains("YISHI_CONFIG: file not found"), t.getMessage());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void reliabilitySettingsHaveDefaultsAndReachHazelcast() {
    AppConfig.ReliabilitySettings r = AppConfig.from(new JsonObject(), Map.of()).reliability();
    assertEquals(new AppConfig.ReliabilitySettings(1, 10, 50, 200, 128, 24), r, "defaults (wait queue 8 x pool size 16)");
    assertEquals(32, AppConfig.from(new JsonObject(), Map.of("YISHI_PG_POOL_SIZE", "4")).reliability().pgWaitQueueSize(),
        "the wait queue follows the pool size unless set");
    AppConfig c = AppConfig.from(new JsonObject().put("cluster", new JsonObject().put("maxNoHeartbeatSeconds", 5)),
        Map.of("YISHI_CLUSTER_HEARTBEAT_SECONDS", "2", "YISHI_RATE_LIMIT_PER_SECOND", "0", "YISHI_PG_WAIT_QUEUE", "7"));
    assertEquals(new AppConfig.ReliabilitySettings(2, 5, 0, 200, 7, 24), c.reliability());
    com.hazelcast.config.Config hz = org.yishi.platform.cluster.ClusterSetup.hazelcastConfig(c);
    assertEquals("2", hz.getProperty("hazelcast.heartbeat.interval.seconds"));
    assertEquals("5", hz.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("5", hz.getProperty("hazelcast.merge.first.run.delay.seconds"), "a dropped member merges back soon");
    assertMessage(Map.of("YISHI_CLUSTER_HEARTBEAT_SECONDS", "5", "YISHI_CLUSTER_MAX_NO_HEARTBEAT_SECONDS", "5"),
        "YISHI_CLUSTER_MAX_NO_HEARTBEAT_SECONDS (cluster.maxNoHeartbeatSeconds): 5 must be longer than the heartbeat interval");
    assertMessage(Map.of("YISHI_RATE_LIMIT_PER_SECOND", "-1"), "YISHI_RATE_LIMIT_PER_SECOND (limits.requestsPerSecond): -1 is out of range");
    assertMessage(Map.of("YISHI_IDEMPOTENCY_RETENTION_HOURS", "0"), "YISHI_IDEMPOTENCY_RETENTION_HOURS (idempotency.retentionHours): 0 is out of range");
  }

  @Test
  void notificationSettingsAreReadAndBadOnesNamed() {
    AppConfig.NotifySettings off = AppConfig.from(new JsonObject(), Map.of()).notifications();
    assertTrue(!off.smtp().enabled() && off.smsUrl().isEmpty() && off.robots().isEmpty(), "every channel off by default");
    assertEquals(6, off.maxAttempts());
    AppConfig.NotifySettings n = AppConfig.from(new JsonObject(), Map.of("YISHI_SMTP_HOST", "smtp.example.org",
        "YISHI_SMTP_TLS", "tls", "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SMTP_PASSWORD", "pw-secret",
        "YISHI_ROBOTS", "a|wecom|station:3|https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K-SECRET; b|dingtalk|district:220802000000|https://oapi.dingtalk.com/robot/send?access_token=T|SEC-secret",
        "YISHI_PUBLIC_URL", "https://yishi.example.org/")).notifications();
    assertEquals(465, n.smtp().port(), "implicit TLS defaults to 465");
    assertEquals("https://yishi.example.org", n.publicUrl());
    assertEquals(2, n.robots().size());
    assertEquals(20, n.robots().get(0).perMinute(), "WeCom: 20 a minute");
    assertEquals("SEC-secret", n.robots().get(1).secret());
    String printed = n.toString();
    assertTrue(!printed.contains("K-SECRET") && !printed.contains("SEC-secret") && !printed.contains("pw-secret"), printed);
    assertMessage(Map.of("YISHI_SMTP_HOST", "smtp.example.org"), "YISHI_SMTP_FROM (notify.smtp.from): an e-mail address is required");
    assertMessage(Map.of("YISHI_SMTP_TLS", "ssl"), "YISHI_SMTP_TLS (notify.smtp.tls): 'ssl' must be none, starttls or tls");
    assertMessage(Map.of("YISHI_ROBOTS", "x|slack|station:1|https://h/"), "robot 'x' has kind 'slack'");
    assertMessage(Map.of("YISHI_ROBOTS", "x|wecom|city:1|https://h/"), "robot 'x' has scope 'city:1'");
    assertMessage(Map.of("YISHI_ROBOTS", "x|wecom|station:1"), "robot 'x' must be name|kind|scope|url");
  }

  private static void assertMessage(Map<String, String> env, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> AppConfig.from(new JsonObject(), env));
    assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
  }
}
