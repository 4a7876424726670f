package org.yishi.platform;

import org.yishi.app.Node;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.support.Http;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two real Hazelcast members on 127.0.0.1 sharing one database and one event bus. */
class ClusterTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().members(2);
  @FromNode private static Node a;
  @FromNode(member = 1) private static Node b;

  @Test
  void bothNodesSeeTwoMembers() {
    for (Node n : new Node[] {a, b}) {
      JsonObject ready = Http.json(Http.get(n.baseUrl() + "/ready"));
      assertEquals("UP", ready.getString("status"), ready.encode());
      assertEquals(2, ready.getJsonObject("cluster").getInteger("members"), ready.encode());
    }
    assertNotEquals(a.app().cluster().getNodeId(), b.app().cluster().getNodeId());
  }

  @Test
  void eventBusRequestFromAIsAnsweredByB() {
    String bId = b.app().cluster().getNodeId();
    b.app().vertx().eventBus().<JsonObject>consumer("test.echo", msg ->
        msg.reply(new JsonObject().put("answeredBy", bId).put("echo", msg.body().getString("text"))))
        .completion().await();
    JsonObject reply = a.app().vertx().eventBus()
        .<JsonObject>request("test.echo", new JsonObject().put("text", "议事"))
        .await().body();
    assertEquals(bId, reply.getString("answeredBy"));
    assertEquals("议事", reply.getString("echo"));
  }

  @Test
  void effectiveHazelcastConfigIsLoopbackTcpOnly() {
    for (Node n : new Node[] {a, b}) {
      Config hz = n.app().cluster().getHazelcastInstance().getConfig();
      JoinConfig join = hz.getNetworkConfig().getJoin();
      assertFalse(join.getMulticastConfig().isEnabled(), "multicast off");
      assertFalse(join.getAutoDetectionConfig().isEnabled(), "auto-detection off");
      assertFalse(join.getAwsConfig().isEnabled());
      assertFalse(join.getKubernetesConfig().isEnabled());
      assertTrue(join.getTcpIpConfig().isEnabled(), "explicit TCP/IP join");
      assertEquals("false", hz.getProperty("hazelcast.phone.home.enabled"));
      assertTrue(hz.getNetworkConfig().getInterfaces().isEnabled());
      assertEquals("[127.0.0.1]", hz.getNetworkConfig().getInterfaces().getInterfaces().toString());
      String address = n.app().cluster().getHazelcastInstance().getCluster().getLocalMember().getAddress().getHost();
      assertEquals("127.0.0.1", address);
    }
  }
}
