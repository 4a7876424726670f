package org.yishi.platform.notify;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import org.yishi.platform.notify.Notice.Audience;

/**
 * The notices of each event that reaches people outside Yishi, with their recipients (see
 * docs/notifications.md, "What is sent, to whom"). Each feature calls one of these in the
 * transaction of its transition and passes the result to {@link Outbox#queue}. Keys carry the
 * entity's version after the change, so a meeting moved twice gives two notices, and the same
 * transition written twice one.
 */
public final class Notices {
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
  /** The node's zone for the times in messages; set at start-up ({@link #zone(ZoneId)}), like the outbox's public URL. */
  private static volatile ZoneId zone = org.yishi.platform.config.AppConfig.DEFAULT_ZONE;

  private Notices() {
  }

  /** A meeting moved to another time: the station's coordinators, the invited members, the five parties. */
  public static Notice meetingChanged(long meetingId, int version, long stationId, String title, String station,
                                     String startsAt, String reason) {
    return new Notice("meeting_changed", "meeting_changed:" + meetingId + ":v" + version, "/meetings/" + meetingId,
        Map.of("title", title, "station", station, "when", when(startsAt), "reason", text(reason)),
        List.of(new Audience.StationCoordinators(stationId), new Audience.MeetingMembers(meetingId),
            new Audience.MeetingParties(meetingId), Audience.Robots.ofStation(stationId)), true);
  }

  /** A meeting cancelled: the same people as a change. */
  public static Notice meetingCancelled(long meetingId, long stationId, String title, String station, String startsAt,
                                        String reason) {
    return new Notice("meeting_cancelled", "meeting_cancelled:" + meetingId, "/meetings/" + meetingId,
        Map.of("title", title, "station", station, "when", when(startsAt), "reason", text(reason)),
        List.of(new Audience.StationCoordinators(stationId), new Audience.MeetingMembers(meetingId),
            new Audience.MeetingParties(meetingId), Audience.Robots.ofStation(stationId)), true);
  }

  /** A topic approved or rejected ({@code action} = approve|reject): the station's coordinators. */
  public static Notice topicDecided(String action, long topicId, int version, long stationId, String title,
                                    String station, String reason) {
    String kind = "topic_" + decided(action);
    return new Notice(kind, kind + ":" + topicId + ":v" + version, "/topics/" + topicId,
        Map.of("title", title, "station", station, "reason", text(reason)),
        List.of(new Audience.StationCoordinators(stationId), Audience.Robots.ofStation(stationId)));
  }

  /** A station approved or rejected ({@code action} = approve|reject): its coordinators and whoever registered it. */
  public static Notice stationDecided(String action, long stationId, int version, String station, String reason) {
    String kind = "station_" + decided(action);
    return new Notice(kind, kind + ":" + stationId + ":v" + version, "/stations/" + stationId,
        Map.of("station", station, "reason", text(reason)),
        List.of(new Audience.StationCoordinators(stationId), new Audience.StationRegistrant(stationId),
            Audience.Robots.ofStation(stationId)));
  }

  /** A meeting's record returned for correction: the station's coordinators. */
  public static Notice recordReturned(long meetingId, int version, long stationId, String title, String station,
                                      String reason) {
    return new Notice("record_returned", "record_returned:" + meetingId + ":v" + version,
        "/meetings/" + meetingId + "/record",
        Map.of("title", title, "station", station, "reason", text(reason)),
        List.of(new Audience.StationCoordinators(stationId), Audience.Robots.ofStation(stationId)));
  }

  /** A meeting's record not filed long enough after the meeting ended: the station's coordinators. */
  public static Notice recordOverdue(long meetingId, long stationId, String title, String station, String endsAt) {
    return new Notice("record_overdue", "record_overdue:" + meetingId, "/meetings/" + meetingId + "/record",
        Map.of("title", title, "station", station, "when", when(endsAt)),
        List.of(new Audience.StationCoordinators(stationId), Audience.Robots.ofStation(stationId)));
  }

  /** An outcome referred to a responsible unit: the unit's contact (if staff keep one for the district). */
  public static Notice outcomeReferred(long outcomeId, String station, String unit, String dueOn, String content) {
    return new Notice("outcome_referred", "outcome_referred:" + outcomeId, "/outcomes/" + outcomeId,
        Map.of("station", station, "unit", unit, "due", dueOn, "content", cut(content)),
        List.of(new Audience.OutcomeUnit(outcomeId), Audience.Robots.ofOutcome(outcomeId)));
  }

