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
import org.yishi.account.AccountAuthenticator;
import org.yishi.account.AccountService;
import org.yishi.demo.DemoCity;
import org.yishi.meeting.ReminderService;
import org.yishi.outcome.OutcomeService;
import org.yishi.platform.schedule.SchedulerVerticle;
import org.yishi.report.ReportService;
import org.yishi.platform.cluster.ClusterSetup;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.security.RouteInventory;
import org.yishi.platform.security.Security;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.db.Database;
import org.yishi.platform.db.NodePool;
import org.yishi.platform.reliability.Attempt;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.reliability.RateLimiter;
import org.yishi.platform.http.HttpVerticle;
import org.yishi.platform.web.Templates;
import org.yishi.platform.web.Web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * One running Yishi node: the database (embedded or external, migrated), a clustered Vert.x on
 * Hazelcast, the shared pool and the verticles. {@link #start} is one linear chain;
 * {@link #close} reverses it: drain HTTP, close the pool, leave the cluster, stop the database.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());
  private static final int JOIN_ATTEMPTS = 5;
  private static final long JOIN_RETRY_SECONDS = 3;

  private final App app;
  private final Database database;
  private final String httpDeployment;
  private boolean closed;

  private Node(App app, Database database, String httpDeployment) {
    this.app = app;
    this.database = database;
    this.httpDeployment = httpDeployment;
  }

  /** Starts a node; the future fails with a clear message (and cleans up) when any step fails. */
  public static Future<Node> start(AppConfig config) {
    return start(config, java.time.Clock.systemUTC());
  }

  /** Starts a node whose scheduled work (reminders) follows {@code clock}; tests move it. */
  public static Future<Node> start(AppConfig config, java.time.Clock clock) {
    Attempt.register(); // before the Vert.x instance is built: it sizes its contexts' local storage
    Database database = new Database(config);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    // The database and the cluster are independent and both take seconds: start them side by side.
    Future<Void> db = Future.fromCompletionStage(CompletableFuture.runAsync(database::startAndMigrate));
    Future<Member> member = join(config, metrics, 1);
    return Future.join(db, member)
        .compose(both -> deploy(config, database, member.result().cluster(), metrics, member.result().vertx(), clock))
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

  private static Future<Node> deploy(AppConfig config, Database database, HazelcastClusterManager cluster,
                                     PrometheusMeterRegistry metrics, Vertx vertx, java.time.Clock clock) {
    NodePool pool = new NodePool(vertx, database.createPool(vertx));
    org.yishi.notify.Outbox.publicUrl(config.notifications().publicUrl()); // links in queued messages
    AccountService accounts = new AccountService(vertx, pool, cluster.getHazelcastInstance(), config.security());
    Idempotency idempotency = new Idempotency(vertx, pool.raw(), cluster::getNodeId,
        id -> cluster.isActive() && cluster.getNodes().contains(id), config.reliability().idempotencyRetentionHours());
    idempotency.startExpiry();
    Security security = new Security(new AccountAuthenticator(accounts),
        new RateLimiter(cluster.getHazelcastInstance(), config.reliability().rateLimitPerSecond(),
            config.reliability().rateLimitBurst()), idempotency, config.security().sessionMaxHours());
    App app = new App(vertx, config, pool, cluster, metrics, new Web(new Templates()), security,
        new RouteInventory(), accounts, new DomainEvents(vertx), database::openJdbc, database.createReadPool(vertx));
    return accounts.bootstrapAdmin(config.adminPassword())
        .compose(v -> config.demo()
            ? new DemoCity(vertx, pool, database::openJdbc, accounts, config.demoPassword(), ReportService.of(app)).seedIfEmpty()
            : Future.<Void>succeededFuture())
        .compose(v -> vertx.deployVerticle(scheduler(app, clock)))
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(app),
            new DeploymentOptions().setInstances(config.httpInstances())))
        .map(id -> {
          LOG.info(() -> "Node " + cluster.getNodeId() + " serving http://" + displayHost(config) + ":"
              + config.httpPort() + " (" + cluster.getNodes().size() + " cluster member(s))");
          return new Node(app, database, id);
        });
  }

  /**
   * The cluster-wide periodic work, each job under its own lock: meeting reminders and the delivery of queued messages,
   * overdue escalation of outcomes, and the scheduled reports (with catch-up of missed periods).
   */
  private static SchedulerVerticle scheduler(App app, java.time.Clock clock) {
    AppConfig config = app.config();
    ReminderService reminders = new ReminderService(app.pool(), config.reminderLeads(),
        java.time.Duration.ofDays(config.recordReminderDays()), config.notifications().publicUrl(), config.notifications().robots());
    org.yishi.notify.DeliveryService delivery = new org.yishi.notify.DeliveryService(app.vertx(), app.pool(), config.notifications(), java.time.Instant::now);
    // what an operator needs to know, never a password, webhook URL or secret
    LOG.info(() -> "Notification channels on this node: "
        + (delivery.channels().isEmpty() ? "none (messages stay queued)" : String.join(", ", new java.util.TreeSet<>(delivery.channels())))
        + (config.notifications().smtp().enabled() ? "; " + config.notifications().smtp() : "")
        + (config.notifications().robots().isEmpty() ? "" : "; robots " + config.notifications().robots()));
    OutcomeService outcomes = new OutcomeService(app.pool(), app.events());
    ReportService reports = ReportService.of(app);
    String nodeId = app.cluster().getNodeId();
    return new SchedulerVerticle(clock, java.util.concurrent.TimeUnit.SECONDS.toMillis(config.schedulerIntervalSeconds()),
        java.util.List.of(
            new SchedulerVerticle.Job("reminders", "yishi.scheduler",
                now -> reminders.runOnce(now).compose(r -> delivery.sendDue(nodeId, now))),
            new SchedulerVerticle.Job("overdue-escalation", "yishi.scheduler.overdue",
                now -> outcomes.escalateOverdue(now).compose(x -> outcomes.remindDue(now, 3))),
            new SchedulerVerticle.Job("reports", ReportService.LOCK, reports::runDue)));
  }

  /**
   * Undoes a failed start: the pool (if one was made) and the embedded database first, while Vert.x
   * still runs the pool's close, then Vert.x itself; closing Vert.x first left the pool's close
   * waiting forever, so a failed start hung instead of failing.
   */
  private static Future<Void> abort(Future<Void> db, Future<Vertx> vertx, Database database) {
    Future<Void> closing = database.close().recover(e -> Future.succeededFuture());
    return closing.compose(v -> vertx.succeeded() ? vertx.result().close() : Future.<Void>succeededFuture())
        .recover(e -> Future.succeededFuture());
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
    Vertx vertx = app.vertx();
    long grace = app.config().shutdownGraceSeconds() + 10L;
    // first a notice: answers close their connections (a load balancer moves to the other nodes),
    // then the server stops taking requests and finishes those in flight
    vertx.sharedData().<String, Boolean>getLocalMap(HttpVerticle.NODE_STATE).put(HttpVerticle.DRAINING, true);
    if (app.config().drainNoticeMillis() > 0) {
      try {
        Thread.sleep(app.config().drainNoticeMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    awaitQuietly(vertx.undeploy(httpDeployment), grace, "draining HTTP");
    awaitQuietly(app.pool().close(), 10, "closing the database pool");
    if (app.readPool() != app.pool()) {
      awaitQuietly(app.readPool().close(), 10, "closing the replica pool");
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

  public App app() {
    return app;
  }

  public Database database() {
    return database;
  }

  public int httpPort() {
    return app.config().httpPort();
  }

  public String baseUrl() {
    return "http://" + displayHost(app.config()) + ":" + httpPort();
  }

  private static String displayHost(AppConfig config) {
    return "0.0.0.0".equals(config.httpHost()) ? "127.0.0.1" : config.httpHost();
  }
}
