package org.yishi.platform;

import org.yishi.app.Node;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.yishi.platform.db.Database;
import org.yishi.support.Api;
import org.yishi.support.Http;
import org.yishi.support.TempDirs;
import org.yishi.support.TestNodes;
import org.yishi.support.TestReplica;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Roll-ups read from a real streaming replica (YISHI_PG_REPLICA_URL) while writes go to the
 * primary: a paused replay makes the roll-up visibly stale, resuming it brings the write in, and a
 * stopped replica fails roll-ups with 503 while writes carry on.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaReadTest {
  private static final String DISTRICT = "220802000000";
  private static EmbeddedPostgres primary;
  private static EmbeddedPostgres replica;
  private static Node node;
  private static Api api;
  private static String month;

  @BeforeAll
  static void start() throws Exception {
    Path base = TempDirs.create("yishi-replica-test");
    primary = Database.startEmbedded(base.resolve("primary"), 0);
    replica = TestReplica.start(primary, base.resolve("primary"), base.resolve("replica"));
    node = TestNodes.start(TestNodes.env(url(primary), Map.of(
        "YISHI_PG_REPLICA_URL", url(replica), "YISHI_DEMO", "true")));
    api = new Api(node.baseUrl());
    month = YearMonth.now(ZoneId.of("Asia/Shanghai")).toString();
    TestReplica.awaitCatchUp(primary, replica);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (replica != null) {
      replica.close();
    }
    if (primary != null) {
      primary.close();
    }
  }

  private static String url(EmbeddedPostgres pg) {
    return "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
  }

  private static String sqlText(EmbeddedPostgres pg, String q) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
         Statement st = c.createStatement(); ResultSet rs = st.executeQuery(q)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static long proposedThroughApi(String token) {
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + DISTRICT + "&from=" + month + "&to=" + month, token);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r).getJsonObject("totals").getLong("topics_proposed");
  }

  private static long proposedOnPrimary() throws Exception {
    return Long.parseLong(sqlText(primary, "SELECT coalesce(sum(topics_proposed), 0) FROM stats_station_month"
        + " WHERE division_code LIKE '220802%' AND month = date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date"));
  }

  /** Proposes (creates and submits) a topic at the demo coordinator's station; answers the HTTP status of the submit. */
  private static int proposeTopic(String coordinator, String title) {
    long station = Http.json(api.get("/api/v1/stations", coordinator)).getJsonArray("items").getJsonObject(0).getLong("id");
    HttpResponse<String> created = api.call("POST", "/api/v1/topics", coordinator, new JsonObject()
        .put("stationId", station).put("title", title).put("category", "livelihood").put("source", "residents")
        .put("proposer", "居民").put("q1Answer", true).put("q1Reason", "民生热点").put("q2Answer", true).put("q2Reason", "适合协商")
        .encode());
    assertEquals(201, created.statusCode(), created.body());
    long id = Http.json(created).getLong("id");
    return api.call("POST", "/api/v1/topics/" + id + "/transitions", coordinator, "{\"action\":\"submit\"}").statusCode();
  }

  @Test
  @Order(1)
  void theReadPoolIsTheReplicaAndThePoolThePrimary() {
    assertTrue(node.app().readPool() != node.app().pool(), "a second pool when a replica is configured");
    assertEquals(Boolean.TRUE, node.app().readPool().query("SELECT pg_is_in_recovery()").execute().await()
        .iterator().next().getBoolean(0), "reads go to a server in recovery: the standby");
    assertEquals(Boolean.FALSE, node.app().pool().query("SELECT pg_is_in_recovery()").execute().await()
        .iterator().next().getBoolean(0), "writes go to the primary");
  }

  @Test
  @Order(2)
  void rollupsLagWhileReplayIsPausedAndCatchUpAfter() throws Exception {
    String district = api.token("demo-district", "yishi-demo");
    String coordinator = api.token("demo-coordinator", "yishi-demo");
    long before = proposedThroughApi(district);
    assertEquals(proposedOnPrimary(), before, "a caught-up replica answers what the primary holds");

    sqlText(replica, "SELECT pg_wal_replay_pause()::text");
    assertEquals(200, proposeTopic(coordinator, "副本暂停期间的议题"), "writes go to the primary while the replica lags");
    assertEquals(before + 1, proposedOnPrimary(), "the primary counted the new topic");
    assertEquals(before, proposedThroughApi(district), "the roll-up is read from the paused replica: stale");

    sqlText(replica, "SELECT pg_wal_replay_resume()::text");
    TestReplica.awaitCatchUp(primary, replica);
    assertEquals(before + 1, proposedThroughApi(district), "once replayed, the roll-up shows the write");
  }

  @Test
  @Order(3)
  void aStoppedReplicaFailsRollupsWith503WhileWritesGoOn() throws Exception {
    String district = api.token("demo-district", "yishi-demo");
    String coordinator = api.token("demo-coordinator", "yishi-demo");
    replica.close();
    replica = null;
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + DISTRICT + "&from=" + month + "&to=" + month, district);
    assertEquals(503, r.statusCode(), r.body());
    assertFalse(r.body().contains("Exception"), r.body());
    assertEquals(200, proposeTopic(coordinator, "副本停止期间的议题"), "writes do not need the replica");
    assertEquals(200, Http.get(node.baseUrl() + "/ready").statusCode(), "the node stays ready on its primary");
  }
}
