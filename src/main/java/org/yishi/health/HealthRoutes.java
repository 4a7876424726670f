package org.yishi.health;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.SecureRouter;

import java.util.concurrent.TimeUnit;

/**
 * Liveness, readiness and metrics for operators and load balancers:
 * {@code /health} (the node serves HTTP), {@code /ready} (database answers and node is in the
 * cluster, else 503 with the reason; with the notification delivery detail of
 * the notification delivery's detail, given by the root) and {@code /metrics} (Prometheus text).
 */
public record HealthRoutes(App app, ReadyDetail notifications) implements Routes {

  /** A part of {@code /ready}'s answer that another feature knows (wired by the composition root). */
  public interface ReadyDetail {
    Future<JsonObject> detail(java.time.Instant now);
  }

  @Override
  public void register(SecureRouter r) {
    r.get("/health", Access.open("liveness probe for load balancers"), this::health);
    r.get("/ready", Access.open("readiness probe for load balancers"), this::ready);
    r.get("/metrics", Access.open("Prometheus scraping on the operators' network"),
        PrometheusScrapingHandler.create(app.metrics()));
  }

  private void health(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    Future<String> database = app.pool().query("SELECT 1").execute()
        .timeout(3, TimeUnit.SECONDS)
        .map(rows -> "UP")
        .recover(err -> Future.succeededFuture("DOWN: " + describe(err)));
    // the delivery detail (issue 21) is for operators; it never makes a node unready
    Future<JsonObject> notifications = this.notifications.detail(java.time.Instant.now())
        .timeout(3, TimeUnit.SECONDS)
        .recover(err -> Future.succeededFuture(new JsonObject().put("status", "unknown: " + describe(err))));
    Future.join(database, notifications).onComplete(done -> {
      String db = database.result();
      boolean clusterUp = app.cluster().isActive();
      int members = clusterUp ? app.cluster().getNodes().size() : 0;
      JsonObject cluster = new JsonObject()
          .put("status", clusterUp ? "UP" : "DOWN: not a cluster member")
          .put("nodeId", app.cluster().getNodeId())
          .put("members", members);
      boolean ready = "UP".equals(db) && clusterUp;
      JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN")
          .put("database", db).put("cluster", cluster).put("notifications", notifications.result());
      if (!ready) {
        body.put("reason", !"UP".equals(db) ? "database " + db : "cluster: this node is not a cluster member");
      }
      json(ctx, ready ? 200 : 503, body);
    });
  }

  private static String describe(Throwable err) {
    String msg = err.getMessage();
    return msg == null || msg.isBlank() ? err.getClass().getSimpleName() : msg.lines().findFirst().orElse(msg);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