  /** An outcome's answer due soon: the unit's contact. */
  public static Notice outcomeDue(long outcomeId, String station, String unit, String dueOn, String content) {
    return new Notice("outcome_due", "outcome_due:" + outcomeId + ":" + dueOn, "/outcomes/" + outcomeId,
        Map.of("station", station, "unit", unit, "due", dueOn, "content", cut(content)),
        List.of(new Audience.OutcomeUnit(outcomeId), Audience.Robots.ofOutcome(outcomeId)));
  }

  /** An outcome still referred past its due date: the district staff of its station's district. */
  public static Notice outcomeOverdue(long outcomeId, long stationId, String station, String unit, String dueOn,
                                      String content) {
    return new Notice("outcome_overdue", "outcome_overdue:" + outcomeId, "/outcomes/" + outcomeId,
        Map.of("station", station, "unit", unit, "due", dueOn, "content", cut(content)),
        List.of(new Audience.DistrictStaffOfStation(stationId), Audience.Robots.ofStation(stationId)), true);
  }

  /** A report issued: the city or district staff whose own unit it is about. */
  public static Notice reportIssued(long reportId, String unitCode, String unitName, String period) {
    return new Notice("report_issued", "report_issued:" + reportId, "/reports/" + reportId,
        Map.of("unit", unitName, "period", period), List.of(new Audience.StaffOfUnit(unitCode), Audience.Robots.ofUnit(unitCode)));
  }

  /**
   * A meeting reminder, {@code lead} (e.g. {@code 72h}) before it: the station's coordinators, the
   * invited members, the five parties and the station's robots. Its key is the one reminders always
   * had ({@code reminder:12:72h}), so a reminder queued by the previous release is not queued again.
   */
  public static Notice meetingReminder(long meetingId, String lead, long stationId, String title, String station,
                                       String startsAt, String venue) {
    return new Notice("meeting_reminder", "reminder:" + meetingId + ":" + lead, "/meetings/" + meetingId,
        Map.of("title", title, "station", station, "when", when(startsAt), "venue", text(venue)),
        List.of(new Audience.StationCoordinators(stationId), new Audience.MeetingMembers(meetingId),
            new Audience.MeetingParties(meetingId), Audience.Robots.ofStation(stationId)));
  }

  /** Members invited to a newly scheduled meeting: each at their contacts; the link is their schedule ({@code /my}). */
  public static Notice meetingInvited(long meetingId, String title, String station, String startsAt, String venue) {
    return new Notice("meeting_invited", "meeting_invited:" + meetingId, "/my",
        Map.of("title", title, "station", station, "when", when(startsAt), "venue", text(venue)),
        List.of(new Audience.MeetingMembers(meetingId)));
  }

  /**
   * A member invited to open their account: the single-use link ({@code path}, carrying the secret) to their
   * member record's contacts; urgent (a link that expires is not held for quiet hours).
   */
  public static Notice memberInvitation(long invitationId, long memberId, String path, String username, int days) {
    return new Notice("member_invitation", "member_invitation:" + invitationId, path,
        Map.of("username", username, "days", days), List.of(new Audience.Member(memberId)), true);
  }

  /** The kinds of event a user may choose channels for (the preferences page lists them in this order). */
  public static final List<String> KINDS = List.of("meeting_reminder", "meeting_changed", "meeting_cancelled", "topic_approved", "topic_rejected",
      "station_approved", "station_rejected", "record_returned", "record_overdue", "outcome_overdue", "report_issued");

  private static String decided(String action) {
    return switch (action) {
      case "approve" -> "approved";
      case "reject" -> "rejected";
      default -> throw new IllegalArgumentException("no notice for action " + action);
    };
  }

  /** {@code 2026-12-07 09:30} in the node's zone, from a stored timestamp. */
  public static String when(String isoTimestamp) {
    return OffsetDateTime.parse(isoTimestamp).atZoneSameInstant(zone).format(WHEN);
  }

  private static String text(String s) {
    return s == null ? "" : s;
  }

  private static String cut(String s) {
    return s == null ? "" : s.length() > 100 ? s.substring(0, 100) + "…" : s;
  }

  /** Sets the zone of the times in messages (the node's {@code YISHI_ZONE}); called once at start-up. */
  public static void zone(ZoneId nodeZone) {
    zone = nodeZone;
  }
}
