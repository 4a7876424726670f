package org.yishi.platform;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.web.Web;

/**
 * What every feature of a running node may use: the clustered Vert.x, its configuration, the one
 * shared database pool, the cluster manager, the metrics registry and the page renderer.
 */
public record App(
    Vertx vertx,
    AppConfig config,
    Pool pool,
    HazelcastClusterManager cluster,
    PrometheusMeterRegistry metrics,
    Web web) {
}
