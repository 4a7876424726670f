package org.yishi.app;

import org.yishi.member.MemberAccountStore;
import org.yishi.member.InvitationService;
import org.yishi.checkin.CheckinService;
import org.yishi.account.AccountService;
import org.yishi.audit.AuditStore;
import org.yishi.division.DivisionImportService;
import org.yishi.division.DivisionStore;
import org.yishi.home.QueueStore;
import org.yishi.home.SharedSections;
import org.yishi.meeting.AttachmentService;
import org.yishi.meeting.CalendarFeeds;
import org.yishi.meeting.MeetingService;
import org.yishi.meeting.RecordService;
import org.yishi.meeting.ReminderService;
import org.yishi.member.MemberService;
import org.yishi.notify.ChannelSettings;
import org.yishi.notify.DeliveryService;
import org.yishi.outcome.OutcomeService;
import org.yishi.plan.PlanService;
import org.yishi.platform.App;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.config.AppConfig;
import org.yishi.report.ReportService;
import org.yishi.request.RequestService;
import org.yishi.request.RequestStore;
import org.yishi.station.StationService;
import org.yishi.stats.RollupCache;
import org.yishi.stats.StatsService;
import org.yishi.topic.TopicService;

import java.time.Duration;

/**
 * Every store and service of a node, each built once, here, and handed to whoever needs it by
 * constructor. A feature never builds another feature's store or service; what one feature needs of
 * another it asks through an interface of its own, implemented by the other's service and wired here.
 */
public record Services(
    AccountService accounts,
    AuditStore audit,
    DivisionStore divisions,
    DivisionImportService divisionImports,
    StationService stations,
    MemberService members,
    TopicService topics,
    PlanService plans,
    MeetingService meetings,
    RecordService records,
    AttachmentService attachments,
    CalendarFeeds feeds,
    ReminderService reminders,
    DeliveryService delivery,
    ChannelSettings channelSettings,
    OutcomeService outcomes,
    RollupCache rollups,
    StatsService stats,
    StatsService uncachedStats,
    ReportService reports,
    QueueStore queue,
    RequestService requests,
    CheckinService checkins,
    InvitationService invitations) {

  /** Builds them all, in dependency order. */
  static Services build(App app, AccountService accounts) {
    AppConfig config = app.config();
    var pool = app.pool();
    var events = app.events();
    // the one configured zone (YISHI_ZONE), handed to every store and service that reads calendar days
    java.time.ZoneId zone = config.zone();
    DivisionStore divisions = new DivisionStore(pool);
    StationService stations = new StationService(pool, accounts::changed, events, divisions, zone);
    MemberService members = new MemberService(pool, Bridges.stationLookup(stations.store()), divisions);
    PlanService plans = new PlanService(pool, Bridges.committees(members.store()), zone);
    TopicService topics = new TopicService(pool, events, Bridges.topicNeighbours(stations.store(), plans.store(), members.store()), zone);
    OutcomeService outcomes = new OutcomeService(pool, events, Bridges.outcomeMembers(members.store()), zone);
    MeetingService meetings = new MeetingService(pool, events, Bridges.committeeMembers(members.store()), zone);
    RecordService records = new RecordService(pool, events, Bridges.committeeMembers(members.store()),
        Bridges.outcomeFiling(outcomes), zone);
    RollupCache rollups = RollupCache.start(app.vertx(), config.stats());
    StatsService stats = new StatsService(pool, app.readPool(), rollups, divisions, topics.store()::categories, zone);
    StatsService uncached = new StatsService(pool, app.readPool(), RollupCache.off(), divisions, topics.store()::categories, zone);
    // reports read the primary: a report must reflect the database as it is, not a lagging replica
    StatsService reportStats = new StatsService(pool, pool, RollupCache.off(), divisions, topics.store()::categories, zone);
    ReportService reports = new ReportService(pool, config.reports(), app.cluster().getNodeId(),
        Bridges.reportSources(reportStats, outcomes.store(), members.store()), events);
    ReminderService reminders = new ReminderService(pool, config.reminderLeads(),
        Duration.ofDays(config.recordReminderDays()), config.notifications().publicUrl(), config.notifications().robots(),
        zone);
    // channel settings: the database's (admin page) over the environment's, read by every node
    ChannelSettings channelSettings = new ChannelSettings(app.vertx(), pool, events, config.notifications());
    DeliveryService delivery = new DeliveryService(app.vertx(), pool, config.notifications(), java.time.Instant::now, zone,
        () -> channelSettings.effective().map(ChannelSettings.Effective::settings));
    // the home pages' shared sections, per scope for the roll-up cache's max age (off when it is), dropped by events
    SharedSections shared = SharedSections.start(app.vertx(), events,
        config.stats().cacheMillis() == 0 ? 0 : config.stats().cacheMaxAgeMillis());
    accounts.onChange(id -> shared.accountChanged());
    delivery.onFailed(() -> events.publish(DomainEvent.DELIVERY_FAILED, new io.vertx.core.json.JsonObject()));
    return new Services(accounts, new AuditStore(pool, zone), divisions, new DivisionImportService(app, divisions),
        stations, members, topics, plans, meetings, records,
        new AttachmentService(app.vertx(), pool, config.dataDir(), zone), new CalendarFeeds(pool, zone),
        reminders, delivery, channelSettings, outcomes, rollups, stats, uncached, reports, new QueueStore(pool, zone, shared),
        new RequestService(new RequestStore(pool), config.requests(), Bridges.topicDrafts(topics.store()), zone, events),
        new CheckinService(pool, Bridges.checkinMembers(new MemberAccountStore(pool), members.store()), zone, config.checkin()),
        new InvitationService(pool, accounts::createMemberAccount, accounts::setPasswordByClaim));
  }
}
