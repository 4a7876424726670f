package org.yishi.app;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.events.DomainEvent;
import org.yishi.notify.ChannelRoutes;
import org.yishi.notify.PreferenceRoutes;
import org.yishi.notify.TestMessageRoutes;
import org.yishi.notify.UnitContactRoutes;
import org.yishi.checkin.CheckinRoutes;
import org.yishi.member.PointsRoutes;
import org.yishi.member.MyRoutes;
import org.yishi.account.AccountAuthenticator;
import org.yishi.account.AccountService;
import org.yishi.account.AuthRoutes;
import org.yishi.account.UserRoutes;
import org.yishi.apidocs.ApiDocsRoutes;
import org.yishi.audit.AuditRoutes;
import org.yishi.demo.DemoCity;
import org.yishi.division.DivisionRoutes;
import org.yishi.health.HealthRoutes;
import org.yishi.home.HomeRoutes;
import org.yishi.meeting.AttachmentRoutes;
import org.yishi.meeting.MeetingRoutes;
import org.yishi.meeting.RecordRoutes;
import org.yishi.member.CommitteeRoutes;
import org.yishi.member.MemberRoutes;
import org.yishi.member.InvitationRoutes;
import org.yishi.notify.DeliveryRoutes;
import org.yishi.outcome.OutcomeRoutes;
import org.yishi.plan.PlanRoutes;
import org.yishi.platform.App;
import org.yishi.platform.Feature;
import org.yishi.platform.Platform;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.db.Database;
import org.yishi.platform.schedule.SchedulerVerticle;
import org.yishi.report.ReportRoutes;
import org.yishi.request.RequestRoutes;
import org.yishi.station.StationRoutes;
import org.yishi.stats.DashboardRoutes;
import org.yishi.stats.StatsRoutes;
import org.yishi.topic.TopicRoutes;

