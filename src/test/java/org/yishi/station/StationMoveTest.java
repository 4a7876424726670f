package org.yishi.station;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.meeting.MeetingService;
import org.yishi.outcome.OutcomeService;
import org.yishi.outcome.OutcomeStore;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A station moved to another district takes its topics, meetings (with their records) and outcomes
 * along (issue 18, item 13; docs/registry.md): the district it left loses access (403, not listed),
 * the one it joined gains it, the roll-ups of both are right, and the audit keeps history.
 */
class StationMoveTest {
  private static final String FUWEN = "220881002000";  // 富文街道, 洮南市
  private static final String RUIGUANG = "220802003000"; // 瑞光街道, 洮北区
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Sql db;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static JsonObject totals(String division) {
    YearMonth now = YearMonth.now(ZoneId.of("Asia/Shanghai"));
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + division + "&from=" + now.minusMonths(1) + "&to=" + now,
        api.token("admin"));
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r).getJsonObject("totals");
  }

  private static boolean listed(String token, String path, long id) {
    HttpResponse<String> r = api.get(path, token);
    assertEquals(200, r.statusCode(), r.body());
    JsonArray items = Http.json(r).getJsonArray("items");
    return items.stream().anyMatch(o -> ((JsonObject) o).getLong("id") == id);
  }

  @Test
  void aStationMovedToAnotherDistrictTakesItsTopicsMeetingsAndOutcomesAlong() throws Exception {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    // a 洮南 station with a topic, a held meeting with its record and an outcome
    StationService stations = node.services().stations();
    long station = stations.register(admin, new StationService.StationInput("富文议事室", StationType.CONSULTATION_ROOM, FUWEN,
        null, null, null, null, null, null, null, null)).await().getLong("id");
    long topic = AccountFixtures.approvedTopic(node, station, "富文停车难");
    OffsetDateTime start = OffsetDateTime.now().plusDays(5).withNano(0);
    long meeting = node.services().meetings().schedule(admin, new MeetingService.MeetingInput(topic,
        start, start.plusHours(1), "会议室", "on_site", null, "grassroots", null, null, List.of(), List.of())).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '3 hours', ends_at = now() - interval '2 hours' WHERE id = "
        + meeting).execute().await();
    OffsetDateTime s = OffsetDateTime.now().minusHours(3).withNano(0);
    assertEquals(200, api.call("PUT", "/api/v1/meetings/" + meeting + "/record", api.token("d2"), new JsonObject().put("held", true)
        .put("actualStart", s.toString()).put("actualEnd", s.plusHours(1).toString()).put("minutes", "纪要").encode()).statusCode());
    long outcome = node.services().outcomes().create(admin, new OutcomeService.OutcomeInput(meeting,
        new OutcomeStore.OutcomeValues("增设停车位", "minutes", "市交通局", null, LocalDate.now().plusDays(30)), null)).await().getLong("id");
    String d1 = api.token("d1");
    String d2 = api.token("d2");
    assertEquals(200, api.get("/api/v1/meetings/" + meeting, d2).statusCode());
    assertEquals(403, api.get("/api/v1/meetings/" + meeting, d1).statusCode());
    assertEquals(1, totals(AccountFixtures.TAONAN).getLong("meetings_held"));
    assertEquals(0, totals(AccountFixtures.TAOBEI).getLong("meetings_held"));
    long auditBefore = db.count("SELECT count(*) FROM audit_log WHERE division_code LIKE '220881%'");

    // city staff move it to 瑞光街道 (洮北区)
    int version = Http.json(api.get("/api/v1/stations/" + station, api.token("city"))).getInteger("version");
    HttpResponse<String> moved = api.call("PUT", "/api/v1/stations/" + station, api.token("city"), new JsonObject()
        .put("name", "富文议事室").put("type", "consultation_room").put("divisionCode", RUIGUANG).put("version", version).encode());
    assertEquals(200, moved.statusCode(), moved.body());
    assertEquals(AccountFixtures.TAOBEI, Http.json(moved).getString("districtCode"));

    // the district left: 403 on each, not listed
    for (String path : List.of("/api/v1/stations/" + station, "/api/v1/topics/" + topic, "/api/v1/meetings/" + meeting,
        "/api/v1/meetings/" + meeting + "/record", "/api/v1/meetings/" + meeting + "/attachments", "/api/v1/outcomes/" + outcome)) {
      assertEquals(403, api.get(path, d2).statusCode(), "洮南 lost " + path);
      assertEquals(200, api.get(path, d1).statusCode(), "洮北 gained " + path);
    }
    String range = "?from=" + OffsetDateTime.now().minusDays(2).withNano(0).toString().replace("+", "%2B")
        + "&to=" + OffsetDateTime.now().plusDays(2).withNano(0).toString().replace("+", "%2B");
    assertFalse(listed(d2, "/api/v1/meetings" + range, meeting), "not in 洮南's meetings");
    assertTrue(listed(d1, "/api/v1/meetings" + range, meeting), "in 洮北's meetings");
    assertFalse(listed(d2, "/api/v1/topics", topic));
    assertTrue(listed(d1, "/api/v1/topics", topic));
    assertFalse(listed(d2, "/api/v1/outcomes", outcome));
    assertTrue(listed(d1, "/api/v1/outcomes", outcome));
    assertFalse(listed(d2, "/api/v1/stations?size=200", station));
    Browser page = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    assertEquals(403, page.get("/meetings/" + meeting).statusCode());
    assertEquals(403, page.get("/meetings/" + meeting + "/record").statusCode());
    assertFalse(page.get("/outcomes").body().contains("增设停车位"), "not on 洮南's outcome page");

    // the rows themselves, the roll-ups of both districts, and history
    assertEquals(0, db.count("SELECT count(*) FROM topic WHERE station_id = " + station + " AND division_code <> '" + RUIGUANG + "'"));
    assertEquals(0, db.count("SELECT count(*) FROM meeting WHERE station_id = " + station + " AND division_code <> '" + RUIGUANG + "'"));
    assertEquals(0, db.count("SELECT count(*) FROM outcome WHERE station_id = " + station + " AND division_code <> '" + RUIGUANG + "'"));
    JsonObject taonan = totals(AccountFixtures.TAONAN);
    JsonObject taobei = totals(AccountFixtures.TAOBEI);
    assertEquals(0, taonan.getLong("meetings_held"), "洮南 no longer counts the meeting: " + taonan);
    assertEquals(0, taonan.getLong("outcomes"));
    assertEquals(1, taobei.getLong("meetings_held"), "洮北 counts it: " + taobei);
    assertEquals(1, taobei.getLong("outcomes"));
    assertEquals(taobei.getLong("meetings_held"), totals(RUIGUANG).getLong("meetings_held"), "the township it joined");
    assertEquals(auditBefore + 1, db.count("SELECT count(*) FROM audit_log WHERE division_code LIKE '220881%'"),
        "the old entries stay where they were written, plus one saying the station moved out");
    assertEquals(1, db.count("SELECT count(*) FROM audit_log WHERE action = 'station.move_out' AND division_code = '" + FUWEN + "'"));
  }

  @Test
  void membersOfTheDistrictLeftAreUnassigned() throws Exception {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    StationService stations = node.services().stations();
    long station = stations.register(admin, new StationService.StationInput("长庆二号议事室", StationType.LIAISON_STATION,
        AccountFixtures.CHANGQING, null, null, null, null, null, null, null, null)).await().getLong("id");
    long city = node.app().pool().preparedQuery("INSERT INTO member (name, sector, committee_id) VALUES ('市委员', '经济界', $1) RETURNING id")
        .execute(io.vertx.sqlclient.Tuple.of(f.committees.get(AccountFixtures.BAICHENG))).await().iterator().next().getLong(0);
    assertEquals(200, api.call("PUT", "/api/v1/stations/" + station + "/members", api.token("d1"),
        new JsonObject().put("memberIds", new JsonArray().add(f.taobeiMember).add(city)).encode()).statusCode());
    int version = Http.json(api.get("/api/v1/stations/" + station, api.token("city"))).getInteger("version");
    assertEquals(200, api.call("PUT", "/api/v1/stations/" + station, api.token("city"), new JsonObject().put("name", "长庆二号议事室")
        .put("type", "liaison_station").put("divisionCode", FUWEN).put("version", version).encode()).statusCode());
    assertEquals(1, db.count("SELECT count(*) FROM station_member WHERE station_id = " + station), "the 洮北 member no longer serves it");
    assertEquals(city, db.count("SELECT member_id FROM station_member WHERE station_id = " + station), "the city member still does");
  }
}
