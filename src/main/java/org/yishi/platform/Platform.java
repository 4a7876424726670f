package org.yishi.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.yishi.platform.cluster.ClusterSetup;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.db.Database;
import org.yishi.platform.db.NodePool;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.HttpVerticle;
import org.yishi.platform.reliability.Attempt;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.reliability.RateLimiter;
import org.yishi.platform.schedule.SchedulerVerticle;
import org.yishi.platform.security.Authenticator;
import org.yishi.platform.security.RouteInventory;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Templates;
import org.yishi.platform.web.Web;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The platform half of a running node, knowing no feature: the database (embedded or external,
 * migrated), a clustered Vert.x on Hazelcast, the shared pools, then (given the features the
 * composition root built) the scheduler and HTTP verticles. {@link #start} is one linear chain
 * that cleans up when any step fails; {@link #close} reverses it: drain HTTP, close the pool, leave
 * the cluster, stop the database.
 */
public final class Platform {
  private static final Logger LOG = Logger.getLogger(Platform.class.getName());
  private static final int JOIN_ATTEMPTS = 5;
  private static final long JOIN_RETRY_SECONDS = 3;

  private final AppConfig config;
  private final Database database;
  private final Vertx vertx;
  private final HazelcastClusterManager cluster;
  private final PrometheusMeterRegistry metrics;
  private final NodePool pool;
  private final io.vertx.sqlclient.Pool readPool;
  private App app;
  private String httpDeployment;
  private boolean closed;

  private Platform(AppConfig config, Database database, Vertx vertx, HazelcastClusterManager cluster,
                   PrometheusMeterRegistry metrics) {
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.cluster = cluster;
    this.metrics = metrics;
    this.pool = new NodePool(vertx, database.createPool(vertx));
    this.readPool = database.createReadPool(vertx);
  }

  /**
   * Starts the database and joins the cluster (side by side), then hands the platform to
   * {@code compose} (the composition root: it builds the features and calls {@link #app} and
   * {@link #deploy}). The future fails with a clear message, and everything is cleaned up, when any
   * step fails.
   */
  public static <T> Future<T> start(AppConfig config, java.util.function.Function<Platform, Future<T>> compose) {
    Attempt.register(); // before the Vert.x instance is built: it sizes its contexts' local storage
    Database database = new Database(config);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    // The database and the cluster are independent and both take seconds: start them side by side.
    Future<Void> db = Future.fromCompletionStage(CompletableFuture.runAsync(database::startAndMigrate));
    Future<Member> member = join(config, metrics, 1);
    return Future.join(db, member)
        .compose(both -> compose.apply(new Platform(config, database, member.result().vertx(), member.result().cluster(), metrics)))
        .recover(err -> {
          LOG.log(java.util.logging.Level.SEVERE, "Start-up failed; stopping", err);
          return abort(db, member.map(Member::vertx), database)
              .compose(v -> Future.failedFuture(causeOf(err, db, member.map(Member::vertx))));
        });
  }

  /** A clustered Vert.x and its cluster manager. */
  private record Member(Vertx vertx, HazelcastClusterManager cluster) {
  }

  /**
   * Joins the cluster, trying again a few times: a node restarted while the others are busy (a
   * split-brain merge in progress freezes the cluster state) is refused for a few seconds, and
   * should wait rather than exit.
   */
  private static Future<Member> join(AppConfig config, PrometheusMeterRegistry metrics, int attempt) {
    HazelcastClusterManager cluster = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    return clusteredVertx(config, cluster, metrics)
        .map(vertx -> new Member(vertx, cluster))
        .recover(err -> {
          if (attempt >= JOIN_ATTEMPTS) {
            return Future.failedFuture(err);
          }
          LOG.warning("Could not join the cluster (attempt " + attempt + " of " + JOIN_ATTEMPTS + "): " + err.getMessage()
              + "; trying again in " + JOIN_RETRY_SECONDS + " s");
          return Future.fromCompletionStage(CompletableFuture.runAsync(() -> { },
                  CompletableFuture.delayedExecutor(JOIN_RETRY_SECONDS, TimeUnit.SECONDS)))
              .compose(v -> join(config, metrics, attempt + 1));
        });
  }

  private static Future<Vertx> clusteredVertx(AppConfig config, HazelcastClusterManager cluster,
                                              PrometheusMeterRegistry metrics) {
    // the event bus has its own TCP port (any free one unless cluster.eventBusPort is set); other
    // members connect to the public host and port that this node publishes through Hazelcast
    EventBusOptions eventBus = new EventBusOptions()
        .setHost(config.clusterHost())
        .setPort(config.eventBusPort())
        .setClusterPublicHost(config.clusterPublicAddress());
    if (config.eventBusPort() > 0) {
      eventBus.setClusterPublicPort(config.eventBusPort());
    }
    VertxOptions options = new VertxOptions()
        .setEventBusOptions(eventBus)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    return Vertx.builder().with(options)
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .withClusterManager(cluster)
        .buildClustered();
  }

  public AppConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodePool pool() {
    return pool;
  }

  public HazelcastClusterManager cluster() {
    return cluster;
  }

  /**
   * What features may use ({@link App}), with {@code authenticator} (the account feature's) behind
   * the security guard. Called once, by the composition root.
   */
  public App app(Authenticator authenticator) {
    if (app != null) {
      throw new IllegalStateException("the node's App is built once");
    }
    Idempotency idempotency = new Idempotency(vertx, pool.raw(), cluster::getNodeId,
        id -> cluster.isActive() && cluster.getNodes().contains(id), config.reliability().idempotencyRetentionHours());
    idempotency.startExpiry();
    Security security = new Security(authenticator,
        new RateLimiter(cluster.getHazelcastInstance(), config.reliability().rateLimitPerSecond(),
            config.reliability().rateLimitBurst()), idempotency, config.security().sessionMaxHours());
    org.yishi.platform.notify.Outbox.publicUrl(config.notifications().publicUrl()); // links in queued messages
    org.yishi.platform.notify.Notices.zone(config.zone()); // and the times in them
    org.yishi.platform.notify.Outbox.robots(config.notifications().robots()); // robots hear of every kind in their scope
    app = new App(vertx, config, pool, cluster, metrics, new Web(new Templates()), security,
        new RouteInventory(), new DomainEvents(vertx), database::openJdbc, readPool);
    return app;
  }

  /**
   * Deploys the scheduler verticle with every feature's jobs (run with {@code clock}; tests move it),
   * then the HTTP verticles with every feature's routes, in the order given.
   */
  public Future<Void> deploy(Clock clock, List<Feature> features) {
    Objects.requireNonNull(app, "app(...) first");
    List<SchedulerVerticle.Job> jobs = new ArrayList<>();
    features.forEach(f -> jobs.addAll(f.jobs()));
    List<Feature> copy = List.copyOf(features);
    return org.yishi.platform.security.AnonymousCsrf.shared(vertx, config.security().cookieSecure())
        .onSuccess(tokens -> app.security().anonymousCsrf(tokens))
        .compose(tokens -> vertx.deployVerticle(new SchedulerVerticle(clock,
            java.util.concurrent.TimeUnit.SECONDS.toMillis(config.schedulerIntervalSeconds()), jobs)))
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(app, copy),
            new DeploymentOptions().setInstances(config.httpInstances())))
        .map(id -> {
          httpDeployment = id;
          LOG.info(() -> "Node " + cluster.getNodeId() + " serving http://" + displayHost(config) + ":"
              + config.httpPort() + " (" + cluster.getNodes().size() + " cluster member(s))");
          return null;
        });
  }

  /**
   * Undoes a failed start: the pool (if one was made) and the embedded database first, while Vert.x
   * still runs the pool's close, then Vert.x itself; closing Vert.x first left the pool's close
   * waiting forever, so a failed start hung instead of failing. The steps are awaited on a thread
   * of their own: a step's future bound to one of Vert.x's event loops never reports once Vert.x
   * has closed them (its listener is refused by the stopped loop), which hung a start that failed
   * after the cluster was joined (an HTTP port already in use).
   */
  private static Future<Void> abort(Future<Void> db, Future<Vertx> vertx, Database database) {
    return Future.fromCompletionStage(CompletableFuture.runAsync(() -> {
      awaitQuietly(database.close(), 60, "stopping the database");
      if (vertx.succeeded()) {
        awaitQuietly(vertx.result().close(), 30, "leaving the cluster");
      }
    }));
  }

  /** Prefer the database error: it is the one an operator can act on from the message. */
  private static Throwable causeOf(Throwable err, Future<Void> db, Future<Vertx> vertx) {
    if (db.failed()) {
      Throwable t = db.cause();
      return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
    return vertx.failed() ? vertx.cause() : err;
  }

  /**
   * Stops the node gracefully: HTTP stops accepting and finishes in-flight requests, then the
   * pool closes, the node leaves the cluster and the embedded database stops. Blocking: call it
   * from a thread of your own (the shutdown hook, a test), never from an event loop, since
   * closing Vert.x stops the event loops that would otherwise run the next step.
   */
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long grace = config.shutdownGraceSeconds() + 10L;
    // first a notice: answers close their connections (a load balancer moves to the other nodes),
    // then the server stops taking requests and finishes those in flight
    vertx.sharedData().<String, Boolean>getLocalMap(HttpVerticle.NODE_STATE).put(HttpVerticle.DRAINING, true);
    if (config.drainNoticeMillis() > 0) {
      try {
        Thread.sleep(config.drainNoticeMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (httpDeployment != null) {
      awaitQuietly(vertx.undeploy(httpDeployment), grace, "draining HTTP");
    }
    awaitQuietly(pool.close(), 10, "closing the database pool");
    if (readPool != pool) {
      awaitQuietly(readPool.close(), 10, "closing the replica pool");
    }
    awaitQuietly(vertx.close(), 30, "leaving the cluster");
    database.stopEmbedded();
  }

  private static void awaitQuietly(Future<?> step, long seconds, String what) {
    try {
      step.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warning("Shutdown step '" + what + "' did not complete cleanly: " + e);
    }
  }

  public Database database() {
    return database;
  }

  public int httpPort() {
    return config.httpPort();
  }

  public String baseUrl() {
    return "http://" + displayHost(config) + ":" + httpPort();
  }

  private static String displayHost(AppConfig config) {
    return "0.0.0.0".equals(config.httpHost()) ? "127.0.0.1" : config.httpHost();
  }
}
