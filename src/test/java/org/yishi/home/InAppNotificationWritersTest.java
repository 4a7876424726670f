package org.yishi.home;

import org.junit.jupiter.api.Test;
import org.yishi.platform.events.DomainEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinators' unread in-app notifications (the work queue's {@code notifications} section) are kept
 * per account on each node until an event announces a change ({@link SharedSections}), so every code
 * that writes {@code notification} rows must announce them after its commit. Checked by reading
 * src/main/java: the writers are the ones below, each with the announcement it relies on. Messages
 * queued by {@code Outbox} (e-mail, SMS, robots) are not in-app notifications: it writes {@code outbox}
 * rows only, which the section does not read.
 */
class InAppNotificationWritersTest {
  private static final Path MAIN = Path.of("src/main/java/org/yishi");
  /** A statement writing the {@code notification} table (not {@code notification_*} nor {@code notify_*}). */
  private static final Pattern WRITES = Pattern.compile("(?i)(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+notification\\b(?!_)");

  /** Each writer (under src/main/java/org/yishi) → the file that announces its notifications, and with what. */
  private static final Map<String, String[]> ANNOUNCED = Map.of(
      // the reminders' job: notifications.changed naming none (many accounts) once the run is over
      "meeting/ReminderService.java", new String[] {"app/Node.java", "DomainEvent.NOTIFICATIONS_CHANGED"},
      // marked read: notifications.changed naming the reader
      "meeting/MeetingRoutes.java", new String[] {"meeting/MeetingRoutes.java", "DomainEvent.NOTIFICATIONS_CHANGED"},
      // a report's readers: report.issued after the commit
      "report/ReportStore.java", new String[] {"report/ReportService.java", "DomainEvent.REPORT_ISSUED"},
      // an overdue outcome's district staff: outcome.escalated after the commit
      "outcome/OutcomeStore.java", new String[] {"outcome/OutcomeService.java", "DomainEvent.OUTCOME_ESCALATED"},
      // the demo city's set-up (DemoCity), written before a node serves its pages
      "demo/DemoDay.java", new String[] {"demo/DemoCity.java", "new DemoDay("});

  @Test
  void everyWriterOfInAppNotificationsIsAnnounced() throws IOException {
    Map<String, String> writers = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String text = Files.readString(p);
        var m = WRITES.matcher(text);
        if (m.find()) {
          writers.put(MAIN.relativize(p).toString().replace('\\', '/'), m.group());
        }
      }
    }
    assertEquals(new TreeMap<>(ANNOUNCED).keySet(), writers.keySet(),
        "the writers of in-app notifications " + writers + ": a new one must announce them after its commit "
            + "(publish notifications.changed naming the accounts, or none for many) and be listed here");
    for (var e : ANNOUNCED.entrySet()) {
      String announcer = Files.readString(MAIN.resolve(e.getValue()[0]));
      assertTrue(announcer.contains(e.getValue()[1]), e.getKey() + "'s notifications are announced by " + e.getValue()[0]);
    }
  }

  @Test
  void theAnnouncementsDropTheAccountsCopies() {
    for (DomainEvent e : new DomainEvent[] {DomainEvent.NOTIFICATIONS_CHANGED, DomainEvent.REPORT_ISSUED, DomainEvent.OUTCOME_ESCALATED}) {
      assertTrue(SharedSections.NOTIFYING.contains(e.type()), e.type());
      assertTrue(SharedSections.ANNOUNCING.contains(e) || e.counted(), e.type() + " is heard from the other nodes");
    }
  }
}
