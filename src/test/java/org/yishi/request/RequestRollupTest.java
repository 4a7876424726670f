package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
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
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Promised days per station (the setting, its bad input, the due day it gives) and the residents'
 * request counters in the roll-up: a scripted history of requests received, answered in time and
 * late (set timestamps), accepted into topics, answered, merged, declined and hidden, counted by
 * category and by district and township, against a rebuild from the raw rows, and under concurrent
 * writers.
 */
class RequestRollupTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  @FromNode private static Sql sql;
  private static long s1;   // c1's, 洮北区 海明
  private static long s3;   // c3's, 洮北区 长庆
  private static long s2;   // c2's, 洮南市

  @BeforeAll
  static void start() {
    s1 = f.stations.get(AccountFixtures.HAIMING);
    s3 = f.stations.get(AccountFixtures.CHANGQING);
    s2 = f.stations.get(AccountFixtures.TUANJIE);
    node.app().pool().query("UPDATE station SET status = 'active' WHERE id IN (" + s1 + ", " + s2 + ", " + s3 + ")").execute().await();
  }

  private static HttpResponse<String> promise(String who, long station, String body) {
    return api.call("PUT", "/api/v1/stations/" + station + "/promised-days", api.token(who, AccountFixtures.PASSWORD), body);
  }

  /**
   * A request received {@code daysAgo} days ago (a set timestamp), due by the node's default of 7
   * days unless its station promises its own; answers its id.
   */
  private static long received(long station, String category, int daysAgo) {
    return sql.count("""
        INSERT INTO resident_request (tracking_code, station_id, division_code, category, description, due_on, created_at)
        SELECT ?, id, division_code, ?, '路灯坏了', (now() - make_interval(days => ?))::date + 7, now() - make_interval(days => ?)
          FROM station WHERE id = ? RETURNING id""", TrackingCode.next(), category, daysAgo, daysAgo, station);
  }

  private static void triage(Browser coordinator, long id, Map<String, String> fields) {
    coordinator.get("/requests/" + id);
    HttpResponse<String> r = coordinator.post("/requests/" + id + "/triage", fields);
    assertEquals(303, r.statusCode(), r.body());
  }

  private static JsonObject rollup(String who, String division, String category) {
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?division=" + division + (category == null ? "" : "&category=" + category),
        api.token(who, AccountFixtures.PASSWORD));
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  /** received, answered in time, turned into topics, declined. */
  private static List<Long> counts(JsonObject c) {
    return List.of(c.getLong("requests_received"), c.getLong("requests_answered_in_time"),
        c.getLong("requests_turned_into_topics"), c.getLong("requests_declined"));
  }

  private static JsonObject row(JsonArray rows, String field, Object value) {
    return rows.stream().map(o -> (JsonObject) o).filter(o -> String.valueOf(value).equals(String.valueOf(o.getValue(field)))).findFirst().orElseThrow(
        () -> new AssertionError(field + "=" + value + " not in " + rows.encode()));
  }

  private static String kept() {
    return String.valueOf(sql.value("""
        SELECT string_agg(concat_ws(',', station_id, division_code, month, category, received, answered_in_time,
                                    turned_into_topics, answered_directly, declined, merged, hidden), ';'
                          ORDER BY station_id, month, category)
          FROM stats_request_month WHERE received + answered_in_time + turned_into_topics + answered_directly + declined
                                             + merged + hidden > 0"""));
  }

  @Test
  void promisedDaysAreSetByTheCoordinatorAndStaffAndBadInputIsRefused() {
    HttpResponse<String> set = promise("c3", s3, "{\"promisedDays\": 10}");
    assertEquals(200, set.statusCode(), set.body());
    assertEquals(10, Http.json(set).getInteger("promisedDays"));
    assertEquals(200, promise("d1", s3, "{\"promisedDays\": 12}").statusCode(), "district staff of its district");
    for (String bad : List.of("0", "-3", "1000", "\"15\"", "\"abc\"", "1.5", "true", "[]", "99999999999999999999999")) {
      HttpResponse<String> r = promise("c3", s3, "{\"promisedDays\": " + bad + "}");
      assertEquals(422, r.statusCode(), bad + ": " + r.body());
      assertTrue(r.body().contains("promisedDays"), r.body());
    }
    assertEquals(422, promise("c3", s3, "{}").statusCode(), "the field is required (null for the default)");
    assertEquals(400, promise("c3", s3, "days=5").statusCode());
    assertEquals(400, promise("c3", s3, "[5]").statusCode());
    assertEquals(403, promise("c2", s3, "{\"promisedDays\": 5}").statusCode(), "another station's coordinator");
    assertEquals(403, promise("d2", s3, "{\"promisedDays\": 5}").statusCode(), "another district's staff");
    assertEquals(12L, sql.count("SELECT promised_days FROM station WHERE id = ?", s3), "nothing half-written");
    assertEquals(1L, sql.count("SELECT count(*) FROM audit_log WHERE action = 'station.promised_days' AND entity_id = ?"
        + " AND after ->> 'promisedDays' = '12'", String.valueOf(s3)));

    // the station page's form: bad text re-renders with the message and what was typed; blank is the default
    Browser c3 = new Browser(node.baseUrl()).login("c3", AccountFixtures.PASSWORD);
    c3.get("/stations/" + s3);
    HttpResponse<String> refused = c3.post("/stations/" + s3 + "/promised-days", Map.of("promisedDays", "十五<b>"));
    assertEquals(422, refused.statusCode());
    assertTrue(refused.body().contains("promisedDays-error") && refused.body().contains("十五&lt;b&gt;"), refused.body());
    c3.get("/stations/" + s3);
    assertEquals(303, c3.post("/stations/" + s3 + "/promised-days", Map.of("promisedDays", "")).statusCode());
    assertNull(Http.json(api.get("/api/v1/stations/" + s3, api.token("c3", AccountFixtures.PASSWORD))).getInteger("promisedDays"));
    c3.get("/stations/" + s3);
    assertEquals(303, c3.post("/stations/" + s3 + "/promised-days", Map.of("promisedDays", "9")).statusCode());
    assertTrue(c3.get("/stations/" + s3).body().contains("9 天内答复"));
    assertEquals(200, promise("c3", s3, "{\"promisedDays\": null}").statusCode());

    // a request received from then on is due by the station's own promise
    assertEquals(200, promise("c1", s1, "{\"promisedDays\": 15}").statusCode());
    Browser resident = new Browser(node.baseUrl());
    HttpResponse<String> submitted = resident.postMultipart("/r/submit", Map.of("station", String.valueOf(s1), "category", "livelihood",
        "description", "小区路灯坏了三个月", "submitToken", RequestTest.formToken(resident, s1)), null, null, null);
    assertEquals(303, submitted.statusCode(), submitted.body());
    String due = String.valueOf(sql.value("SELECT due_on FROM resident_request WHERE station_id = ? ORDER BY id DESC LIMIT 1", s1));
    assertEquals(LocalDate.now(org.yishi.platform.config.AppConfig.DEFAULT_ZONE).plusDays(15).toString(), due);
    sql.update("DELETE FROM resident_request_limit");
  }

  @Test
  void theRollupCountsAScriptedHistoryByCategoryAndUnitAndEqualsARebuild() {
    node.app().pool().query("UPDATE station SET promised_days = 15 WHERE id = " + s1).execute().await();
    node.app().pool().query("UPDATE station SET promised_days = NULL WHERE id = " + s3).execute().await();
    // this history alone (the other tests' requests are not part of it)
    node.app().pool().query("TRUNCATE resident_request, stats_request_month CASCADE").execute().await();
    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    Browser c3 = new Browser(node.baseUrl()).login("c3", AccountFixtures.PASSWORD);
    Browser c2 = new Browser(node.baseUrl()).login("c2", AccountFixtures.PASSWORD);
    // 洮北区 海明 (promises 15 days)
    long a = received(s1, "ecology", 0);
    triage(c1, a, Map.of("action", "accept", "title", "河道垃圾清理"));                  // in time, a topic
    long b = received(s1, "ecology", 20);
    triage(c1, b, Map.of("action", "decline", "reply", "属个人事务"));                   // late (due 5 days ago)
    long c = received(s1, "health", 2);
    triage(c1, c, Map.of("action", "answer", "reply", "社区医院周六开门"));              // in time, answered directly
    long d = received(s1, "ecology", 0);
    triage(c1, d, Map.of("action", "merge", "target", String.valueOf(a)));               // in time, merged
    received(s1, "health", 0);                                                         // still waiting
    long e = received(s1, "health", 0);
    triage(c1, e, Map.of("action", "hide", "reply", "辱骂"));                            // hidden: never "answered"
    // 洮北区 长庆 (the default, 7 days)
    long g = received(s3, "ecology", 10);
    triage(c3, g, Map.of("action", "decline", "reply", "不属本站"));                     // late
    long h = received(s3, "ecology", 3);
    triage(c3, h, Map.of("action", "accept"));                                          // in time, a topic
    // 洮南市
    long i = received(s2, "health", 0);
    triage(c2, i, Map.of("action", "decline", "reply", "已由街道处理"));                 // in time, declined
    assertEquals(9L, sql.count("SELECT count(*) FROM resident_request"));
    assertEquals(1L, sql.count("SELECT count(*) FROM resident_request WHERE id = ? AND due_on = created_at::date + 15", b),
        "due by the station's own promise");

    JsonObject city = rollup("city", AccountFixtures.BAICHENG, null);
    assertEquals(List.of(9L, 5L, 2L, 3L), counts(city.getJsonObject("totals")), city.encode());
    JsonArray districts = city.getJsonArray("children");
    assertEquals(List.of(8L, 4L, 2L, 2L), counts(row(districts, "code", AccountFixtures.TAOBEI)));
    assertEquals(List.of(1L, 1L, 0L, 1L), counts(row(districts, "code", AccountFixtures.TAONAN)));
    assertEquals(List.of(5L, 3L, 2L, 2L), counts(rollup("city", AccountFixtures.BAICHENG, "ecology").getJsonObject("totals")),
        "by category: ecology");
    assertEquals(List.of(4L, 2L, 0L, 1L), counts(rollup("city", AccountFixtures.BAICHENG, "health").getJsonObject("totals")),
        "by category: health");

    // drill-down: the district by township, then the township by station
    JsonObject taobei = rollup("d1", AccountFixtures.TAOBEI, null);
    assertEquals(List.of(6L, 3L, 1L, 1L), counts(row(taobei.getJsonArray("children"), "code", AccountFixtures.HAIMING)));
    assertEquals(List.of(2L, 1L, 1L, 1L), counts(row(taobei.getJsonArray("children"), "code", AccountFixtures.CHANGQING)));
    JsonObject haiming = rollup("d1", AccountFixtures.HAIMING, "ecology");
    assertEquals(List.of(3L, 2L, 1L, 1L), counts(row(haiming.getJsonArray("stations"), "id", s1)));

    // outside the caller's jurisdiction, and not staff
    for (String[] who : new String[][] {{"d1", AccountFixtures.TAONAN}, {"city-other", AccountFixtures.BAICHENG},
        {"d2", AccountFixtures.HAIMING}, {"c1", AccountFixtures.TAOBEI}}) {
      assertEquals(403, api.get("/api/v1/stats/rollup?division=" + who[1], api.token(who[0], AccountFixtures.PASSWORD)).statusCode(),
          who[0] + " " + who[1]);
    }

    // the dashboard's table and its export carry the same numbers
    Browser d1 = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String page = d1.get("/stats").body();
    assertTrue(page.contains("id=\"requests-table\"") && page.contains("承诺时限内答复"), page);
    String csv = d1.get("/stats/export.csv?table=requests&division=" + AccountFixtures.TAOBEI).body();
    assertTrue(csv.contains("requests_answered_in_time") && csv.contains(AccountFixtures.CHANGQING + ","), csv);
    assertTrue(csv.contains(",2,1,1,1"), csv);

    // the district's monthly report carries them as it carries every counter (page, CSV; XLSX from the same snapshot)
    String month = java.time.YearMonth.now(org.yishi.platform.config.AppConfig.DEFAULT_ZONE).toString();
    String d1Token = api.token("d1", AccountFixtures.PASSWORD);
    HttpResponse<String> made = api.call("POST", "/api/v1/reports/generate", d1Token, new JsonObject().put("kind", "monthly")
        .put("unit", AccountFixtures.TAOBEI).put("period", month).encode());
    assertEquals(201, made.statusCode(), made.body());
    long report = Http.json(made).getLong("id");
    JsonObject ofMonth = Http.json(api.get("/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI + "&from=" + month + "&to=" + month,
        d1Token)).getJsonObject("totals");
    JsonObject content = Http.json(api.get("/api/v1/reports/" + report, d1Token)).getJsonObject("content");
    assertEquals(counts(ofMonth), counts(content.getJsonObject("totals")), content.encode());
    assertTrue(d1.get("/reports/" + report).body().contains("承诺时限内答复数"));
    assertTrue(api.get("/api/v1/reports/" + report + "/csv", d1Token).body().contains("requests_answered_in_time"));

    // incremental = rebuild: the kept rows equal the recount from the raw rows, and a rebuild changes nothing
    String before = kept();
    assertEquals(before, String.valueOf(sql.value("""
        SELECT string_agg(concat_ws(',', station_id, division_code, month, category, received, answered_in_time,
                                    turned_into_topics, answered_directly, declined, merged, hidden), ';'
                          ORDER BY station_id, month, category)
          FROM stats_counted_requests(0, 9223372036854775807)""")));
    HttpResponse<String> rebuilt = api.call("POST", "/api/v1/stats/rebuild", api.token("admin"), "{}");
    assertEquals(200, rebuilt.statusCode(), rebuilt.body());
    assertEquals(before, kept());

    // a station moved to the other district takes its request counters along (kept and rebuilt alike)
    node.app().pool().query("UPDATE station SET division_code = '220881001000', district_code = '220881000000' WHERE id = " + s3)
        .execute().await();
    assertEquals(List.of(3L, 2L, 1L, 2L), counts(row(rollup("city", AccountFixtures.BAICHENG, null).getJsonArray("children"),
        "code", AccountFixtures.TAONAN)));
    String moved = kept();
    api.call("POST", "/api/v1/stats/rebuild", api.token("admin"), "{}");
    assertEquals(moved, kept());
    node.app().pool().query("UPDATE station SET division_code = '" + AccountFixtures.CHANGQING + "', district_code = '"
        + AccountFixtures.TAOBEI + "' WHERE id = " + s3).execute().await();
  }

  @Test
  void concurrentWritersKeepTheCountersExact() {
    long before = sql.count("SELECT coalesce(sum(received), 0) FROM stats_request_month WHERE category = 'education'");
    List<Future<?>> inserts = new ArrayList<>();
    for (int n = 0; n < 24; n++) {
      inserts.add(node.app().pool().preparedQuery("""
              INSERT INTO resident_request (tracking_code, station_id, division_code, category, description, due_on)
              SELECT $1, id, division_code, 'education', '校门口拥堵', current_date + 7 FROM station WHERE id = $2""")
          .execute(Tuple.of(TrackingCode.next(), s2)));
    }
    Future.all(inserts).await();
    assertEquals(before + 24, sql.count("SELECT coalesce(sum(received), 0) FROM stats_request_month WHERE category = 'education'"));
    // every waiting one triaged at once, each twice: each leaves 'received' once and is counted once
    List<Future<?>> triages = new ArrayList<>();
    for (int n = 0; n < 2; n++) {
      triages.add(node.app().pool().query("""
              UPDATE resident_request SET status = 'answered', reply = '已答复', triaged_at = now()
               WHERE category = 'education' AND status = 'received'""").execute());
    }
    Future.all(triages).await();
    assertEquals(before + 24, sql.count("""
        SELECT coalesce(sum(answered_in_time), 0) FROM stats_request_month WHERE category = 'education'"""));
    assertEquals(sql.count("SELECT count(*) FROM resident_request WHERE category = 'education' AND status = 'answered'"),
        sql.count("SELECT coalesce(sum(answered_directly), 0) FROM stats_request_month WHERE category = 'education'"));
  }
}
