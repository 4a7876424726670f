package org.yishi.platform.notify;

import java.util.List;
import java.util.Map;

/**
 * One event worth telling people outside Yishi: its kind (the template family
 * {@code notify.<kind>.*}), a key unique to this occurrence of the event (recipients are appended,
 * so writing the same notice twice queues each message once), the page it is about (a path such as
 * {@code /meetings/12}; the public URL is put before it), the template variables, and who hears of it.
 *
 * @param urgent sent by SMS during quiet hours too, and never held for a daily digest
 */
public record Notice(String kind, String key, String path, Map<String, ?> vars, List<Audience> audiences, boolean urgent) {

  public Notice(String kind, String key, String path, Map<String, ?> vars, List<Audience> audiences) {
    this(kind, key, path, vars, audiences, false);
  }

  /**
   * The notice as committee members receive it: members cannot open the staff's meeting pages, so a
   * link to a meeting becomes their own page, {@code /my}, which lists their meetings (links meant for
   * members, such as an invitation's, stay).
   */
  public Notice forMembers() {
    return path.startsWith("/meetings/") ? new Notice(kind, key, "/my", vars, audiences, urgent) : this;
  }

  /** Who hears of a notice. Accounts get e-mail (when they have an address); members and parties as their contact allows. */
  public sealed interface Audience {
    /** The coordinators (accounts) of a station. */
    record StationCoordinators(long stationId) implements Audience { }

    /** The district staff of the district a station belongs to. */
    record DistrictStaffOfStation(long stationId) implements Audience { }

    /** The city or district staff whose own unit is {@code unitCode}. */
    record StaffOfUnit(String unitCode) implements Audience { }

    /** One account (e.g. whoever registered a station). */
    record Account(long accountId) implements Audience { }

    /** Whoever registered a station (it may have no coordinators yet). */
    record StationRegistrant(long stationId) implements Audience { }

    /** The contact of the unit an outcome is referred to (kept per district in {@code notify_unit_contact}). */
    record OutcomeUnit(long outcomeId) implements Audience { }

    /** The members invited to a meeting, at their member record's contacts: a mobile number (SMS), an e-mail address. */
    record MeetingMembers(long meetingId) implements Audience { }

    /** One member at their member record's contacts (SMS to a mobile number, e-mail to an address), e.g. an account invitation. */
    record Member(long memberId) implements Audience { }

    /** The five parties of a meeting whose contact is a mobile number (SMS) or an e-mail address. */
    record MeetingParties(long meetingId) implements Audience { }

    /**
     * The group robots of a station ({@code station:ID} or its district's {@code district:CODE}), of the
     * station an outcome belongs to, or of a district unit ({@code district:CODE}, e.g. a report about it).
     */
    record Robots(Long stationId, Long outcomeId, String unitCode) implements Audience {
      public static Robots ofStation(long stationId) {
        return new Robots(stationId, null, null);
      }

      public static Robots ofOutcome(long outcomeId) {
        return new Robots(null, outcomeId, null);
      }

      public static Robots ofUnit(String unitCode) {
        return new Robots(null, null, unitCode);
      }
    }
  }
}
