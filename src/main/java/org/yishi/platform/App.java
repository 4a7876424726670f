package org.yishi.platform;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.db.JdbcSource;
import org.yishi.platform.security.RouteInventory;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Web;

/**
 * What every feature of a running node may use: the clustered Vert.x, its configuration, the one
 * shared database pool (and JDBC connections for blocking bulk work on worker threads), the pool for
 * reads that may lag ({@code readPool}: a streaming replica when {@code YISHI_PG_REPLICA_URL} is set,
 * else the same primary pool; only roll-up reads use it), the cluster
 * manager, metrics, the page renderer, and the security plumbing through which every route is
 * registered.
 */
public record App(
    Vertx vertx,
    AppConfig config,
    Pool pool,
    HazelcastClusterManager cluster,
    PrometheusMeterRegistry metrics,
    Web web,
    Security security,
    RouteInventory routes,
    DomainEvents events,
    JdbcSource jdbc,
    Pool readPool) {

  /** A new feature router whose routes all pass the security guard (see {@link SecureRouter}). */
  public SecureRouter secureRouter() {
    return new SecureRouter(vertx, security, routes);
  }
}
