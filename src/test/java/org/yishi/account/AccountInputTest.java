package org.yishi.account;

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
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input on every account input path: a clear error, nothing written, never a stack trace. */
class AccountInputTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static String admin;

  @BeforeAll
  static void start() {
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  private static long accounts() throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM account")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonObject valid() {
    return new JsonObject().put("username", "valid-" + System.nanoTime()).put("displayName", "测试")
        .put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI);
  }

  private static void assertRefused(HttpResponse<String> r, int status, String code, String field) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = Http.json(r).getJsonObject("error");
    assertEquals(code, error.getString("code"));
    if (field != null) {
      assertTrue(error.getJsonObject("fields").containsKey(field), r.body());
    }
    assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "no stack trace");
  }

  @Test
  void createRejectsBadFieldsAndWritesNothing() throws Exception {
    long before = accounts();
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("displayName", 123).encode()), 422, "invalid", "displayName");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("username", null).encode()), 422, "invalid", "username");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("username", "x'; DROP TABLE account;--").encode()), 422, "invalid", "username");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("role", "superuser").encode()), 422, "invalid", "role");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("scopeCode", AccountFixtures.BAICHENG).encode()), 422, "invalid", "scopeCode");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("role", "city_staff").encode()), 422, "invalid", "scopeCode");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("scopeCode", "22080200000X").encode()), 422, "invalid", "scopeCode");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("stationIds", "1,2").encode()), 422, "invalid", "stationIds");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("stationIds", new io.vertx.core.json.JsonArray().add(1)).encode()), 422, "invalid", "stationIds");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("displayName", "a\u0000b").encode()), 422, "invalid", "displayName");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("displayName", "长".repeat(101)).encode()), 422, "invalid", "displayName");
    assertRefused(api.call("POST", "/api/v1/users", admin, valid().put("password", "short").encode()), 422, "invalid", "password");
    assertRefused(api.call("POST", "/api/v1/users", admin, "[1,2]"), 400, "malformed", null);
    assertRefused(api.call("POST", "/api/v1/users", admin, "{\"username\": "), 400, "malformed", null);
    assertRefused(api.call("POST", "/api/v1/users", admin, "{\"a\":".repeat(5000) + "1" + "}".repeat(5000)), 400, "malformed", null);
    byte[] badUtf8 = "{\"username\":\"u\",\"displayName\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertRefused(api.callBytes("POST", "/api/v1/users", admin, badUtf8), 400, "malformed", null);
    assertRefused(api.callBytes("POST", "/api/v1/users", admin, new byte[2 * 1024 * 1024]), 413, "too_large", null);
    assertEquals(before, accounts(), "nothing half-written");
  }

  @Test
  void duplicateUserNameIsAConflict() throws Exception {
    JsonObject body = valid();
    assertEquals(201, api.call("POST", "/api/v1/users", admin, body.encode()).statusCode());
    long before = accounts();
    HttpResponse<String> again = api.call("POST", "/api/v1/users", admin, body.put("username", body.getString("username").toUpperCase()).encode());
    assertRefused(again, 409, "conflict", "username");
    assertEquals(before, accounts());
  }

  @Test
  void staleVersionIsAConflictWithTheCurrentValues() {
    long id = f.ids.get("c2");
    JsonObject current = Http.json(api.get("/api/v1/users/" + id, admin));
    JsonObject edit = new JsonObject().put("displayName", "改名一").put("role", "station_coordinator")
        .put("scopeCode", AccountFixtures.TAONAN).put("stationIds", new io.vertx.core.json.JsonArray().add(f.stations.get(AccountFixtures.TUANJIE)))
        .put("version", current.getInteger("version"));
    assertEquals(200, api.call("PUT", "/api/v1/users/" + id, admin, edit.encode()).statusCode());
    HttpResponse<String> stale = api.call("PUT", "/api/v1/users/" + id, admin, edit.put("displayName", "改名二").encode());
    assertRefused(stale, 409, "conflict", null);
    assertEquals("改名一", Http.json(stale).getJsonObject("current").getString("displayName"));
    assertEquals("改名一", Http.json(api.get("/api/v1/users/" + id, admin)).getString("displayName"));
  }

  @Test
  void staleEditInTheFormShowsTheCurrentValues() {
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    long id = f.ids.get("d-other");
    b.get("/admin/users/" + id);
    Map<String, String> form = Map.of("displayName", "第一次", "role", "district_staff", "scopeCode", AccountFixtures.NANGUAN, "version", "1");
    assertEquals(200, b.post("/admin/users/" + id, form).statusCode());
    HttpResponse<String> stale = b.post("/admin/users/" + id, Map.of("displayName", "第二次", "role", "district_staff",
        "scopeCode", AccountFixtures.NANGUAN, "version", "1"));
    assertEquals(409, stale.statusCode());
    assertTrue(stale.body().contains("已被他人修改") && stale.body().contains("value=\"第一次\""), "current values shown");
  }

  @Test
  void formKeepsInputAndTiesErrorsToFields() throws Exception {
    long before = accounts();
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    b.get("/admin/users/new");
    HttpResponse<String> r = b.post("/admin/users", Map.of("username", "bad name!", "displayName", "保留我",
        "role", "district_staff", "scopeCode", "123"));
    assertEquals(422, r.statusCode());
    assertTrue(r.body().contains("value=\"保留我\""), "input kept");
    assertTrue(r.body().contains("aria-describedby=\"e-username\"") && r.body().contains("id=\"e-username\""), "error tied to field");
    assertTrue(r.body().contains("必须是 12 位区划代码"));
    byte[] badUtf8 = ("_csrf=" + b.csrf() + "&username=x&displayName=%FF%FE").getBytes(StandardCharsets.US_ASCII);
    HttpResponse<String> invalid = b.postRaw("/admin/users", badUtf8);
    assertTrue(invalid.statusCode() == 400 || invalid.statusCode() == 422, invalid.statusCode() + " " + invalid.body());
    assertEquals(before, accounts());
  }

  @Test
  void unknownOrMalformedIdsAreNotFound() {
    assertRefused(api.get("/api/v1/users/999999", admin), 404, "not_found", null);
    assertRefused(api.get("/api/v1/users/abc", admin), 404, "not_found", null);
    assertRefused(api.call("POST", "/api/v1/users/999999/password-reset", admin, null), 404, "not_found", null);
    assertRefused(api.get("/api/v1/users?page=0", admin), 422, "invalid", "page");
    assertRefused(api.get("/api/v1/users?size=100000", admin), 422, "invalid", "size");
    assertRefused(api.get("/api/v1/users?role=nobody", admin), 422, "invalid", "role");
  }

  @Test
  void tokenEndpointRejectsBadBodies() {
    assertRefused(api.call("POST", "/api/v1/auth/token", null, "{}"), 422, "invalid", "username");
    assertRefused(api.call("POST", "/api/v1/auth/token", null, "{\"username\": 5, \"password\": true}"), 422, "invalid", "username");
    assertRefused(api.call("POST", "/api/v1/auth/token", null, "not json"), 400, "malformed", null);
    assertRefused(api.get("/api/v1/me", "yst_forged"), 401, "unauthorized", null);
    assertRefused(api.get("/api/v1/me", "x".repeat(5000)), 401, "unauthorized", null);
  }
}
