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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's member accounts: a year of records and points, and a meeting whose code scans now. */
class DemoMembersTest {
  private static long count(String url, String sql) throws Exception {
    try (Connection c = TestPostgres.jdbc(url); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void demoMembersHaveAYearOfRecordsAndAMeetingToScan() throws Exception {
    String url = TestPostgres.freshDatabaseUrl();
    Map<String, String> env = new HashMap<>(TestNodes.env(url, Map.of("YISHI_DEMO", "true")));
    Node node = TestNodes.start(env);
    try {
      Api api = new Api(node.baseUrl());
      String password = "yishi-demo";
      String member = api.token("demo-member", password);
      api.token("demo-member2", password);
      assertEquals(2, count(url, "SELECT count(*) FROM account WHERE role = 'member' AND member_id IS NOT NULL"));
      assertTrue(count(url, "SELECT count(*) FROM meeting_checkin") >= 5, "a year of check-ins");
      JsonObject record = Http.json(api.get("/api/v1/my/record", member));
      JsonArray invitations = Http.json(api.get("/api/v1/my/invitations", member)).getJsonArray("items");
      assertTrue(invitations.stream().filter(o -> ((JsonObject) o).getBoolean("upcoming")).count() >= 1, invitations.encode());
      // the meeting going on now: its code scans
      long now = invitations.stream().map(o -> (JsonObject) o).filter(o -> o.getString("title").contains("扫码签到演示"))
          .findFirst().orElseThrow().getLong("meetingId");
      String district = api.token("demo-district", password);
      String path = Http.json(api.get("/api/v1/meetings/" + now + "/checkins", district)).getString("path");
      Browser phone = new Browser(node.baseUrl()).login("demo-member", password);
      assertTrue(phone.get(path).body().contains("id=\"checkin-done\""));
      assertTrue(Http.json(api.get("/api/v1/my/record", member)).getLong("checkins") >= record.getLong("checkins"));
      assertTrue(record.getLong("attended") + Http.json(api.get("/api/v1/my/record?year="
          + (java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).getYear() - 1), member)).getLong("attended") >= 3,
          "a year of meetings attended");
      // topics proposed, suggestions adopted and a typical case, in this year's and last year's records
      JsonObject lastYear = Http.json(api.get("/api/v1/my/record?year="
          + (java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).getYear() - 1), member));
      for (String kind : List.of("proposed", "adopted", "typical")) {
        assertTrue(record.getLong(kind) + lastYear.getLong(kind) >= 1, kind + ": " + record.encode() + lastYear.encode());
      }
      assertTrue(record.getLong("proposed") >= 3, record.encode());
    } finally {
      node.close();
    }
  }
}
