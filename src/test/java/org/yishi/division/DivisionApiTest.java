package org.yishi.division;

import io.vertx.core.json.JsonArray;
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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading divisions over real HTTP after importing the shipped 白城 slice: the API, the page and the options fragment. */
class DivisionApiTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static Api api;
  private static String d1;

  @BeforeAll
  static void start() {
    DivisionFixtures.importBaicheng(node);
    d1 = api.token("d1", AccountFixtures.PASSWORD);
  }

  private static List<String> field(JsonArray items, String name) {
    return items.stream().map(o -> ((JsonObject) o).getString(name)).toList();
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String field) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = Http.json(r).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    if (field != null) {
      assertTrue(error.getJsonObject("fields").containsKey(field), r.body());
    }
  }

  @Test
  void childrenOfBaichengAreItsSixCountyLevelUnits() {
    HttpResponse<String> r = api.get("/api/v1/divisions?parent=220800000000", d1);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    JsonObject page = Http.json(r);
    assertEquals(6, page.getLong("total"));
    assertEquals(1, page.getInteger("page"));
    assertEquals(20, page.getInteger("size"));
    JsonArray items = page.getJsonArray("items");
    assertEquals(List.of("220802000000", "220821000000", "220822000000", "220871000000", "220881000000", "220882000000"),
        field(items, "code"));
    assertEquals(List.of("洮北区", "镇赉县", "通榆县", "吉林白城经济开发区", "洮南市", "大安市"), field(items, "name"));
    assertEquals(List.of("county"), field(items, "level").stream().distinct().toList());
    assertEquals(new JsonObject().put("code", "220802000000").put("name", "洮北区").put("level", "county")
        .put("parent_code", "220800000000"), items.getJsonObject(0));
    assertEquals("白城市", page.getJsonObject("parent").getString("name"));
  }

  @Test
  void childrenArePaged() {
    JsonObject second = Http.json(api.get("/api/v1/divisions?parent=220800000000&page=2&size=4", d1));
    assertEquals(6, second.getLong("total"));
    assertEquals(List.of("220881000000", "220882000000"), field(second.getJsonArray("items"), "code"));
    JsonObject provinces = Http.json(api.get("/api/v1/divisions", d1));
    assertEquals(List.of("吉林省"), field(provinces.getJsonArray("items"), "name"));
    assertNull(provinces.getJsonObject("parent"));
    JsonObject villages = Http.json(api.get("/api/v1/divisions?parent=220802001000&size=200", d1));
    assertEquals(villages.getLong("total"), villages.getJsonArray("items").size());
    assertTrue(field(villages.getJsonArray("items"), "level").stream().allMatch("village"::equals));
    assertEquals(0, Http.json(api.get("/api/v1/divisions?parent=220802001001", d1)).getLong("total"), "a village has no children");
  }

  @Test
  void searchFindsByNameHigherLevelsFirst() {
    JsonObject found = Http.json(api.get("/api/v1/divisions?q=%E6%B4%AE", d1)); // 洮
    assertEquals(9, found.getLong("total"));
    List<String> codes = field(found.getJsonArray("items"), "code");
    assertEquals(List.of("220802000000", "220881000000", "220802103000", "220802404000", "220881007000"), codes.subList(0, 5));
    assertEquals("洮", found.getString("q"));

    JsonObject within = Http.json(api.get("/api/v1/divisions?q=%E7%A4%BE%E5%8C%BA&division=220802001000&size=200", d1)); // 社区 in 海明街道
    assertTrue(within.getLong("total") > 0);
    assertTrue(field(within.getJsonArray("items"), "code").stream().allMatch(c -> c.startsWith("220802001")));
    assertEquals("海明街道", within.getJsonObject("within").getString("name"));
    assertEquals(0, Http.json(api.get("/api/v1/divisions?q=%25_%25", d1)).getLong("total"), "wildcards match themselves");
  }

  @Test
  void oneUnitComesWithItsAncestors() {
    JsonObject unit = Http.json(api.get("/api/v1/divisions/220802001001", d1));
    assertEquals("民生社区", unit.getString("name"));
    assertEquals("village", unit.getString("level"));
    assertEquals("220802001000", unit.getString("parent_code"));
    assertEquals(List.of("吉林省", "白城市", "洮北区", "海明街道"), field(unit.getJsonArray("ancestors"), "name"));
    assertEquals(List.of("province", "city", "county", "township"), field(unit.getJsonArray("ancestors"), "level"));
    assertEquals(0, Http.json(api.get("/api/v1/divisions/220000000000", d1)).getJsonArray("ancestors").size());
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    assertEquals(200, api.get("/api/v1/divisions/220881000000", c1).statusCode(), "any signed-in user may read divisions");
  }

  @Test
  void unknownCodesAreNotFoundAndMalformedOnesInvalid() {
    assertError(api.get("/api/v1/divisions/229999000000", d1), 404, "not_found", null);
    assertError(api.get("/api/v1/divisions?parent=229999000000", d1), 404, "not_found", null);
    assertError(api.get("/api/v1/divisions?q=x&division=229999000000", d1), 404, "not_found", null);
    assertError(api.get("/api/v1/divisions/2208", d1), 422, "invalid", "code");
    assertError(api.get("/api/v1/divisions/22080000000X", d1), 422, "invalid", "code");
    assertError(api.get("/api/v1/divisions?parent=abc", d1), 422, "invalid", "parent");
    assertError(api.get("/api/v1/divisions?parent=220800000000&q=x", d1), 422, "invalid", "parent");
    assertError(api.get("/api/v1/divisions?division=220800000000", d1), 422, "invalid", "division");
    assertError(api.get("/api/v1/divisions?q=" + "x".repeat(101), d1), 422, "invalid", "q");
    assertError(api.get("/api/v1/divisions?q=a%00b", d1), 422, "invalid", "q");
    assertError(api.get("/api/v1/divisions?size=0", d1), 422, "invalid", "size");
    assertError(api.get("/api/v1/divisions?parent=220800000000&page=abc", d1), 422, "invalid", "page");
    assertError(api.get("/api/v1/divisions", null), 401, "unauthorized", null);
    assertError(api.get("/api/v1/divisions/220800000000", "not-a-token"), 401, "unauthorized", null);
  }

  @Test
  void browsePageDrillsDownWithBreadcrumbs() {
    Browser b = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    String top = b.get("/divisions").body();
    assertTrue(top.contains("href=\"/divisions?parent=220000000000\">吉林省</a>"), top);
    HttpResponse<String> r = b.get("/divisions?parent=220802001000");
    assertEquals(200, r.statusCode());
    String page = r.body();
    assertTrue(page.contains("<h1 class=\"h3 me-auto mb-0\">海明街道"), page);
    Matcher crumbs = Pattern.compile("<li class=\"breadcrumb-item[^\"]*\"[^>]*>(?:<a href=\"([^\"]*)\">)?([^<]+)").matcher(page);
    StringBuilder trail = new StringBuilder();
    while (crumbs.find()) {
      trail.append(crumbs.group(2)).append(crumbs.group(1) == null ? "" : "@" + crumbs.group(1)).append(" / ");
    }
    assertEquals("全国@/divisions / 吉林省@/divisions?parent=220000000000 / 白城市@/divisions?parent=220800000000 / "
        + "洮北区@/divisions?parent=220802000000 / 海明街道 / ", trail.toString());
    assertTrue(page.contains("<td>民生社区</td>"), "villages are listed, without a link below");
    assertTrue(page.contains("name=\"within\" value=\"220802001000\""), "the search box searches within the unit");
    assertFalse(page.contains("/admin/divisions"), "no import link for staff");

    String search = b.get("/divisions?q=%E6%B4%AE%E5%8C%97&within=220800000000").body(); // 洮北 within 白城市
    assertTrue(search.contains("href=\"/divisions?parent=220802000000\">洮北区</a>"), search);
    assertEquals(422, b.get("/divisions?parent=12345").statusCode());
    assertEquals(404, b.get("/divisions?parent=229999000000").statusCode());
    assertTrue(new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD).get("/divisions").body()
        .contains("href=\"/admin/divisions\""), "admins get the import link");
  }

  @Test
  void optionsFragmentListsTheChildrenForCascadingSelects() {
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> r = b.get("/divisions/options?parent=220800000000&selected=220881000000");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String html = r.body().trim();
    assertFalse(html.contains("<html"), "a fragment, not a page");
    assertTrue(html.startsWith("<option value=\"\">请选择</option>"), html);
    assertEquals(7, html.split("<option").length - 1);
    assertTrue(html.contains("<option value=\"220881000000\" selected>洮南市</option>"), html);
    assertTrue(html.contains("<option value=\"220802000000\">洮北区</option>"), html);

    // htmx sends the changed select's value under its own name, and that name in HX-Trigger-Name
    HttpResponse<String> htmx = Http.send(Http.request(node.baseUrl() + "/divisions/options?district=220802000000")
        .header("Cookie", "x=y").GET().build());
    assertEquals(303, htmx.statusCode(), "anonymous callers are sent to sign in");
    String viaTrigger = b.getWithHeaders("/divisions/options?district=220802000000",
        "HX-Request", "true", "HX-Trigger-Name", "district").body();
    assertTrue(viaTrigger.contains("<option value=\"220802001000\">海明街道</option>"), viaTrigger);

    assertEquals("<option value=\"\">请选择</option>", b.get("/divisions/options?parent=").body().trim(), "no parent: just the prompt");
    assertEquals(404, b.get("/divisions/options?parent=229999000000").statusCode());
    assertEquals(422, b.get("/divisions/options?parent=22080000").statusCode());
    assertEquals(422, b.get("/divisions/options?parent=220800000000&selected=x").statusCode());
  }
}
