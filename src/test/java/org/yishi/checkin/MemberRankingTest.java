package org.yishi.checkin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.outcome.OutcomeService;
import org.yishi.outcome.OutcomeStore;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ranking counts each member in one pass over the year's rows (issue 23); these tests hold its
 * figures to each member's own record ({@code /api/v1/members/:id/record}), which counts member by
 * member, for every member of a small fixture: several members with different attendances, check-ins,
 * replies and outcomes, a meeting not held, rows of the previous year, an inactive member and one with
 * nothing at all.
 */
class MemberRankingTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql db;
  @FromNode private static Api api;
  private static int year;
  private static long a;
  private static long b;
  private static long c;
  private static long idle;
  private static long inactive;

  private static long member(String name, boolean active) {
    return (Long) db.value("INSERT INTO member (name, sector, committee_id, active) VALUES (?, '教育界', ?, ?) RETURNING id",
        name, f.committees.get(AccountFixtures.TAOBEI), active);
  }

  @BeforeAll
  static void start() throws Exception {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    long station = f.stations.get(AccountFixtures.HAIMING);
    a = f.taobeiMember;
    b = member("李红", true);
    c = member("张伟", true);
    idle = member("赵敏", true);
    inactive = member("钱进", false);
    // meetings 0-2 lie within the last ten hours (the year they share, in Beijing time); meeting 3 a year earlier
    long[] meetings = AccountFixtures.endedMeetings(node, station, "排名议题", 4, List.of(a, b, c));
    db.execute("UPDATE meeting SET starts_at = starts_at - interval '1 year', ends_at = ends_at - interval '1 year' WHERE id = " + meetings[3]);
    year = Integer.parseInt(Http.json(api.get("/api/v1/meetings/" + meetings[0], c1)).getString("startsAt").substring(0, 4));
    for (int i = 0; i < 3; i++) {
      assertEquals(year, Integer.parseInt(Http.json(api.get("/api/v1/meetings/" + meetings[i], c1)).getString("startsAt").substring(0, 4)));
    }
    // meeting 0 held: a and b attended and checked in, a and b confirmed, c declined; two outcomes
    // meeting 1 held: a and c attended, c checked in (late, uninvited not), one outcome
    // meeting 2 not held: a and c confirmed, b checked in
    // meeting 3 (the previous year): a checked in and confirmed — counted in neither figure
    OffsetDateTime s = OffsetDateTime.now().minusHours(3);
    for (Map.Entry<Integer, List<Long>> held : Map.of(0, List.of(a, b), 1, List.of(a, c)).entrySet()) {
      JsonObject record = new JsonObject().put("held", true).put("actualStart", s.toString()).put("actualEnd", s.plusHours(1).toString())
          .put("attendance", new JsonObject().put("members", 2).put("residents", 5)).put("attendedMemberIds", new JsonArray(held.getValue()));
      HttpResponse<String> r = api.call("PUT", "/api/v1/meetings/" + meetings[held.getKey()] + "/record", c1, record.encode());
      assertEquals(200, r.statusCode(), r.body());
    }
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meetings[2] + "/record", c1,
        new JsonObject().put("held", false).put("notHeldReason", "暴雪").encode()).statusCode());
    List<String> checkins = new ArrayList<>();
    for (long[] mm : new long[][] {{meetings[0], a}, {meetings[0], b}, {meetings[1], c}, {meetings[2], b}, {meetings[3], a}}) {
      checkins.add("(" + mm[0] + ", 'members', " + mm[1] + ", true, 'on_time', 0, 'scan')");
    }
    db.execute("INSERT INTO meeting_checkin (meeting_id, role, member_id, invited, arrival, minutes_off, source) VALUES "
        + String.join(", ", checkins));
    db.execute("INSERT INTO meeting_member_reply (meeting_id, member_id, reply) VALUES "
        + "(" + meetings[0] + ", " + a + ", 'confirmed'), (" + meetings[0] + ", " + b + ", 'confirmed'), (" + meetings[0] + ", " + c + ", 'declined'), "
        + "(" + meetings[2] + ", " + a + ", 'confirmed'), (" + meetings[2] + ", " + c + ", 'confirmed'), (" + meetings[3] + ", " + a + ", 'confirmed')");
    OutcomeService outcomes = node.services().outcomes();
    for (long[] mo : new long[][] {{meetings[0], 1}, {meetings[0], 2}, {meetings[1], 3}}) {
      outcomes.create(admin, new OutcomeService.OutcomeInput(mo[0], new OutcomeStore.OutcomeValues("建议" + mo[1], "suggestion_letter",
          "区住建局", null, LocalDate.now().plusDays(30)), null)).await();
    }
  }

  private static JsonArray ranking(String token) {
    HttpResponse<String> r = api.get("/api/v1/member-ranking?year=" + year, token);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r).getJsonArray("items");
  }

  @Test
  void everyMembersFiguresInTheRankingAreThoseOfTheirOwnRecord() {
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    JsonArray items = ranking(d1);
    Set<Long> ranked = new HashSet<>();
    long previous = Long.MAX_VALUE;
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      long id = item.getLong("memberId");
      ranked.add(id);
      assertEquals(i + 1, item.getInteger("rank"));
      assertTrue(item.getLong("points") <= previous, items.encode());
      previous = item.getLong("points");
      HttpResponse<String> r = api.get("/api/v1/members/" + id + "/record?year=" + year, d1);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject record = Http.json(r);
      for (String field : List.of("attended", "checkins", "confirmed", "outcomes", "proposed", "suggested", "adopted", "typical")) {
        assertEquals(record.getLong(field), item.getLong(field), "member " + id + ", " + field + ": " + item.encode() + " / " + record.encode());
      }
      assertEquals(record.getJsonObject("points").getLong("total"), item.getLong("points"), "member " + id);
    }
    // every active member of the district's committee, and no one else
    long inDistrict = db.count("SELECT count(*) FROM member mb JOIN committee co ON co.id = mb.committee_id"
        + " WHERE mb.active AND co.division_code LIKE ?", AccountFixtures.TAOBEI.substring(0, 6) + "%");
    assertEquals(inDistrict, items.size(), items.encode());
    assertEquals(inDistrict, ranked.size(), "each member once");
    assertTrue(ranked.containsAll(List.of(a, b, c, idle)));
    assertFalse(ranked.contains(inactive));
  }

  @Test
  void theFiguresAreTheHandCountedOnes() {
    Map<Long, JsonObject> byId = new java.util.HashMap<>();
    ranking(api.token("city", AccountFixtures.PASSWORD)).forEach(o -> byId.put(((JsonObject) o).getLong("memberId"), (JsonObject) o));
    // attended, check-ins, confirmed, outcomes (of the meetings attended)
    Map<Long, long[]> expected = Map.of(a, new long[] {2, 1, 2, 3}, b, new long[] {1, 2, 1, 2}, c, new long[] {1, 1, 1, 1},
        idle, new long[] {0, 0, 0, 0});
    expected.forEach((id, counts) -> {
      JsonObject item = byId.get(id);
      assertEquals(List.of(counts[0], counts[1], counts[2], counts[3]), List.of(item.getLong("attended"), item.getLong("checkins"),
          item.getLong("confirmed"), item.getLong("outcomes")), item.encode());
    });
    // default rules: attended 2 each, check-in 1, confirmed 1, outcome 1: a 4 + 1 + 2 + 3 = 10 ranks above b 2 + 2 + 1 + 2 = 7
    assertEquals(10, byId.get(a).getLong("points"));
    assertEquals(7, byId.get(b).getLong("points"));
    assertEquals(0, byId.get(idle).getLong("points"));
    assertFalse(byId.containsKey(inactive));
  }
}
