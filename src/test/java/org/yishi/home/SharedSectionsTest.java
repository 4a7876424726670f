package org.yishi.home;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.time.LocalDate;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work queue's aggregate sections shared per unit ({@link SharedSections}), with the cache on (the
 * test run turns it off elsewhere) and kept for ten minutes, so that nothing here depends on timing:
 * a change made in SQL (no event) is not seen while the copy is kept, by its reader or another user of
 * the unit, while the user's own action through the service drops it at once.
 */
class SharedSectionsTest {
  /**
   * Turns the caches on for this class's node (the test run sets {@code yishi.stats.cacheMillis} to 0;
   * AppConfig reads the properties when the node starts) and restores the properties after the class.
   * Registered before the node, so its start sees them.
   */
  static final class CachesOn implements BeforeAllCallback, AfterAllCallback {
    private static final String[] PROPERTIES = {"yishi.stats.cacheMillis", "yishi.stats.cacheMaxAgeMillis"};
    private final String[] before = new String[PROPERTIES.length];

    @Override
    public void beforeAll(ExtensionContext context) {
      for (int i = 0; i < PROPERTIES.length; i++) {
        before[i] = System.getProperty(PROPERTIES[i]);
      }
      System.setProperty(PROPERTIES[0], "400");
      System.setProperty(PROPERTIES[1], "600000");
    }

    @Override
    public void afterAll(ExtensionContext context) {
      for (int i = 0; i < PROPERTIES.length; i++) {
        if (before[i] == null) {
          System.clearProperty(PROPERTIES[i]);
        } else {
          System.setProperty(PROPERTIES[i], before[i]);
        }
      }
    }
  }

  @RegisterExtension @Order(1) static final CachesOn CACHES_ON = new CachesOn();
  @RegisterExtension @Order(2) static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  @FromNode private static Sql sql;

  private static String token(String username) {
    return api.token(username, AccountFixtures.passwordOf(username));
  }

  private static Set<String> thisWeek(String token) {
    JsonObject queue = Http.json(api.get("/api/v1/me/queue", token));
    Set<String> ids = new TreeSet<>();
    for (Object o : queue.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      if ("meetingsThisWeek".equals(s.getString("key"))) {
        s.getJsonArray("items").forEach(i -> ids.add(String.valueOf(((JsonObject) i).getValue("id"))));
        return ids;
      }
    }
    throw new AssertionError("no meetingsThisWeek in " + queue.encode());
  }

