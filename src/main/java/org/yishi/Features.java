package org.yishi;

import io.vertx.ext.web.Router;
import org.yishi.account.AuthRoutes;
import org.yishi.account.UserRoutes;
import org.yishi.audit.AuditRoutes;
import org.yishi.health.HealthRoutes;
import org.yishi.home.HomeRoutes;
import org.yishi.meeting.MeetingRoutes;
import org.yishi.member.CommitteeRoutes;
import org.yishi.member.MemberRoutes;
import org.yishi.station.StationRoutes;
import org.yishi.platform.App;

/** The manifest of features: each contributes its own router, mounted here in one place. */
public final class Features {
  private Features() {
  }

  public static void mount(Router root, App app) {
    for (Router feature : new Router[] {
        HealthRoutes.router(app),
        HomeRoutes.router(app),
        AuthRoutes.router(app),
        UserRoutes.router(app),
        AuditRoutes.router(app),
        org.yishi.notify.DeliveryRoutes.router(app),
        org.yishi.notify.PreferenceRoutes.router(app),
        org.yishi.notify.TestMessageRoutes.router(app),
        org.yishi.notify.UnitContactRoutes.router(app),
        StationRoutes.router(app),
        MemberRoutes.router(app),
        CommitteeRoutes.router(app),
        MeetingRoutes.router(app),
        org.yishi.meeting.RecordRoutes.router(app),
        org.yishi.meeting.AttachmentRoutes.router(app),
        org.yishi.stats.StatsRoutes.router(app),
        org.yishi.stats.DashboardRoutes.router(app),
        org.yishi.report.ReportRoutes.router(app),
        org.yishi.topic.TopicRoutes.router(app),
        org.yishi.plan.PlanRoutes.router(app),
        org.yishi.outcome.OutcomeRoutes.router(app),
        org.yishi.division.DivisionRoutes.router(app),
        org.yishi.apidocs.ApiDocsRoutes.router(app),
    }) {
      root.route("/*").subRouter(feature);
    }
  }
}
