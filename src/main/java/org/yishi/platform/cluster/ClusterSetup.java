package org.yishi.platform.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.util.List;
import org.yishi.platform.config.AppConfig;

/**
 * Hazelcast configuration for a Yishi node: explicit TCP/IP join to the configured members only.
 * Multicast, cloud auto-detection and phone-home are switched off, because the hosts Yishi runs on
 * (government intranets, this sandbox) allow no such traffic. On one machine everything is on
 * 127.0.0.1; across hosts each node binds {@code cluster.host} (one interface, or 0.0.0.0) and
 * advertises {@code cluster.publicAddress}, the address the other members reach it at (it differs
 * from the bound one behind NAT or when binding 0.0.0.0).
 */
public final class ClusterSetup {
  private ClusterSetup() {
  }

  /** Builds the Hazelcast config from Vert.x's defaults (its map settings) plus our network rules. */
  public static Config hazelcastConfig(AppConfig config) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(config.clusterName());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "jdk");
    // the node's own shutdown sequence leaves the cluster after draining HTTP; no racing hook
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    boolean anyInterface = "0.0.0.0".equals(config.clusterHost());
    hz.setProperty("hazelcast.local.localAddress", anyInterface ? config.clusterPublicAddress() : config.clusterHost());
    hz.setProperty("hazelcast.socket.bind.any", String.valueOf(anyInterface));
    // notice a dead or frozen member within seconds (default 10 s) instead of Hazelcast's minute
    AppConfig.ReliabilitySettings r = config.reliability();
    hz.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(r.heartbeatSeconds()));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(r.maxNoHeartbeatSeconds()));
    // a member removed while frozen (SIGSTOP, a long GC pause, a cut link) finds the others again
    // through the split-brain merge: look for it soon after, not after Hazelcast's default 5 minutes
    String merge = String.valueOf(Math.max(5, r.maxNoHeartbeatSeconds()));
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", merge);
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", merge);

    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(config.clusterPort()).setPortAutoIncrement(true).setPortCount(20);
    if (!anyInterface) {
      net.getInterfaces().setEnabled(true).setInterfaces(List.of(config.clusterHost()));
    }
    if (!config.clusterPublicAddress().equals(config.clusterHost())) {
      net.setPublicAddress(config.clusterPublicAddress());
    }
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers());
    return hz;
  }
}