import java.time.Clock;
import java.util.List;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The composition root: one running Yishi node. {@link Platform} starts the database and joins the
 * cluster; then this class builds every store and service once ({@link Services}), the bootstrap
 * admin and (with {@code YISHI_DEMO}) the demo city, and hands the features' routes and scheduled
 * jobs ({@link #features}) to the platform, which deploys the scheduler and HTTP verticles.
 * {@link #close} stops it all again.
 */
public final class Node {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());

  private final Platform platform;
  private final App app;
  private final Services services;
  private final List<Feature> features;

  private Node(Platform platform, App app, Services services, List<Feature> features) {
    this.platform = platform;
    this.app = app;
    this.services = services;
    this.features = features;
  }

  /** Starts a node; the future fails with a clear message (and cleans up) when any step fails. */
  public static Future<Node> start(AppConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** Starts a node whose scheduled work (reminders, escalation, reports) follows {@code clock}; tests move it. */
  public static Future<Node> start(AppConfig config, Clock clock) {
    return Platform.start(config, platform -> {
      AccountService accounts = new AccountService(platform.vertx(), platform.pool(),
          platform.cluster().getHazelcastInstance(), config.security(), config.zone());
      App app = platform.app(new AccountAuthenticator(accounts));
      Services services = Services.build(app, accounts);
      AttachmentRoutes.moveInOnce(app);
      return accounts.bootstrapAdmin(config.adminPassword())
          .compose(v -> services.channelSettings().checkAtStartup().<Void>mapEmpty())
          .compose(v -> config.demo() ? demoCity(app, services).seedIfEmpty() : Future.<Void>succeededFuture())
          .compose(v -> {
            List<Feature> features = features(app, services);
            return platform.deploy(clock, features).map(d -> new Node(platform, app, services, features));
          });
    });
  }

  private static DemoCity demoCity(App app, Services s) {
    return new DemoCity(app.vertx(), app.pool(), app.jdbc(), s.accounts(), app.config().demoPassword(), s.reports(),
        s.divisions(), s.members(), s.stations());
  }

  /**
   * Every feature of the node, in the order their routes are mounted. Each {@code router()} builds
   * a new routes instance from the services built once (one per HTTP verticle: handlers may keep
   * state of their event loop); the scheduled jobs run on the scheduler verticle.
   */
  static List<Feature> features(App app, Services s) {
    // one points feature: its own routes, and the documents the member's own pages hand out (stateless)
    PointsRoutes points = new PointsRoutes(app, Bridges.pdfRendering(app.config().reports()),
        Bridges.memberContributions(s.topics().store(), s.outcomes().store()));
    return List.of(
        () -> new HealthRoutes(app, now -> s.channelSettings().readyDetail(now)).router(),
        () -> new HomeRoutes(app, s.queue(), s.accounts()::lockedAccountNames, Bridges.reportSchedules(s.reports())).router(),
        () -> new AuthRoutes(app, s.accounts()).router(),
        () -> new UserRoutes(app, s.accounts(), Bridges.calendarFeedLinks(s.feeds())).router(),
        () -> new AuditRoutes(app, s.audit()).router(),
        () -> new DeliveryRoutes(app).router(),
        () -> PreferenceRoutes.router(app),
        () -> new TestMessageRoutes(app, s.delivery()).router(),
        new ChannelRoutes(app, s.channelSettings()),
        () -> UnitContactRoutes.router(app),
        () -> new StationRoutes(app, s.stations(), s.divisions()).router(),
        () -> new MemberRoutes(app, s.members(), Bridges.stationLookup(s.stations().store())).router(),
        () -> new CommitteeRoutes(app, s.members()).router(),
        () -> new MyRoutes(app, points, s.accounts()::createMemberAccount).router(),
        points,
        new InvitationRoutes(app, s.invitations(), s.members()),
        () -> new CheckinRoutes(app, s.checkins()).router(),
        () -> new MeetingRoutes(app, s.meetings(), Bridges.committeeMembers(s.members().store()), s.feeds()).router(),
        () -> new RecordRoutes(app, s.records(), s.meetings(), s.attachments(), s.checkins().store()::attendance).router(),
        () -> new AttachmentRoutes(app, s.attachments(), s.meetings()).router(),
        () -> new StatsRoutes(app, s.stats()).router(),
        () -> new DashboardRoutes(app, s.stats(), s.uncachedStats(), s.divisions(),
            id -> s.accounts().store().byId(id).map(row -> row == null || row.disabled() ? null : row.principal())).router(),
        () -> new ReportRoutes(app, s.reports()).router(),
        () -> new TopicRoutes(app, s.topics(), Bridges.topicNeighbours(s.stations().store(), s.plans().store(), s.members().store())).router(),
        () -> new PlanRoutes(app, s.plans(), Bridges.committees(s.members().store()), () -> s.topics().store().categories(false)).router(),
        () -> new OutcomeRoutes(app, s.outcomes()).router(),
        () -> new DivisionRoutes(app, s.divisions(), s.divisionImports()).router(),
        () -> new RequestRoutes(app, s.requests(), java.time.Clock.systemUTC()).router(),
        () -> ApiDocsRoutes.router(app),
        Feature.jobsOnly(jobs(app, s)));
  }

  /**
   * The cluster-wide periodic work, each job under its own lock: meeting reminders and the delivery
   * of queued messages, overdue escalation of outcomes, and the scheduled reports (with catch-up of
   * missed periods).
   */
  private static List<SchedulerVerticle.Job> jobs(App app, Services s) {
    AppConfig config = app.config();
    // what an operator needs to know, never a password, webhook URL or secret
    LOG.info(() -> "Notification channels on this node: "
        + (s.delivery().channels().isEmpty() ? "none (messages stay queued)" : String.join(", ", new TreeSet<>(s.delivery().channels())))
        + (config.notifications().smtp().enabled() ? "; " + config.notifications().smtp() : "")
        + (config.notifications().robots().isEmpty() ? "" : "; robots " + config.notifications().robots()));
    String nodeId = app.cluster().getNodeId();
    return List.of(
        new SchedulerVerticle.Job("reminders", "yishi.scheduler",
            // two features in one job: the reminders queue messages, then delivery sends what is due
            now -> s.reminders().runOnce(now)
                // the reminders' in-app notifications (of many accounts) are announced once they are in
                .andThen(r -> {
                  if (r.failed() || r.result().getInteger("notifications", 0) > 0) {
                    app.events().publish(DomainEvent.NOTIFICATIONS_CHANGED, new JsonObject());
                  }
                })
                .compose(r -> s.delivery().sendDue(nodeId, now))),
        s.outcomes().escalationJob(),
        s.reports().job(),
        new SchedulerVerticle.Job("requests", "yishi.scheduler.requests", s.requests()::runScheduled));
  }

  /**
   * Stops the node gracefully (see {@link Platform#close}). Blocking: call it from a thread of your
   * own (the shutdown hook, a test), never from an event loop.
   */
  public void close() {
    platform.close();
  }

  public App app() {
    return app;
  }

  /** The node's stores and services (tests use them to set up data through the same rules). */
  public Services services() {
    return services;
  }

  /** The node's features, as deployed (tests build a router from them). */
  public List<Feature> features() {
    return features;
  }

  /** The node's account service. */
  public AccountService accounts() {
    return services.accounts();
  }

  public Database database() {
    return platform.database();
  }

  public int httpPort() {
    return platform.httpPort();
  }

  public String baseUrl() {
    return platform.baseUrl();
  }
}
