package org.yishi.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** YISHI_DEMO seeds 白城市 once into an empty database, with the contract's demo accounts. */
class DemoCityTest {

  private static long count(String url, String sql) throws Exception {
    try (Connection c = TestPostgres.jdbc(url); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonObject queue(Api api, String user, String password) {
    return Http.json(api.get("/api/v1/me/queue", api.token(user, password)));
  }

  private static JsonObject section(JsonObject queue, String key) {
    return queue.getJsonArray("sections").stream().map(o -> (JsonObject) o).filter(o -> key.equals(o.getString("key")))
        .findFirst().orElseThrow(() -> new AssertionError("no section " + key));
  }

  private static long total(JsonObject queue, String key) {
    return section(queue, key).getLong("total");
  }

  private static Set<String> states(JsonObject queue, String key) {
    Set<String> out = new HashSet<>();
    section(queue, key).getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("state")));
    return out;
  }

  @Test
  void demoCityIsSeededOnceWithTheContractAccounts() throws Exception {
    String url = TestPostgres.freshDatabaseUrl();
    Map<String, String> env = new HashMap<>(TestNodes.env(url, Map.of("YISHI_DEMO", "true")));
    Node node = TestNodes.start(env);
    long stations;
    try {
      assertEquals(1_231, count(url, "SELECT count(*) FROM division"), "the 白城市 slice with its ancestors");
      assertEquals(7, count(url, "SELECT count(*) FROM committee"), "city plus six county-level units");
      stations = count(url, "SELECT count(*) FROM station");
      assertTrue(stations >= 140 && stations <= 160, "about 150 stations: " + stations);
      assertEquals(5, count(url, "SELECT count(DISTINCT type) FROM station"), "every type");
      assertEquals(4, count(url, "SELECT count(DISTINCT status) FROM station WHERE status IN ('pending','active','suspended','rejected')"),
          "pending, active, suspended and rejected all present");
      assertTrue(count(url, "SELECT count(*) FROM member") >= 30);
      assertTrue(count(url, "SELECT count(*) FROM station_member") >= 60);

      // a year of history, so that every page has content
      assertEquals(4, count(url, "SELECT count(DISTINCT status) FROM topic"), "draft, submitted, approved, rejected");
      assertTrue(count(url, "SELECT count(*) FROM meeting WHERE status = 'held'") >= 100);
      assertTrue(count(url, "SELECT count(*) FROM meeting WHERE status = 'scheduled' AND starts_at > now()") >= 5, "upcoming");
      assertTrue(count(url, "SELECT count(*) FROM meeting WHERE starts_at < now() - interval '300 days'") >= 5, "a year back");
      assertEquals(count(url, "SELECT count(*) FROM meeting WHERE status IN ('held', 'not_held')"),
          count(url, "SELECT count(*) FROM meeting_record"), "every past meeting has its record");
      assertEquals(4, count(url, "SELECT count(DISTINCT status) FROM outcome"), "outcomes at every step of the loop");
      assertTrue(count(url, "SELECT count(*) FROM outcome WHERE status = 'referred' AND due_on < current_date") >= 1, "overdue");
      assertTrue(count(url, "SELECT count(*) FROM outcome WHERE typical_case") >= 1, "typical cases");
      assertEquals(6, count(url, "SELECT count(DISTINCT status) FROM resident_request"), "residents' requests in every state");
      assertTrue(count(url, "SELECT count(*) FROM topic_request") >= 2, "requests linked to the topics they went into");
      assertEquals(count(url, "SELECT count(*) FROM resident_request"), count(url, "SELECT sum(received) FROM stats_request_month"),
          "every demo request counted");
      Api api = new Api(node.baseUrl());
      Map<String, String> expected = Map.of("demo-city", "city_staff:220800000000", "demo-district", "district_staff:220802000000",
          "demo-district2", "district_staff:220881000000", "demo-coordinator", "station_coordinator:220802000000");
      for (var e : expected.entrySet()) {
        JsonObject me = Http.json(api.get("/api/v1/me", api.token(e.getKey(), "yishi-demo")));
        assertEquals(e.getValue(), me.getString("role") + ":" + me.getString("scopeCode"), e.getKey());
      }
      String coordinator = api.token("demo-coordinator", "yishi-demo");
      JsonObject own = Http.json(api.get("/api/v1/stations", coordinator));
      assertEquals(1, own.getLong("total"), "the demo coordinator runs one station");
      assertTrue(own.getJsonArray("items").getJsonObject(0).getString("divisionCode").startsWith("220802"), "in 洮北区");

      // every demo account signs in to a day of work (issue 22): its queue is not empty
      for (String user : List.of("demo-coordinator", "demo-coordinator2", "demo-coordinator3")) {
        JsonObject q = queue(api, user, "yishi-demo");
        assertTrue(total(q, "meetings") >= 2, user + ": meetings in the coming days " + q.encode());
        assertTrue(total(q, "recordsDue") >= 1, user + ": a record due");
        assertTrue(total(q, "recordsReturned") >= 1, user + ": a returned record");
        assertTrue(states(q, "topics").containsAll(Set.of("rejected", "submitted")), user + ": a topic returned, one awaiting approval");
        assertTrue(total(q, "outcomesToRate") >= 1 && total(q, "notifications") >= 1, user);
        assertTrue(q.getLong("total") > 0, user);
      }
      for (String user : List.of("demo-district", "demo-district2", "demo-district3")) {
        JsonObject q = queue(api, user, "yishi-demo");
        assertTrue(total(q, "topicApprovals") >= 1, user + ": topics to approve " + q.encode());
        JsonArray referrals = section(q, "referrals").getJsonArray("items");
        assertTrue(referrals.stream().anyMatch(o -> ((JsonObject) o).getInteger("days") < 0), user + ": an overdue referral");
        if (java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).getMonthValue() > 3) {
          assertTrue(total(q, "planBehind") >= 1, user + ": a plan item behind schedule (none can be in the first quarter)");
        }
        assertTrue(q.getLong("total") > 0, user);
      }
      JsonObject city = queue(api, "demo-city", "yishi-demo");
      assertTrue(total(city, "lateDistricts") >= 1 && total(city, "reports") >= 1, "a district behind, issued reports " + city.encode());
      assertEquals(3, count(url, "SELECT count(DISTINCT s.status) FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM topic t JOIN meeting m"
          + " ON m.topic_id = t.id WHERE t.plan_item_id = i.id AND m.status = 'held') THEN 'held' WHEN EXISTS (SELECT 1 FROM topic t"
          + " JOIN meeting m ON m.topic_id = t.id WHERE t.plan_item_id = i.id AND m.status = 'scheduled') THEN 'scheduled'"
          + " ELSE 'planned' END AS status FROM plan_item i) s"), "the demo's yearly plans have items held, scheduled and planned");
      assertEquals(7, count(url, "SELECT count(*) FROM plan"), "a yearly plan for the city and each of its six districts");
      String progress = "SELECT c.division_code, CASE WHEN EXISTS (SELECT 1 FROM topic t JOIN meeting m"
          + " ON m.topic_id = t.id WHERE t.plan_item_id = i.id AND m.status = 'held') THEN 'held' WHEN EXISTS (SELECT 1 FROM topic t"
          + " JOIN meeting m ON m.topic_id = t.id WHERE t.plan_item_id = i.id AND m.status = 'scheduled') THEN 'scheduled'"
          + " ELSE 'planned' END AS status FROM plan_item i JOIN plan p ON p.id = i.plan_id JOIN committee c ON c.id = p.committee_id";
      assertEquals(3, count(url, "SELECT count(DISTINCT status) FROM (" + progress + ") s WHERE division_code = '220800000000'"),
          "the city's plan has items held, scheduled and planned");
      assertEquals(0, count(url, "SELECT count(*) FROM (SELECT division_code FROM (" + progress + ") s GROUP BY division_code"
          + " HAVING count(DISTINCT status) < 2 OR NOT bool_or(status = 'held')) x"), "every district's plan has held items and others");
      assertEquals(3, count(url, "SELECT count(DISTINCT district_code) FROM station WHERE status = 'pending'"
          + " AND district_code IN ('220802000000', '220881000000', '220821000000')"), "each demo district has a station to approve");
      assertEquals(0, count(url, "SELECT count(*) FROM meeting m WHERE m.status IN ('held', 'scheduled')"
          + " AND (SELECT count(DISTINCT role) FROM meeting_participant mp WHERE mp.meeting_id = m.id) < 5"),
          "every demo meeting held or to come has its five parties");
      assertTrue(count(url, "SELECT count(DISTINCT regexp_replace(description, title, '')) FROM topic") >= 6,
          "topics are not described in one sentence pattern");
      assertTrue(count(url, "SELECT count(DISTINCT name) FROM meeting_participant WHERE role = 'proposer'") >= 20, "varied names");
      // outcomes are not written in one sentence pattern: no opening or ending is shared by more than a third of them
      for (String part : List.of("left(content, 2)", "right(content, 4)", "left(reply, 4)")) {
        long outcomes = count(url, "SELECT count(*) FROM outcome WHERE " + part + " IS NOT NULL");
        long most = count(url, "SELECT max(n) FROM (SELECT count(*) AS n FROM outcome WHERE " + part + " IS NOT NULL GROUP BY "
            + part + ") x");
        assertTrue(most * 3 <= outcomes, part + ": " + most + " of " + outcomes + " outcomes read alike");
      }
      assertTrue(count(url, "SELECT count(DISTINCT right(content, 4)) FROM outcome") >= 8, "outcome texts vary");
      JsonObject admin = queue(api, "admin", TestNodes.ADMIN_PASSWORD);
      assertTrue(total(admin, "disabledAccounts") >= 1, "a disabled account " + admin.encode());
      assertEquals(5, count(url, "SELECT count(DISTINCT role) FROM meeting_participant mp JOIN meeting m ON m.id = mp.meeting_id"
          + " WHERE m.status = 'scheduled' AND m.starts_at > now()"), "upcoming demo meetings have their five parties");

      String page = new Browser(node.baseUrl()).login("demo-district", "yishi-demo").get("/stations").body();
      assertTrue(page.contains("海明街道") && page.contains("协商议事室"), "the district's stations show");
    } finally {
      node.close();
    }
    // a restart with YISHI_DEMO on a database that holds data seeds nothing more
    Node again = TestNodes.start(env);
    try {
      assertEquals(stations, count(url, "SELECT count(*) FROM station"));
      assertEquals(1, count(url, "SELECT count(*) FROM account WHERE username = 'demo-city'"));
    } finally {
      again.close();
    }
  }
}
