package org.yishi.member;

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

import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Committees, members and their assignment to stations. */
class MemberTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static long member(String token, String name, long committee) {
    HttpResponse<String> r = api.call("POST", "/api/v1/members", token, new JsonObject().put("name", name)
        .put("sector", "农业界").put("committeeId", committee).encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  @Test
  void committeesHangOffTheirDivisions() {
    JsonArray items = Http.json(api.get("/api/v1/committees", api.token("c1"))).getJsonArray("items");
    JsonObject city = items.stream().map(o -> (JsonObject) o).filter(c -> c.getString("level").equals("city")).findFirst().orElseThrow();
    JsonObject taobei = items.stream().map(o -> (JsonObject) o).filter(c -> c.getString("divisionCode").equals("220802000000"))
        .findFirst().orElseThrow();
    assertEquals("白城市政协", city.getString("name"));
    assertEquals(city.getLong("id"), taobei.getLong("parentId"), "district committees belong to the city committee");
    String admin = api.token("admin");
    HttpResponse<String> dup = api.call("POST", "/api/v1/committees", admin, new JsonObject().put("name", "重复").put("divisionCode", "220802000000").encode());
    assertEquals(409, dup.statusCode());
    HttpResponse<String> township = api.call("POST", "/api/v1/committees", admin, new JsonObject().put("name", "街道").put("divisionCode", "220802001000").encode());
    assertEquals(422, township.statusCode(), "a committee is city or district level");
  }

  @Test
  void assignmentAcceptsOnlyTheDistrictAndCityCommittees() {
    String d1 = api.token("d1");
    long local = member(d1, "赵桂兰", f.committees.get(AccountFixtures.TAOBEI));
    long city = member(api.token("city"), "钱志强", f.committees.get(AccountFixtures.BAICHENG));
    long other = member(api.token("d2"), "孙海燕", f.committees.get(AccountFixtures.TAONAN));
    long station = f.stations.get(AccountFixtures.HAIMING);
    HttpResponse<String> bad = api.call("PUT", "/api/v1/stations/" + station + "/members", d1,
        new JsonObject().put("memberIds", new JsonArray().add(local).add(other)).encode());
    assertEquals(422, bad.statusCode(), "a 洮南 member cannot serve a 洮北 station");
    HttpResponse<String> ok = api.call("PUT", "/api/v1/stations/" + station + "/members", d1,
        new JsonObject().put("memberIds", new JsonArray().add(local).add(city)).encode());
    assertEquals(200, ok.statusCode(), ok.body());
    JsonObject listed = Http.json(api.get("/api/v1/members?stationId=" + station, d1));
    assertEquals(2, listed.getLong("total"));
    assertEquals(new JsonArray().add(station), Http.json(api.get("/api/v1/members/" + local, d1)).getJsonArray("stationIds"));
    assertEquals(403, api.get("/api/v1/members?stationId=" + station, api.token("d2")).statusCode(), "not another district's station");
    assertEquals(404, api.get("/api/v1/members?stationId=999999", d1).statusCode());

    String page = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/stations/" + station + "/members").body();
    assertTrue(page.contains("赵桂兰") && page.contains("钱志强") && !page.contains("孙海燕"), "candidates of the district and city");
  }

  @Test
  void memberInputIsValidatedAndScoped() {
    String d1 = api.token("d1");
    HttpResponse<String> missing = api.call("POST", "/api/v1/members", d1, new JsonObject().put("name", "无界别").encode());
    assertEquals(422, missing.statusCode());
    JsonObject fields = Http.json(missing).getJsonObject("error").getJsonObject("fields");
    assertTrue(fields.containsKey("sector") && fields.containsKey("committeeId"));
    assertEquals(422, api.call("POST", "/api/v1/members", d1, new JsonObject().put("name", "甲").put("sector", "经济界")
        .put("committeeId", "abc").encode()).statusCode());
    assertEquals(422, api.call("POST", "/api/v1/members", d1, new JsonObject().put("name", "甲").put("sector", "经济界")
        .put("committeeId", 999999).encode()).statusCode());
    assertEquals(403, api.call("POST", "/api/v1/members", d1, new JsonObject().put("name", "甲").put("sector", "经济界")
        .put("committeeId", f.committees.get(AccountFixtures.TAONAN)).encode()).statusCode());
    assertEquals(422, api.call("POST", "/api/v1/members", d1, new JsonObject().put("name", "甲").put("sector", "经济界")
        .put("committeeId", f.committees.get(AccountFixtures.TAOBEI)).put("email", "not-an-email").encode()).statusCode());

    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    b.get("/members/new");
    HttpResponse<String> form = b.post("/members", Map.of("name", "留下的名字", "sector", "", "committeeId",
        String.valueOf(f.committees.get(AccountFixtures.TAOBEI))));
    assertEquals(422, form.statusCode());
    assertTrue(form.body().contains("value=\"留下的名字\""));
  }
}
