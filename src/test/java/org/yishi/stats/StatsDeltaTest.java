package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counters kept by deltas (issue 25: the statement triggers of afterMigrate__rollup_functions.sql)
 * against the old path, the recount from the raw rows ({@code stats_rebuild}, i.e. V16's
 * {@code stats_recount} of every station-month): the same mixed workload of multi-statement
 * transactions (records filed with attendees and outcomes in batches, records edited, outcomes
 * answered, closed and rated, meetings cancelled and moved after their children changed, topics moved
 * between categories and plan items, a station moved between divisions, rolled-back transactions),
 * and after EVERY transaction every row of every counter table compared.
 */
class StatsDeltaTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  private static Pool pool;
  private static StatsFixtures fx;
  private static final List<String> TABLES = List.of(
      "SELECT * FROM stats_station_month ORDER BY station_id, month",
      "SELECT * FROM stats_station_month_category ORDER BY station_id, month, category",
      "SELECT * FROM stats_member_month ORDER BY member_id, station_id, month, category",
      "SELECT * FROM stats_plan_item ORDER BY plan_item_id");

  @BeforeAll
  static void start() {
    pool = node.app().pool();
    fx = new StatsFixtures(pool);
  }

  /** One statement of a transaction. */
  private record Step(String sql, Object... args) {
  }

  private static void tx(List<Step> steps) {
    pool.withTransaction(c -> {
      Future<?> chain = Future.succeededFuture();
      for (Step s : steps) {
        chain = chain.compose(v -> c.preparedQuery(s.sql()).execute(Tuple.wrap(Arrays.asList(s.args()))));
      }
      return chain;
    }).await();
  }

  private static String rows(String q) {
    StringBuilder sb = new StringBuilder();
    fx.sql(q).forEach(r -> sb.append(r.toJson().encode()).append('\n'));
    return sb.toString();
  }

  private static List<String> counters() {
    return TABLES.stream().map(StatsDeltaTest::rows).toList();
  }

  /** The kept counters equal the recount of the raw rows, table by table and row by row. */
  private static void assertKeptEqualsRecount(String after) {
    List<String> kept = counters();
    fx.sql("SELECT stats_rebuild()");
    List<String> recounted = counters();
    for (int i = 0; i < TABLES.size(); i++) {
      assertEquals(recounted.get(i), kept.get(i), "after " + after + ": " + TABLES.get(i));
    }
  }

  @Test
  void aMixedWorkloadKeepsEveryCounterEqualToTheRecount() {
    Random random = new Random(25);
    long s1 = f.stations.get(AccountFixtures.HAIMING);
    long s2 = f.stations.get(AccountFixtures.TUANJIE);
    fx.sql("UPDATE station SET status = 'active' WHERE id IN ($1, $2)", s1, s2);
    long committee = f.committees.get(AccountFixtures.TAOBEI);
    long plan = fx.id("INSERT INTO plan (committee_id, year, title) VALUES ($1, 2026, '计划') RETURNING id", committee);
    List<Long> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add(fx.id("INSERT INTO plan_item (plan_id, title, kind, category, target_quarter) VALUES ($1, $2, 'other', 'ecology', 2) "
          + "RETURNING id", plan, "选题" + i));
    }
    List<Long> members = new ArrayList<>(List.of(f.taobeiMember));
    for (int i = 0; i < 3; i++) {
      members.add(fx.id("INSERT INTO member (name, sector, committee_id) VALUES ($1, '教育界', $2) RETURNING id", "委员" + i, committee));
    }
    String[] categories = {"livelihood", "ecology", "economy"};
    List<Long> topics = new ArrayList<>(List.of(
        fx.topic(s1, "approved", "2026-01-03T10:00:00+08:00", "livelihood", items.get(0)),
        fx.topic(s1, "submitted", "2026-02-03T10:00:00+08:00", "ecology", null),
        fx.topic(s2, "approved", "2026-01-20T10:00:00+08:00", "economy", items.get(1))));
    List<Long> meetings = new ArrayList<>();
    List<Long> outcomes = new ArrayList<>();
    assertKeptEqualsRecount("the fixture");
    for (int i = 0; i < 120; i++) {
      int op = random.nextInt(13);
      long anyTopic = topics.get(random.nextInt(topics.size()));
      long anyMeeting = meetings.isEmpty() ? -1 : meetings.get(random.nextInt(meetings.size()));
      OffsetDateTime start = OffsetDateTime.parse(String.format("2026-%02d-%02dT%02d:%02d:00+08:00", 1 + random.nextInt(6),
          1 + random.nextInt(27), 8 + random.nextInt(10), random.nextInt(4) * 15)).plusMinutes(i);
      String what = "nothing";
      try {
        switch (op) {
          case 0, 1 -> {
            what = "a meeting scheduled";
            meetings.add(fx.meeting(anyTopic, start.toString(), "scheduled", random.nextBoolean() ? "on_site" : "online"));
          }
          case 2, 3 -> { // what PUT /api/v1/meetings/{id}/record does: status, record, attendees, outcomes in batches
            if (anyMeeting < 0 || fx.sql("SELECT 1 FROM meeting_record WHERE meeting_id = $1", anyMeeting).size() > 0) {
              continue;
            }
            boolean held = random.nextInt(4) > 0;
            what = "a record filed (held " + held + ")";
            List<Step> steps = new ArrayList<>(List.of(
                new Step("UPDATE meeting SET status = $2, version = version + 1, updated_at = now() WHERE id = $1", anyMeeting,
                    held ? "held" : "not_held"),
                new Step("""
                    INSERT INTO meeting_record (meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members,
                           attendance_residents, attendance_departments, attendance_experts, attendance_others, suggestions_count, filed_at)
                    SELECT id, $2, CASE WHEN $2 THEN NULL ELSE '雨' END, CASE WHEN $2 THEN starts_at END, CASE WHEN $2 THEN ends_at END,
                           $3, $4, 1, 2, 3, $5, ends_at + make_interval(days => $6) FROM meeting WHERE id = $1""",
                    anyMeeting, held, random.nextInt(5), random.nextInt(40), random.nextInt(9), random.nextInt(12)),
                new Step("DELETE FROM meeting_attendee WHERE meeting_id = $1", anyMeeting),
                new Step("INSERT INTO meeting_attendee (meeting_id, member_id) SELECT $1, unnest($2::bigint[])", anyMeeting,
                    members.subList(0, 1 + random.nextInt(members.size())).toArray(new Long[0]))));
            int n = random.nextInt(4);
            if (n > 0) {
              steps.add(new Step("""
                  INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
                  SELECT m.id, m.station_id, m.division_code, '成果' || g, (ARRAY['minutes', 'proposal', 'bulletin'])[g], '区住建局',
                         DATE '2026-12-31'
                    FROM meeting m, generate_series(1, $2) g WHERE m.id = $1""", anyMeeting, n));
            }
            tx(steps);
            fx.sql("SELECT id FROM outcome WHERE meeting_id = $1", anyMeeting).forEach(r -> {
              if (!outcomes.contains(r.getLong(0))) {
                outcomes.add(r.getLong(0));
              }
            });
          }
          case 4 -> { // the record edited: attendance and the attendees
            if (anyMeeting < 0) {
              continue;
            }
            what = "a record edited";
            tx(List.of(
                new Step("UPDATE meeting_record SET attendance_residents = $2, suggestions_count = $3 WHERE meeting_id = $1", anyMeeting,
                    random.nextInt(50), random.nextInt(9)),
                new Step("DELETE FROM meeting_attendee WHERE meeting_id = $1 AND member_id = $2", anyMeeting,
                    members.get(random.nextInt(members.size()))),
                new Step("INSERT INTO meeting_attendee (meeting_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", anyMeeting,
                    members.get(random.nextInt(members.size())))));
          }
          case 5 -> { // outcomes answered, then some closed and rated, in one transaction
            if (outcomes.isEmpty()) {
              continue;
            }
            what = "outcomes answered and closed";
            long o = outcomes.get(random.nextInt(outcomes.size()));
            tx(List.of(
                new Step("""
                    UPDATE outcome SET status = 'answered', answer = $2, reply = '办', answered_at = now(), typical_case = $3
                     WHERE id = $1 AND status = 'referred'""", o, random.nextBoolean() ? "adopted" : "partly_adopted", random.nextBoolean()),
                new Step("""
                    UPDATE outcome SET status = 'implemented', implementation_evidence = '已完成', implemented_at = now()
                     WHERE id = $1 AND status = 'answered' AND $2""", o, random.nextBoolean()),
                new Step("""
                    UPDATE outcome SET status = 'closed', satisfaction = $2, closed_at = now(), rated_at = now()
                     WHERE id = $1 AND status = 'implemented'""", o,
                    new String[] {"satisfied", "basically_satisfied", "dissatisfied"}[random.nextInt(3)])));
          }
          case 6 -> { // an outcome added, then its meeting cancelled or moved to another month, in one transaction
            if (anyMeeting < 0) {
              continue;
            }
            boolean cancel = random.nextBoolean();
            what = cancel ? "an outcome added, then the meeting cancelled" : "an outcome added, then the meeting moved";
            tx(List.of(
                new Step("""
                    INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on)
                    SELECT id, station_id, division_code, '后加', 'minutes', '区住建局', DATE '2026-12-31' FROM meeting WHERE id = $1""",
                    anyMeeting),
                cancel
                    ? new Step("UPDATE meeting SET status = 'cancelled', cancel_reason = '改期' WHERE id = $1", anyMeeting)
                    : new Step("UPDATE meeting SET starts_at = $2::timestamptz, ends_at = $2::timestamptz + interval '1 hour' WHERE id = $1", anyMeeting, start)));
          }
          case 7 -> {
            what = "a topic's category and plan item changed";
            tx(List.of(new Step("UPDATE topic SET category = $2 WHERE id = $1", anyTopic, categories[random.nextInt(categories.length)]),
                new Step("UPDATE topic SET plan_item_id = $2::bigint, source = CASE WHEN $2::bigint IS NULL THEN 'residents' ELSE source END "
                    + "WHERE id = $1", anyTopic,
                    random.nextInt(3) == 0 ? null : items.get(random.nextInt(items.size())))));
          }
          case 8 -> {
            what = "a topic's status changed";
            fx.sql("UPDATE topic SET status = $2 WHERE id = $1", anyTopic,
                new String[] {"approved", "rejected", "withdrawn", "submitted"}[random.nextInt(4)]);
          }
          case 9 -> {
            what = "a topic proposed";
            topics.add(fx.topic(random.nextBoolean() ? s1 : s2, "submitted", start.toString(), categories[random.nextInt(3)], null));
          }
          case 10 -> { // the station moves to another township of the district, or back
            what = "a station moved";
            String to = fx.sql("SELECT division_code FROM station WHERE id = $1", s1).iterator().next().getString(0)
                .equals(AccountFixtures.HAIMING) ? "220802003000" : AccountFixtures.HAIMING;
            fx.sql("UPDATE station SET division_code = $2 WHERE id = $1", s1, to);
          }
          case 11 -> { // a meeting keeps its station, month and topic: its end moved by up to an hour, its status changed
            if (anyMeeting < 0) {
              continue;
            }
            String status = new String[] {"held", "not_held", "cancelled", "scheduled"}[random.nextInt(4)];
            what = "a meeting's end moved and its status set to " + status;
            tx(List.of(new Step("""
                UPDATE meeting SET status = $2, ends_at = greatest(starts_at + interval '15 minutes', ends_at + make_interval(mins => $3)),
                       cancel_reason = CASE WHEN $2 = 'cancelled' THEN '改期' END
                 WHERE id = $1""", anyMeeting, status, random.nextInt(120) - 60)));
          }
          default -> { // a rolled-back record leaves nothing
            if (anyMeeting < 0) {
              continue;
            }
            what = "a rolled-back transaction";
            assertThrows(RuntimeException.class, () -> tx(List.of(
                new Step("UPDATE meeting SET status = 'held' WHERE id = $1", anyMeeting),
                new Step("INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on) "
                    + "SELECT id, station_id, division_code, '回滚', 'minutes', '区住建局', DATE '2026-12-31' FROM meeting WHERE id = $1",
                    anyMeeting),
                new Step("SELECT 1 / 0"))));
          }
        }
      } catch (RuntimeException e) { // two meetings of a station at one time: refused, rolled back
        assertTrue(String.valueOf(e.getMessage()).contains("meeting_station_no_overlap"), String.valueOf(e.getMessage()));
        what += " (refused: overlapping meetings)";
      }
      assertKeptEqualsRecount("step " + i + ", " + what);
    }
    // deletions (the product deletes neither meetings nor topics): recounted by their triggers
    long withChildren = fx.id("SELECT meeting_id FROM meeting_record ORDER BY meeting_id LIMIT 1");
    tx(List.of(new Step("DELETE FROM outcome WHERE meeting_id = $1", withChildren),
        new Step("DELETE FROM meeting_attendee WHERE meeting_id = $1", withChildren),
        new Step("DELETE FROM meeting_record WHERE meeting_id = $1", withChildren),
        new Step("DELETE FROM meeting WHERE id = $1", withChildren)));
    assertKeptEqualsRecount("a meeting deleted with its record, attendees and outcomes");
    long doomed = fx.topic(s2, "approved", "2026-03-02T10:00:00+08:00", "ecology", items.get(2));
    fx.meeting(doomed, "2026-03-30T20:00:00+08:00", "scheduled", "on_site");
    tx(List.of(new Step("DELETE FROM meeting WHERE topic_id = $1", doomed), new Step("DELETE FROM topic WHERE id = $1", doomed)));
    assertKeptEqualsRecount("a topic deleted with its scheduled meeting");
    assertTrue(rows("SELECT * FROM stats_member_month").lines().count() > 0
        && rows("SELECT * FROM stats_plan_item").lines().count() > 0
        && rows("SELECT 1 FROM stats_station_month WHERE outcomes_closed > 0 OR outcomes_implemented > 0").lines().count() > 0,
        "the workload reached every kind of counter");
  }
}
