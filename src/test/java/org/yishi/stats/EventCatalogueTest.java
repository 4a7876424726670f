package org.yishi.stats;

import org.junit.jupiter.api.Test;
import org.yishi.outcome.OutcomeStatus;
import org.yishi.platform.events.DomainEvent;
import org.yishi.topic.TopicStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One catalogue of domain event names ({@link DomainEvent}), used by publishers and subscribers alike. */
class EventCatalogueTest {
  @Test
  void theLifecyclesPublishOnlyCataloguedEvents() {
    for (TopicStatus.Action a : TopicStatus.Action.values()) {
      assertEquals("topic." + a.key(), DomainEvent.topicStep(a.key()).type());
    }
    for (OutcomeStatus.Action a : OutcomeStatus.Action.values()) {
      assertEquals(a.event(), DomainEvent.of(a.event()).type());
    }
  }

  @Test
  void liveStatisticsListenToTheCountedEventsOfTheCatalogue() {
    assertEquals(DomainEvent.countedEvents().stream().map(DomainEvent::type).toList(), StatsLive.EVENTS);
    assertTrue(StatsLive.EVENTS.contains("outcome.closed") && StatsLive.EVENTS.contains("topic.approve"));
    assertTrue(!StatsLive.EVENTS.contains("station.moved"), "a move is not counted: the roll-up cache handles it itself");
  }

  @Test
  void anUnknownTypeIsRefused() {
    for (String bad : new String[] {"", "topic", "topic.explode", "outcome.", "meeting.scheduled ", "MEETING.SCHEDULED",
        "yishi.events.meeting.scheduled", "'; DROP TABLE topic; --"}) {
      assertThrows(IllegalArgumentException.class, () -> DomainEvent.of(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> DomainEvent.topicStep("explode"));
    assertThrows(IllegalArgumentException.class, () -> DomainEvent.outcomeStep("referred"));
    assertEquals("yishi.events.station.moved", DomainEvent.STATION_MOVED.address());
  }

  /** No publisher or subscriber in src/main spells an event type as a string of its own. */
  @Test
  void noEventTypeIsSpelledOutsideTheCatalogue() throws IOException {
    Pattern literal = Pattern.compile("(publish|afterCommit)\\(\\s*\"|DomainEvents\\.PREFIX\\s*\\+\\s*\"");
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String[] lines = Files.readString(f).split("\n");
        for (int i = 0; i < lines.length; i++) {
          Matcher m = literal.matcher(lines[i]);
          if (m.find()) {
            found.add(f + ":" + (i + 1) + ": " + lines[i].strip());
          }
        }
      }
    }
    assertEquals(List.of(), found);
  }
}
