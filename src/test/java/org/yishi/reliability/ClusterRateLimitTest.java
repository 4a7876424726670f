package org.yishi.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.NodeExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-user request rate holds for the cluster as a whole: a user whose requests alternate
 * between two nodes gets the one allowance, not one per node.
 */
class ClusterRateLimitTest {
  private static final int BURST = 10;
  private static final int PER_SECOND = 2;
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env(Map.of(
      "YISHI_RATE_LIMIT_PER_SECOND", String.valueOf(PER_SECOND), "YISHI_RATE_LIMIT_BURST", String.valueOf(BURST)));
  private static final List<Node> NODES = NODE.nodes();

  @Test
  void aUserSpreadOverTwoNodesGetsOneAllowance() {
    String token = new Api(NODES.get(0).baseUrl()).token("c1", AccountFixtures.PASSWORD);
    int[] ok = new int[2];
    int[] limited = new int[2];
    long started = System.nanoTime();
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = new Api(NODES.get(i % 2).baseUrl()).get("/api/v1/stations", token);
      if (r.statusCode() == 200) {
        ok[i % 2]++;
      } else {
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        limited[i % 2]++;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int allowed = ok[0] + ok[1];
    // one bucket: the burst plus what refilled meanwhile; per-node buckets would have allowed twice the burst
    assertTrue(allowed >= BURST && allowed <= BURST + Math.ceil(seconds * PER_SECOND) + 1,
        "allowed " + allowed + " in " + seconds + " s (ok per node " + ok[0] + "/" + ok[1] + ")");
    assertTrue(limited[0] > 0 && limited[1] > 0, "both nodes refuse once the user's allowance is spent");
    String other = new Api(NODES.get(1).baseUrl()).token("d1", AccountFixtures.PASSWORD);
    assertEquals(200, new Api(NODES.get(1).baseUrl()).get("/api/v1/stations", other).statusCode(), "another user is not limited");
  }
}
