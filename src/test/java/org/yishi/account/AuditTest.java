package org.yishi.account;

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
import org.yishi.support.TestNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every account write leaves who/what/when with before and after, visible inside the jurisdiction only. */
class AuditTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  @Test
  void updateIsRecordedWithBeforeAndAfterAndScopedToTheDistrict() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    long id = f.ids.get("c1");
    JsonObject before = Http.json(api.get("/api/v1/users/" + id, admin));
    assertEquals(200, api.call("PUT", "/api/v1/users/" + id, admin, new JsonObject()
        .put("displayName", "新名字").put("role", "station_coordinator").put("scopeCode", AccountFixtures.TAOBEI)
        .put("stationIds", new JsonArray().add(f.stations.get(AccountFixtures.HAIMING)).add(f.stations.get(AccountFixtures.CHANGQING))).put("version", before.getInteger("version")).encode()).statusCode());
    // a stale retry fails and must leave no audit entry
    api.call("PUT", "/api/v1/users/" + id, admin, new JsonObject().put("displayName", "不应出现").put("role", "station_coordinator")
        .put("scopeCode", AccountFixtures.TAOBEI).put("version", before.getInteger("version")).encode());

    JsonArray seenByD1 = Http.json(api.get("/api/v1/audit?entityType=account&entityId=" + id, api.token("d1", AccountFixtures.PASSWORD)))
        .getJsonArray("items");
    assertEquals(1, seenByD1.size(), seenByD1.encode());
    JsonObject entry = seenByD1.getJsonObject(0);
    assertEquals("admin", entry.getString("actorName"));
    assertEquals("account.update", entry.getString("action"));
    assertEquals("洮北联络员", entry.getJsonObject("before").getString("displayName"));
    assertEquals("新名字", entry.getJsonObject("after").getString("displayName"));
    assertEquals(new JsonArray().add(f.stations.get(AccountFixtures.HAIMING)).add(f.stations.get(AccountFixtures.CHANGQING)), entry.getJsonObject("after").getJsonArray("stationIds"));
    assertFalse(entry.getJsonObject("after").containsKey("passwordHash"), "no secrets in the log");

    JsonObject seenByD2 = Http.json(api.get("/api/v1/audit?entityType=account&entityId=" + id, api.token("d2", AccountFixtures.PASSWORD)));
    assertEquals(0, seenByD2.getJsonArray("items").size(), "another district sees nothing");

    String page = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/audit").body();
    assertTrue(page.contains("account.update") && page.contains("新名字"));
    assertFalse(page.contains("不应出现"));
  }
}
