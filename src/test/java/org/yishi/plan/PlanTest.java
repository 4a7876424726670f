package org.yishi.plan;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Yearly plans over real HTTP: uniqueness, jurisdiction, items, progress from meetings, pages. */
class PlanTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static HttpResponse<String> createPlan(String token, String committee, int year, String title) {
    return api.call("POST", "/api/v1/plans", token, new JsonObject().put("committeeId", f.committees.get(committee))
        .put("year", year).put("title", title).encode());
  }

  private static long plan(String token, String committee, int year, String title) {
    HttpResponse<String> r = createPlan(token, committee, year, title);
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  private static long item(String token, long plan, String title, int quarter) {
    HttpResponse<String> r = api.call("POST", "/api/v1/plans/" + plan + "/items", token, new JsonObject().put("title", title)
        .put("kind", "thematic_consultation").put("category", "livelihood").put("targetQuarter", quarter).encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  private static void assertField(HttpResponse<String> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(Http.json(r).getJsonObject("error").getJsonObject("fields").containsKey(field), r.body());
  }

  @Test
  void onePlanPerCommitteeAndYearInsideTheJurisdiction() {
    String d1 = api.token("d1");
    long id = plan(d1, AccountFixtures.TAOBEI, 2030, "洮北区政协2030年度协商计划");
    assertField(createPlan(d1, AccountFixtures.TAOBEI, 2030, "重复"), 409, "year");
    assertEquals(201, createPlan(d1, AccountFixtures.TAOBEI, 2031, "下一年").statusCode());
    assertEquals(403, createPlan(api.token("d2"), AccountFixtures.TAOBEI, 2032, "他区").statusCode());
    assertEquals(403, createPlan(d1, AccountFixtures.BAICHENG, 2030, "市级").statusCode(), "district staff do not write the city plan");
    assertEquals(403, createPlan(api.token("c1"), AccountFixtures.TAOBEI, 2032, "联络员").statusCode());
    assertEquals(201, createPlan(api.token("city"), AccountFixtures.TAONAN, 2030, "洮南市政协2030年度协商计划").statusCode());
    assertEquals(201, createPlan(api.token("city"), AccountFixtures.BAICHENG, 2030, "白城市政协2030年度协商计划").statusCode());
    assertField(createPlan(d1, AccountFixtures.TAOBEI, 1999, "太早"), 422, "year");
    assertField(api.call("POST", "/api/v1/plans", d1, "{\"committeeId\":\"x\",\"year\":2033,\"title\":\"t\"}"), 422, "committeeId");

    assertEquals(2, Http.json(api.get("/api/v1/plans?year=2030", api.token("city"))).getJsonArray("items").stream()
        .filter(o -> ((JsonObject) o).getString("committeeLevel").equals("district")).count());
    assertEquals(3, Http.json(api.get("/api/v1/plans?year=2030", api.token("city"))).getLong("total"));
    assertEquals(1, Http.json(api.get("/api/v1/plans?year=2030", d1)).getLong("total"), "only their committee");
    assertEquals(0, Http.json(api.get("/api/v1/plans", api.token("city-other"))).getLong("total"));
    assertEquals(403, api.get("/api/v1/plans/" + id, api.token("d2")).statusCode());
    assertField(api.get("/api/v1/plans?year=20x0", d1), 422, "year");

    JsonObject current = Http.json(api.get("/api/v1/plans/" + id, d1));
    JsonObject edit = new JsonObject().put("year", 2030).put("title", "洮北区政协2030年度协商计划（修订）").put("version", current.getInteger("version"));
    assertEquals(200, api.call("PUT", "/api/v1/plans/" + id, d1, edit.encode()).statusCode());
    HttpResponse<String> stale = api.call("PUT", "/api/v1/plans/" + id, d1, edit.put("title", "迟到").encode());
    assertEquals(409, stale.statusCode());
    assertEquals("洮北区政协2030年度协商计划（修订）", Http.json(stale).getJsonObject("current").getString("title"));
    HttpResponse<String> taken = api.call("PUT", "/api/v1/plans/" + id, d1,
        edit.put("year", 2031).put("version", current.getInteger("version") + 1).encode());
    assertField(taken, 409, "year");
  }

  @Test
  void itemsAreEditedAndDeletedUnlessTopicsNameThem() throws Exception {
    String d1 = api.token("d1");
    long p = plan(d1, AccountFixtures.TAOBEI, 2040, "洮北区政协2040年度协商计划");
    long other = plan(d1, AccountFixtures.TAOBEI, 2041, "洮北区政协2041年度协商计划");
    long a = item(d1, p, "养老服务", 1);
    long b = item(d1, p, "背街小巷", 2);
    HttpResponse<String> edited = api.call("PUT", "/api/v1/plans/" + p + "/items/" + a, d1, new JsonObject().put("title", "居家养老服务")
        .put("kind", "standing_committee_session").put("targetQuarter", 3).put("description", "<b>说明</b>").encode());
    assertEquals(200, edited.statusCode(), edited.body());
    assertEquals("standing_committee_session", Http.json(edited).getString("kind"));
    assertEquals("<b>说明</b>", Http.json(edited).getString("description"), "stored verbatim");
    assertEquals(404, api.call("DELETE", "/api/v1/plans/" + other + "/items/" + a, d1, null).statusCode(), "not that plan's item");
    assertField(api.call("POST", "/api/v1/plans/" + p + "/items", d1,
        new JsonObject().put("title", "x").put("kind", "party").put("targetQuarter", 1).encode()), 422, "kind");
    assertField(api.call("POST", "/api/v1/plans/" + p + "/items", d1,
        new JsonObject().put("title", "x").put("kind", "other").put("targetQuarter", 5).encode()), 422, "targetQuarter");
    assertField(api.call("POST", "/api/v1/plans/" + p + "/items", d1,
        new JsonObject().put("title", "x").put("kind", "other").put("targetQuarter", "2").encode()), 422, "targetQuarter");
    assertField(api.call("POST", "/api/v1/plans/" + p + "/items", d1,
        new JsonObject().put("title", "题".repeat(101)).put("kind", "other").put("targetQuarter", 2).encode()), 422, "title");
    assertField(api.call("POST", "/api/v1/plans/" + p + "/items", d1,
        new JsonObject().put("title", "x").put("kind", "other").put("targetQuarter", 2).put("category", "astrology").encode()), 422, "category");

    long topic = Http.json(api.call("POST", "/api/v1/topics", api.token("c1"), new JsonObject()
        .put("stationId", f.stations.get(AccountFixtures.HAIMING)).put("title", "背街小巷整治").put("category", "urban_management")
        .put("source", "yearly_plan").put("planItemId", b).encode())).getLong("id");
    HttpResponse<String> refused = api.call("DELETE", "/api/v1/plans/" + p + "/items/" + b, d1, null);
    assertField(refused, 409, "item");
    assertEquals(204, api.call("DELETE", "/api/v1/plans/" + p + "/items/" + a, d1, null).statusCode());
    JsonArray items = Http.json(api.get("/api/v1/plans/" + p, d1)).getJsonArray("items");
    assertEquals(1, items.size());
    assertEquals(b, items.getJsonObject(0).getLong("id"));
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM audit_log WHERE entity_type = 'plan_item' AND action = 'plan.item.delete' AND entity_id = '" + a + "'")) {
      rs.next();
      assertEquals(1, rs.getLong(1));
    }
    assertTrue(topic > 0);
  }

  /** Meetings belong to another feature: they are inserted here directly, as that feature will. */
  private static void meeting(long topic, String startsAt, String status) throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); PreparedStatement st = c.prepareStatement("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, format, kind, status)
        SELECT t.id, t.station_id, t.division_code, ?::timestamptz, ?::timestamptz + interval '2 hours', 'on_site', 'grassroots', ?
          FROM topic t WHERE t.id = ?""")) {
      st.setString(1, startsAt);
      st.setString(2, startsAt);
      st.setString(3, status);
      st.setLong(4, topic);
      assertEquals(1, st.executeUpdate());
    }
  }

  private static long approvedTopic(long item, String title) {
    String c1 = api.token("c1");
    long id = Http.json(api.call("POST", "/api/v1/topics", c1, new JsonObject()
        .put("stationId", f.stations.get(AccountFixtures.HAIMING)).put("title", title).put("category", "livelihood")
        .put("source", "yearly_plan").put("planItemId", item).put("q1Answer", true).put("q1Reason", "民生热点")
        .put("q2Answer", true).put("q2Reason", "适合协商").encode())).getLong("id");
    assertEquals(200, api.call("POST", "/api/v1/topics/" + id + "/transitions", c1, "{\"action\":\"submit\"}").statusCode());
    assertEquals(200, api.call("POST", "/api/v1/topics/" + id + "/transitions", api.token("d1"), "{\"action\":\"approve\"}").statusCode());
    return id;
  }

  @Test
  void progressFollowsTheMeetingsOfLinkedTopics() throws Exception {
    String d1 = api.token("d1");
    long p = plan(d1, AccountFixtures.TAOBEI, 2050, "洮北区政协2050年度协商计划");
    long planned = item(d1, p, "尚未安排", 1);
    long scheduled = item(d1, p, "已安排会议", 2);
    long held = item(d1, p, "已召开会议", 3);
    long cancelledOnly = item(d1, p, "会议已取消", 4);
    approvedTopic(planned, "只有议题");
    meeting(approvedTopic(scheduled, "安排了会议"), "2050-04-10T09:00:00+08", "scheduled");
    long heldTopic = approvedTopic(held, "开过会议");
    meeting(heldTopic, "2050-07-10T09:00:00+08", "held");
    meeting(heldTopic, "2050-08-10T09:00:00+08", "scheduled");
    meeting(approvedTopic(cancelledOnly, "会议取消"), "2050-10-10T09:00:00+08", "cancelled");

    JsonObject plan = Http.json(api.get("/api/v1/plans/" + p, d1));
    Map<Long, JsonObject> byId = new java.util.HashMap<>();
    plan.getJsonArray("items").forEach(o -> byId.put(((JsonObject) o).getLong("id"), (JsonObject) o));
    assertEquals("planned", byId.get(planned).getString("progress"));
    assertEquals(1, byId.get(planned).getLong("topics"));
    assertEquals("scheduled", byId.get(scheduled).getString("progress"));
    assertEquals(1, byId.get(scheduled).getLong("scheduledMeetings"));
    assertEquals("held", byId.get(held).getString("progress"));
    assertEquals(1, byId.get(held).getLong("heldMeetings"));
    assertEquals(1, byId.get(held).getLong("scheduledMeetings"));
    assertEquals("planned", byId.get(cancelledOnly).getString("progress"), "a cancelled meeting does not count");
    JsonObject progress = plan.getJsonObject("progress");
    assertEquals(new JsonObject().put("items", 4).put("planned", 2).put("scheduled", 1).put("held", 1), progress);
    JsonObject listed = Http.json(api.get("/api/v1/plans?year=2050", d1)).getJsonArray("items").getJsonObject(0);
    assertEquals(progress, listed.getJsonObject("progress"), "the list shows the same counts");

    String page = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/plans/" + p).body();
    assertTrue(page.contains("共 4 个选题：计划中 2 个，已安排 1 个，已召开 1 个。"), page);
    assertTrue(page.contains("2050 年度") && page.contains("已召开会议"));
  }

  @Test
  void pagesCreatePlansAddItemsKeepInputAndConfirmDeletes() {
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String form = b.get("/plans/new").body();
    assertTrue(form.contains("洮北区政协") && !form.contains("洮南市政协"), "only committees in the jurisdiction");
    HttpResponse<String> bad = b.post("/plans", Map.of("committeeId", String.valueOf(f.committees.get(AccountFixtures.TAOBEI)),
        "year", "", "title", "保留的计划名称"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("value=\"保留的计划名称\"") && bad.body().contains("id=\"e-year\""));
    HttpResponse<String> ok = b.post("/plans", Map.of("committeeId", String.valueOf(f.committees.get(AccountFixtures.TAOBEI)),
        "year", "2060", "title", "保留的计划名称"));
    assertEquals(303, ok.statusCode(), ok.body());
    String location = ok.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> dup = b.post("/plans", Map.of("committeeId", String.valueOf(f.committees.get(AccountFixtures.TAOBEI)),
        "year", "2060", "title", "重复"));
    assertEquals(409, dup.statusCode());
    assertTrue(dup.body().contains("该政协组织已有这一年度的计划"));

    String view = b.get(location).body();
    assertTrue(view.contains("保留的计划名称") && view.contains("计划中还没有选题"));
    HttpResponse<String> badItem = b.post(location + "/items", Map.of("title", "<script>x</script>选题", "kind", "other", "targetQuarter", "9"));
    assertEquals(422, badItem.statusCode());
    assertTrue(badItem.body().contains("value=\"&lt;script&gt;x&lt;/script&gt;选题\""), "input kept, escaped");
    assertEquals(303, b.post(location + "/items", Map.of("title", "<script>x</script>选题", "kind", "other", "targetQuarter", "2")).statusCode());
    String withItem = b.get(location).body();
    assertTrue(withItem.contains("&lt;script&gt;x&lt;/script&gt;选题") && !withItem.contains("<script>x"));
    String deleteLink = withItem.replaceAll("(?s).*href=\"(/plans/\\d+/items/\\d+/delete)\".*", "$1");
    String confirm = b.get(deleteLink).body();
    assertTrue(confirm.contains("确定删除"));
    assertEquals(303, b.post(deleteLink, Map.of()).statusCode());
    assertFalse(b.get(location).body().contains("选题</td>"));
    assertEquals(404, b.get(deleteLink).statusCode());
    assertEquals(403, new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD).get("/plans").statusCode());
  }
}
