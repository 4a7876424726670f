package org.yishi.stats;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node configured with another zone (YISHI_ZONE=Asia/Urumqi, UTC+6, two hours behind the default
 * Asia/Shanghai) counts a meeting at 23:30 local time on 31 October in October: in Java (the API's
 * times, the calendar page's day) and in the database's roll-up (the afterMigrate functions get the
 * zone as a Flyway placeholder), incrementally and after a rebuild. In Asia/Shanghai the same instant
 * is 01:30 on 1 November.
 */
class ConfiguredZoneTest {
  private static final String URUMQI = "Asia/Urumqi";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env("YISHI_ZONE", URUMQI);
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static StatsFixtures fx;
  private static long station;
  private static long meeting;
  private static String admin;

  @BeforeAll
  static void start() {
    fx = new StatsFixtures(node.app().pool());
    station = f.stations.get(AccountFixtures.HAIMING);   // 洮北区
    fx.sql("UPDATE station SET status = 'active' WHERE id = $1", station);
    long topic = fx.topic(station, "approved", "2025-10-02T10:00:00+06:00");
    meeting = fx.meeting(topic, "2025-10-31T23:30:00+06:00", "held", "on_site");
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  @Test
  void theConfiguredZoneReachesTheNodeAndItsSessions() {
    assertEquals(ZoneId.of(URUMQI), node.app().config().zone());
    assertEquals(URUMQI, fx.sql("SELECT current_setting('TimeZone')").iterator().next().getString(0),
        "the pool's sessions read dates in the configured zone");
    assertEquals("2025-10-01", fx.sql("SELECT stats_month('2025-10-31T17:30:00Z'::timestamptz)::text")
        .iterator().next().getString(0), "the roll-up month function was defined with the configured zone");
  }

  @Test
  void theApiAndTheCalendarShowTheMeetingAt2330OnTheLastDayOfOctober() {
    HttpResponse<String> r = api.get("/api/v1/meetings/" + meeting, admin);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("2025-10-31T23:30+06:00", Http.json(r).getString("startsAt"));

    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    String october = b.get("/calendar?month=2025-10&station=" + station).body();
    assertTrue(october.contains("data-date=\"2025-10-31\""), "October's calendar has its 31st");
    assertTrue(october.contains("23:30 议题"), "the meeting on its local day, at its local time");
  }

  @Test
  void theRollupCountsTheMeetingInOctoberIncrementallyAndAfterARebuild() {
    assertMonths();
    HttpResponse<String> rebuilt = api.call("POST", "/api/v1/stats/rebuild", admin, null);
    assertEquals(200, rebuilt.statusCode(), rebuilt.body());
    assertMonths();
  }

  private static void assertMonths() {
    JsonObject october = rollup("2025-10").getJsonObject("totals");
    assertEquals(1, october.getLong("meetings_held"), october.encode());
    JsonObject november = rollup("2025-11").getJsonObject("totals");
    assertEquals(0, november.getLong("meetings_held"), "not in November (as it would be in Asia/Shanghai)");
    assertFalse(fx.sql("SELECT 1 FROM stats_station_month WHERE station_id = $1 AND month = DATE '2025-11-01' AND meetings_held > 0",
        station).iterator().hasNext(), "no November counter row with the meeting");
  }

  private static JsonObject rollup(String month) {
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI + "&from=" + month
        + "&to=" + month, admin);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }
}