  /** A meeting of an hour at {@code station} today (Asia/Shanghai) at {@code hour}: always in this week. */
  private static long meetingToday(long topic, long station, int hour) {
    return ((Number) sql.value("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT ?, id, division_code, x.t, x.t + interval '1 hour', '议事室', 'on_site', 'forum', 'scheduled'
          FROM station,
               LATERAL (SELECT (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') + make_interval(hours => ?))
                               AT TIME ZONE 'Asia/Shanghai' AS t) x
         WHERE id = ? RETURNING id""", topic, hour, station)).longValue();
  }

  @Test
  void theDistrictsSectionIsSharedAndTheUsersOwnCancellationDropsItAtOnce() {
    long haiming = f.stations.get(AccountFixtures.HAIMING);
    long topic = AccountFixtures.approvedTopic(node, haiming, "社区停车位规划");
    long first = meetingToday(topic, haiming, 10);
    String d1 = token("d1");
    assertTrue(thisWeek(d1).contains(String.valueOf(first)));

    // written in SQL: no event, so the unit's copy stands (for ten minutes here) for every user of 洮北区
    long second = meetingToday(topic, haiming, 14);
    assertFalse(thisWeek(d1).contains(String.valueOf(second)), "served from the shared copy");

    // the district's own action, through the API: its event drops the copy before the answer is sent
    var cancelled = api.call("POST", "/api/v1/meetings/" + first + "/cancel", d1,
        new JsonObject().put("reason", "场地临时不可用").encode());
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("cancelled", sql.value("SELECT status FROM meeting WHERE id = ?", first));
    Set<String> after = thisWeek(d1);
    assertFalse(after.contains(String.valueOf(first)), "the cancelled meeting left the queue at once: " + after);
    assertTrue(after.contains(String.valueOf(second)), "and the copy was read afresh: " + after);
  }

  @Test
  void aCopyIsSharedPerUnitAndDayUntilItsTtlOrAChangeInsideItsUnit() {
    long[] clock = {0};
    SharedSections shared = new SharedSections(1000, () -> clock[0]);
    QueueStore.Section section = new QueueStore.Section("dormantStations", "", "", "", "", false);
    LocalDate today = LocalDate.of(2026, 12, 7);
    int[] reads = {0};
    Supplier<Future<JsonObject>> read = () -> Future.succeededFuture(new JsonObject().put("total", (long) ++reads[0]));
    assertTrue(shared.shares(section));
    assertTrue(shared.shares(new QueueStore.Section("topicApprovals", "", "", "", "", true)), "announced by the topics' events");
    assertTrue(shared.shares(new QueueStore.Section("stationApprovals", "", "", "", "", true)), "announced by station.status");
    assertTrue(shared.shares(new QueueStore.Section("notifications", "", "", "", "", true)), "the caller's own, per account");
    assertFalse(shared.shares(new QueueStore.Section("unknownSection", "", "", "", "", true)), "only the sections an event announces");
    assertFalse(SharedSections.off().shares(section));

    assertEquals(1, shared.get(section, "2208", today, read).result().getLong("total"));
    assertEquals(1, shared.get(section, "2208", today, read).result().getLong("total"), "shared");
    assertEquals(2, shared.get(section, "2207", today, read).result().getLong("total"), "another unit has its own");
    assertEquals(3, shared.get(section, "2208", today.plusDays(1), read).result().getLong("total"), "and another day");

    shared.heard(new JsonObject().put("divisionCode", "220702000000")); // inside 2207 only
    assertEquals(1, shared.get(section, "2208", today, read).result().getLong("total"));
    assertEquals(4, shared.get(section, "2207", today, read).result().getLong("total"), "dropped by the change in its unit");
    shared.heard(new JsonObject().put("divisionCode", "110101000000").put("previousDivisionCode", "220801000000"));
    assertEquals(5, shared.get(section, "2208", today, read).result().getLong("total"), "a station moved out of the unit");
    shared.heard(new JsonObject().put("type", "notify.channels_changed")); // no division: nothing dropped
    assertEquals(5, shared.get(section, "2208", today, read).result().getLong("total"));

    clock[0] += 1_000_000_000L; // the ttl passed
    assertEquals(6, shared.get(section, "2208", today, read).result().getLong("total"));

    Supplier<Future<JsonObject>> failing = () -> Future.failedFuture("database down");
    clock[0] += 1_000_000_000L;
    assertTrue(shared.get(section, "2208", today, failing).failed());
    assertEquals(7, shared.get(section, "2208", today, read).result().getLong("total"), "a failed read is not kept");

    JsonObject mine = shared.get(section, "2208", today, read).result();
    mine.put("total", -1L);
    assertEquals(7, shared.get(section, "2208", today, read).result().getLong("total"), "each caller gets its own copy");
  }

  @Test
  void anAccountsCopyIsItsOwnAndAnEventKeyedCopyGoesWithItsEvent() {
    SharedSections shared = new SharedSections(600_000, () -> 0L);
    QueueStore.Section notes = new QueueStore.Section("notifications", "", "", "", "", true);
    QueueStore.Section failed = new QueueStore.Section("failedNotifications", "", "", "", "", true);
    QueueStore.Section disabled = new QueueStore.Section("disabledAccounts", "", "", "", "", false);
    LocalDate today = LocalDate.of(2026, 12, 7);
    int[] reads = {0};
    Supplier<Future<JsonObject>> read = () -> Future.succeededFuture(new JsonObject().put("total", (long) ++reads[0]));
    assertEquals(1, shared.get(notes, 7L, read).result().getLong("total"));
    assertEquals(2, shared.get(notes, 8L, read).result().getLong("total"), "another account has its own copy");
    assertEquals(1, shared.get(notes, 7L, read).result().getLong("total"));
    shared.heard(new JsonObject().put("type", "notifications.changed").put("accountId", 8L));
    assertEquals(1, shared.get(notes, 7L, read).result().getLong("total"), "another account's change leaves it");
    assertEquals(3, shared.get(notes, 8L, read).result().getLong("total"), "its own drops it");
    shared.heard(new JsonObject().put("type", "notifications.changed")); // many accounts notified
    assertEquals(4, shared.get(notes, 7L, read).result().getLong("total"));
    shared.heard(new JsonObject().put("type", "meeting.scheduled").put("divisionCode", "220802001000").put("stationId", 3L));
    assertEquals(4, shared.get(notes, 7L, read).result().getLong("total"), "not by a meeting");

    assertEquals(5, shared.get(failed, today, read).result().getLong("total"));
    assertEquals(6, shared.get(disabled, today, read).result().getLong("total"));
    shared.heard(new JsonObject().put("type", "topic.approve").put("divisionCode", "220802001000").put("stationId", 3L));
    assertEquals(5, shared.get(failed, today, read).result().getLong("total"), "only by its own event");
    shared.heard(new JsonObject().put("type", "delivery.failed"));
    assertEquals(7, shared.get(failed, today, read).result().getLong("total"), "a message given up drops it");
    assertEquals(6, shared.get(disabled, today, read).result().getLong("total"));
    shared.accountChanged();
    assertEquals(8, shared.get(disabled, today, read).result().getLong("total"), "an account changed drops the accounts");
    assertEquals(7, shared.get(failed, today, read).result().getLong("total"));
  }

  @Test
  void anAgedCopyStandsInWhileItsReplacementIsReadButNeverOneAChangeDropped() {
    long[] clock = {0};
    SharedSections shared = new SharedSections(1000, () -> clock[0]);
    QueueStore.Section section = new QueueStore.Section("referrals", "", "", "", "", true);
    LocalDate today = LocalDate.of(2026, 12, 7);
    java.util.List<Promise<JsonObject>> reads = new java.util.ArrayList<>();
    Supplier<Future<JsonObject>> read = () -> {
      Promise<JsonObject> p = Promise.promise();
      reads.add(p);
      return p.future();
    };
    Future<JsonObject> first = shared.get(section, "2208", today, read);
    assertFalse(first.isComplete(), "nothing to stand in for the very first read");
    reads.get(0).complete(new JsonObject().put("total", 1L));
    assertEquals(1, first.result().getLong("total"));

    clock[0] += 1_000_000_000L; // the ttl passed, nothing changed
    Future<JsonObject> aged = shared.get(section, "2208", today, read);
    assertEquals(2, reads.size(), "the age limit starts a new read");
    assertEquals(1, aged.result().getLong("total"), "the aged copy is handed out at once meanwhile");
    assertEquals(1, shared.get(section, "2208", today, read).result().getLong("total"), "and shared, one read only");
    assertEquals(2, reads.size());
    reads.get(1).complete(new JsonObject().put("total", 2L));
    assertEquals(2, shared.get(section, "2208", today, read).result().getLong("total"), "then the new copy");

    shared.heard(new JsonObject().put("divisionCode", "220801000000")); // a change inside the unit
    Future<JsonObject> afterChange = shared.get(section, "2208", today, read);
    assertFalse(afterChange.isComplete(), "after a change the page waits for the new read, never the old copy");
    clock[0] += 1_000_000_000L; // and aged meanwhile: still nothing older stands in
    Future<JsonObject> waiting = shared.get(section, "2208", today, read);
    assertFalse(waiting.isComplete(), "a copy still being read is not an aged copy");
    reads.get(2).complete(new JsonObject().put("total", 3L));
    assertEquals(3, afterChange.result().getLong("total"));
    reads.get(reads.size() - 1).complete(new JsonObject().put("total", 3L));
    assertEquals(3, waiting.result().getLong("total"));
  }
}
