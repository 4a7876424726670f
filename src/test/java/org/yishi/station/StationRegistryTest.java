package org.yishi.station;

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
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registration, lifecycle, conflicts, jurisdiction, lists and bad input of stations, over real HTTP. */
class StationRegistryTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Sql db;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static JsonObject station(String name, String division) {
    return new JsonObject().put("name", name).put("type", "liaison_station").put("divisionCode", division)
        .put("address", "白城市洮北区海明路 1 号").put("contactName", "张主任").put("contactPhone", "0436-3210000")
        .put("openingHours", "周一至周五").put("foundedOn", "2021-03-15").put("latitude", "45.6196").put("longitude", "122.8389");
  }

  private static JsonObject transition(String token, long id, String action, String reason) {
    HttpResponse<String> r = api.call("POST", "/api/v1/stations/" + id + "/transitions", token,
        new JsonObject().put("action", action).put("reason", reason).encode());
    return new JsonObject().put("status", r.statusCode()).put("body", new JsonObject(r.body()));
  }

  @Test
  void coordinatorRegistersDistrictApprovesAndTheLifecycleHoldsItsRules() throws Exception {
    String c1 = api.token("c1");
    // a village under 海明街道 (洮北区), the coordinator's district
    HttpResponse<String> created = api.call("POST", "/api/v1/stations", c1, station("民生社区委员联络站", "220802001001").encode());
    assertEquals(201, created.statusCode(), created.body());
    JsonObject s = Http.json(created);
    long id = s.getLong("id");
    assertEquals("pending", s.getString("status"));
    assertEquals("village", s.getString("level"));
    assertEquals("220802000000", s.getString("districtCode"));
    assertEquals("洮北区", s.getString("districtName"));
    assertEquals(f.committees.get(AccountFixtures.TAOBEI), s.getLong("committeeId"));
    assertEquals(45.6196, s.getDouble("latitude"));
    assertEquals(200, api.get("/api/v1/stations/" + id, api.token("c1")).statusCode(), "the registering coordinator runs it");

    String d1 = api.token("d1");
    assertEquals(422, transition(d1, id, "reject", null).getInteger("status"), "a rejection needs a reason");
    assertEquals(403, transition(c1, id, "approve", null).getInteger("status"), "coordinators do not approve");
    assertEquals(403, transition(api.token("d2"), id, "approve", null).getInteger("status"), "another district does not");
    JsonObject approved = transition(d1, id, "approve", null);
    assertEquals(200, approved.getInteger("status"));
    assertEquals("active", approved.getJsonObject("body").getString("status"));
    JsonObject again = transition(d1, id, "approve", null);
    assertEquals(409, again.getInteger("status"), "an active station cannot be approved again");
    assertEquals("conflict", again.getJsonObject("body").getJsonObject("error").getString("code"));
    assertEquals(422, transition(d1, id, "fly", null).getInteger("status"));
    assertEquals(200, transition(d1, id, "suspend", "场地维修").getInteger("status"));
    assertEquals(200, transition(d1, id, "resume", null).getInteger("status"));
    assertEquals(200, transition(d1, id, "revoke", "合并到街道议事室").getInteger("status"));
    assertEquals(409, transition(d1, id, "resume", null).getInteger("status"), "revoked is final");

    JsonObject full = Http.json(api.get("/api/v1/stations/" + id, d1));
    JsonArray history = full.getJsonArray("history");
    assertEquals(5, history.size(), history.encode());
    assertEquals("revoked", history.getJsonObject(4).getString("toStatus"));
    assertEquals("合并到街道议事室", history.getJsonObject(4).getString("reason"));
    assertEquals("洮北区政协", history.getJsonObject(4).getString("actorName"));
    assertEquals(5, db.count("SELECT count(*) FROM audit_log WHERE entity_type = 'station' AND entity_id = '" + id + "'"));
  }

  @Test
  void rejectedApplicationCanBeResubmitted() {
    String c1 = api.token("c1");
    long id = Http.json(api.call("POST", "/api/v1/stations", c1, station("民福社区委员之家", "220802001002").encode())).getLong("id");
    assertEquals(200, transition(api.token("d1"), id, "reject", "请补充场地照片").getInteger("status"));
    JsonObject resubmitted = transition(c1, id, "resubmit", null);
    assertEquals(200, resubmitted.getInteger("status"));
    assertEquals("pending", resubmitted.getJsonObject("body").getString("status"));
  }

  @Test
  void sameNameInTheSameDivisionIsAConflict() throws Exception {
    String d1 = api.token("d1");
    assertEquals(201, api.call("POST", "/api/v1/stations", d1, station("瑞光街道协商议事室", "220802003000").encode()).statusCode());
    long before = db.count("SELECT count(*) FROM station");
    HttpResponse<String> dup = api.call("POST", "/api/v1/stations", d1, station("瑞光街道协商议事室", "220802003000").encode());
    assertEquals(409, dup.statusCode());
    assertTrue(Http.json(dup).getJsonObject("error").getJsonObject("fields").containsKey("name"));
    assertEquals(before, db.count("SELECT count(*) FROM station"), "nothing written");
    assertEquals(201, api.call("POST", "/api/v1/stations", d1, station("瑞光街道协商议事室", "220802004000").encode()).statusCode(),
        "the same name elsewhere is fine");
  }

  @Test
  void divisionMustExistBeLowEnoughAndInsideTheJurisdiction() throws Exception {
    long before = db.count("SELECT count(*) FROM station");
    assertField(api.call("POST", "/api/v1/stations", api.token("d1"), station("甲", "220802999000").encode()), 422, "divisionCode");
    assertField(api.call("POST", "/api/v1/stations", api.token("d1"), station("乙", "220802000000").encode()), 422, "divisionCode");
    assertEquals(403, api.call("POST", "/api/v1/stations", api.token("d1"), station("丙", AccountFixtures.TUANJIE).encode()).statusCode());
    assertEquals(403, api.call("POST", "/api/v1/stations", api.token("c1"), station("丁", AccountFixtures.TUANJIE).encode()).statusCode());
    assertEquals(before, db.count("SELECT count(*) FROM station"));
  }

  @Test
  void badInputGivesFieldErrorsAndWritesNothing() throws Exception {
    String d1 = api.token("d1");
    long before = db.count("SELECT count(*) FROM station");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("type", "castle").encode()), 422, "type");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("name", 42).encode()), 422, "name");
    assertField(api.call("POST", "/api/v1/stations", d1, "{}"), 422, "name");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "22080200300").encode()), 422, "divisionCode");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("foundedOn", "2021-13-45").encode()), 422, "foundedOn");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("foundedOn", "2999-01-01").encode()), 422, "foundedOn");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("latitude", "91").encode()), 422, "latitude");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("longitude", null).encode()), 422, "longitude");
    assertField(api.call("POST", "/api/v1/stations", d1, station("x", "220802003000").put("contactPhone", "call me").encode()), 422, "contactPhone");
    assertField(api.call("POST", "/api/v1/stations", d1, station("名".repeat(101), "220802003000").encode()), 422, "name");
    assertEquals(400, api.callBytes("POST", "/api/v1/stations", d1, "{\"name\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1)).statusCode());
    assertEquals(413, api.callBytes("POST", "/api/v1/stations", d1, new byte[1_500_000]).statusCode());
    assertEquals(before, db.count("SELECT count(*) FROM station"));
  }

  @Test
  void staleEditIsAConflictWithTheStoredValues() {
    String d1 = api.token("d1");
    long id = f.stations.get(AccountFixtures.CHANGQING);
    JsonObject current = Http.json(api.get("/api/v1/stations/" + id, d1));
    JsonObject edit = station("长庆议事室", AccountFixtures.CHANGQING).put("version", current.getInteger("version"));
    assertEquals(200, api.call("PUT", "/api/v1/stations/" + id, d1, edit.encode()).statusCode());
    HttpResponse<String> stale = api.call("PUT", "/api/v1/stations/" + id, d1, edit.put("name", "另一个名字").encode());
    assertEquals(409, stale.statusCode());
    assertEquals("长庆议事室", Http.json(stale).getJsonObject("current").getString("name"));
  }

  @Test
  void listsFilterPaginateAndStayInsideTheJurisdiction() {
    String admin = api.token("admin");
    for (int i = 0; i < 5; i++) {
      assertEquals(201, api.call("POST", "/api/v1/stations", admin, station("明仁社区" + i + "号站", "220802004000").encode()).statusCode());
    }
    JsonObject page1 = Http.json(api.get("/api/v1/stations?q=明仁社区&size=2&page=1", admin));
    JsonObject page3 = Http.json(api.get("/api/v1/stations?q=明仁社区&size=2&page=3", admin));
    assertEquals(5, page1.getLong("total"));
    assertEquals(2, page1.getJsonArray("items").size());
    assertEquals(1, page3.getJsonArray("items").size());
    assertEquals("明仁社区4号站", page3.getJsonArray("items").getJsonObject(0).getString("name"));
    assertEquals(0, Http.json(api.get("/api/v1/stations?q=明仁社区", api.token("d2"))).getLong("total"), "other district sees none");
    assertEquals(5, Http.json(api.get("/api/v1/stations?q=明仁社区&status=pending&division=220802004000", api.token("d1"))).getLong("total"));
    assertEquals(0, Http.json(api.get("/api/v1/stations?q=明仁社区&status=active", api.token("d1"))).getLong("total"));
    JsonObject mine = Http.json(api.get("/api/v1/stations", api.token("c1")));
    assertTrue(mine.getJsonArray("items").stream().allMatch(o -> ((JsonObject) o).getString("divisionCode").startsWith("220802001")),
        "a coordinator lists only their stations");
    assertField(api.get("/api/v1/stations?status=sleeping", admin), 422, "status");
    assertField(api.get("/api/v1/stations?division=12", admin), 422, "division");
    assertField(api.get("/api/v1/stations?size=0", admin), 422, "size");
  }

  @Test
  void csvExportIsScopedAndSpreadsheetSafe() {
    String d1 = api.token("d1");
    assertEquals(201, api.call("POST", "/api/v1/stations", d1, station("=HYPERLINK(\"x\")", "220802005000").encode()).statusCode());
    HttpResponse<String> csv = api.get("/api/v1/stations.csv", d1);
    assertEquals(200, csv.statusCode());
    assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertTrue(lines[0].startsWith("\uFEFFid,name,type,status"));
    assertTrue(csv.body().contains("\"'=HYPERLINK(\"\"x\"\")\""), "formula neutralised");
    assertFalse(csv.body().contains("220881"), "no station of another district");
  }

  @Test
  void formsWorkWithoutJavaScriptAndKeepInput() throws Exception {
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String form = b.get("/stations/new").body();
    assertTrue(form.contains("海明街道") && form.contains("民生社区"), "the district's townships and communities are offered");
    assertFalse(form.contains("团结街道"), "no other district");
    HttpResponse<String> bad = b.post("/stations", Map.of("name", "保留的名字", "type", "consultation_room", "divisionCode", "",
        "contactPhone", "not a phone"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("value=\"保留的名字\"") && bad.body().contains("电话号码格式不正确"));
    HttpResponse<String> ok = b.post("/stations", Map.of("name", "民康社区协商议事室", "type", "consultation_room",
        "divisionCode", "220802001003"));
    assertEquals(303, ok.statusCode(), ok.body());
    String page = b.get(ok.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(page.contains("民康社区协商议事室") && page.contains("申请中") && page.contains("等待区（县）政协审核"));

    Browser district = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    String queue = district.get("/stations/approvals").body();
    assertTrue(queue.contains("民康社区协商议事室"));
    long id = Long.parseLong(ok.headers().firstValue("Location").orElseThrow().replaceAll("\\D+(\\d+).*", "$1"));
    district.get("/stations/" + id);
    HttpResponse<String> noReason = district.post("/stations/" + id + "/transition", Map.of("action", "reject", "reason", ""));
    assertEquals(422, noReason.statusCode());
    assertTrue(noReason.body().contains("请填写原因"));
    assertEquals(303, district.post("/stations/" + id + "/transition", Map.of("action", "approve")).statusCode());
    assertTrue(district.get("/stations/" + id).body().contains("运行中"));
    String drill = district.get("/stations").body();
    assertTrue(drill.contains("海明街道") && drill.contains("/stations?within=220802001000"), "drill-down to townships");
  }

  @Test
  void scriptPayloadsAreEscapedOnPages() {
    String d1 = api.token("d1");
    long id = Http.json(api.call("POST", "/api/v1/stations", d1,
        station("<img src=x onerror=alert(1)>", "220802006000").encode())).getLong("id");
    String page = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/stations/" + id).body();
    assertFalse(page.contains("<img src=x"));
    assertTrue(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
  }

  private static void assertField(HttpResponse<String> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(Http.json(r).getJsonObject("error").getJsonObject("fields").containsKey(field), r.body());
  }
}
