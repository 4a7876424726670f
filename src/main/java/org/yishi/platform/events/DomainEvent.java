package org.yishi.platform.events;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The catalogue of domain event types: every event published on the event bus
 * ({@code yishi.events.<type>}, see {@link DomainEvents}) is one of these, and publishers and
 * subscribers (live statistics, the roll-up cache) name them from here, never as strings of their own.
 * A new event is added here first; {@code EventCatalogueTest} checks that the topic and outcome
 * lifecycles publish only catalogued types and that no publisher or subscriber spells a type itself.
 */
public enum DomainEvent {
  MEETING_SCHEDULED("meeting.scheduled", true),
  MEETING_RESCHEDULED("meeting.rescheduled", true),
  MEETING_CANCELLED("meeting.cancelled", true),
  TOPIC_CREATED("topic.created", true),
  TOPIC_UPDATED("topic.updated", true),
  /** A topic's lifecycle steps: {@code topic.<action>} of {@code TopicStatus.Action}. */
  TOPIC_SUBMIT("topic.submit", true),
  TOPIC_APPROVE("topic.approve", true),
  TOPIC_REJECT("topic.reject", true),
  TOPIC_REVISE("topic.revise", true),
  TOPIC_WITHDRAW("topic.withdraw", true),
  RECORD_FILED("record.filed", true),
  RECORD_RETURNED("record.returned", true),
  OUTCOME_CREATED("outcome.created", true),
  OUTCOME_UPDATED("outcome.updated", true),
  /** An outcome's follow-up steps: {@code outcome.<status reached>} of {@code OutcomeStatus.Action}. */
  OUTCOME_ANSWERED("outcome.answered", true),
  OUTCOME_IMPLEMENTED("outcome.implemented", true),
  OUTCOME_CLOSED("outcome.closed", true),
  OUTCOME_ESCALATED("outcome.escalated", true),
  OUTCOME_TYPICAL_MARKED("outcome.typical_marked", true),
  OUTCOME_TYPICAL_UNMARKED("outcome.typical_unmarked", true),
  /** A station moved to another division: caches keyed by division drop what they hold. */
  STATION_MOVED("station.moved", false),
  /** A station applied (registered, pending) or was decided (approved, rejected, suspended...): {@code stationId, divisionCode}. */
  STATION_STATUS("station.status", false),
  /** A resident's request was received or triaged: {@code stationId}. */
  REQUEST_CHANGED("request.changed", false),
  /** A report was issued: {@code divisionCode} (the report's unit). */
  REPORT_ISSUED("report.issued", false),
  /** An admin changed a report schedule: the city staff's work queue lists the next runs. */
  REPORT_SCHEDULES_CHANGED("report.schedules_changed", false),
  /** In-app notifications were queued or read: {@code accountId}, or none when several accounts' changed. */
  NOTIFICATIONS_CHANGED("notifications.changed", false),
  /** A division import job was queued, started running, ended or was failed: the administrators' work queue. */
  DIVISION_IMPORT_CHANGED("division.import_changed", false),
  /** Messages (SMS, e-mail, robots) were given up (failed for good): the administrators' work queue. */
  DELIVERY_FAILED("delivery.failed", false),
  /** An admin changed the notification channels' settings: every node drops its cached copy. */
  NOTIFY_CHANNELS_CHANGED("notify.channels_changed", false);

  private final String type;
  private final boolean counted;

  DomainEvent(String type, boolean counted) {
    this.type = type;
    this.counted = counted;
  }

  /** The type as published ({@code meeting.scheduled}); the event bus address is {@link DomainEvents#PREFIX} + type. */
  public String type() {
    return type;
  }

  /** The event bus address of this event. */
  public String address() {
    return DomainEvents.PREFIX + type;
  }

  /** Whether the statistics count it (live dashboard streams refresh and cached roll-ups are dropped on it). */
  public boolean counted() {
    return counted;
  }

  /** The catalogued event of this type; IllegalArgumentException for a type not in the catalogue. */
  public static DomainEvent of(String type) {
    for (DomainEvent e : values()) {
      if (e.type.equals(type)) {
        return e;
      }
    }
    throw new IllegalArgumentException("not a catalogued domain event: " + type);
  }

  /** The event of a topic lifecycle action ({@code submit} → {@code topic.submit}). */
  public static DomainEvent topicStep(String actionKey) {
    return of("topic." + actionKey.toLowerCase(Locale.ROOT));
  }

  /** The event of an outcome step by the status it reaches ({@code answered} → {@code outcome.answered}). */
  public static DomainEvent outcomeStep(String statusKey) {
    return of("outcome." + statusKey.toLowerCase(Locale.ROOT));
  }

  /** The events the statistics count, in catalogue order. */
  public static List<DomainEvent> countedEvents() {
    return Arrays.stream(values()).filter(DomainEvent::counted).toList();
  }
}
