package org.yishi.stats;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.EventStream;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An open live stream checks its user again (issue 18, item 6): on node B, the stream of a user who is
 * then disabled, moved to another district or whose password is changed on node A ends; so does one
 * whose account is disabled behind the application's back (no change event), by the periodic check.
 * And a password changed on node A signs out the account's other browser sessions on node B (item 5).
 */
class LiveStreamRecheckTest {
  /** How long a test waits for something that must happen (a bound, not a measured speed). */
  private static final Duration WAIT = Duration.ofSeconds(20);
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env("YISHI_LIVE_RECHECK_SECONDS", "1");
  private static final List<Node> NODES = NODE.nodes();
  private static Api onA;
  private static String admin;

  @BeforeAll
  static void start() {
    onA = NODE.api();
    admin = onA.token("admin", TestNodes.ADMIN_PASSWORD);
  }

  /** A new district staff account of 洮北区; answers it as the API shows it. */
  private static JsonObject staff(String username) {
    HttpResponse<String> r = onA.call("POST", "/api/v1/users", admin, new JsonObject().put("username", username)
        .put("displayName", "看板").put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI)
        .put("password", AccountFixtures.PASSWORD).encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r);
  }

  /** Opens 洮北区's live stream on node B as {@code username} and waits until it listens. */
  private static EventStream open(String username) throws InterruptedException {
    Browser b = new Browser(NODES.get(1).baseUrl()).login(username, AccountFixtures.PASSWORD);
    HttpResponse<InputStream> r = b.stream("/stats/live?division=" + AccountFixtures.TAOBEI);
    assertEquals(200, r.statusCode());
    EventStream events = new EventStream(r.body());
    assertNotNull(events.next("ready", WAIT), "the stream listens");
    return events;
  }

  private static boolean ends(EventStream events) throws InterruptedException {
    return events.awaitEnd(WAIT);
  }

  private static HttpResponse<String> edit(JsonObject account, String scope, boolean disabled) {
    int version = Http.json(onA.get("/api/v1/users/" + account.getLong("id"), admin)).getInteger("version");
    return onA.call("PUT", "/api/v1/users/" + account.getLong("id"), admin, new JsonObject()
        .put("displayName", "看板").put("role", "district_staff").put("scopeCode", scope)
        .put("disabled", disabled).put("version", version).encode());
  }

  @Test
  void aUserDisabledOnNodeALosesTheStreamOnNodeB() throws Exception {
    JsonObject account = staff("live-disabled");
    try (EventStream events = open("live-disabled"); EventStream other = open("d1")) {
      assertEquals(200, edit(account, AccountFixtures.TAOBEI, true).statusCode());
      assertTrue(ends(events), "the disabled user's stream ends");
      assertFalse(other.ended(), "another user's stream stays open");
    }
  }

  @Test
  void aUserMovedToAnotherDistrictLosesTheStream() throws Exception {
    JsonObject account = staff("live-moved");
    try (EventStream events = open("live-moved")) {
      assertEquals(200, edit(account, AccountFixtures.TAONAN, false).statusCode());
      assertTrue(ends(events), "洮北区 no longer lies in the user's jurisdiction");
    }
  }

  @Test
  void aPasswordChangeEndsTheStream() throws Exception {
    staff("live-password");
    try (EventStream events = open("live-password")) {
      String token = onA.token("live-password", AccountFixtures.PASSWORD);
      HttpResponse<String> changed = onA.call("PUT", "/api/v1/me/password", token, new JsonObject()
          .put("currentPassword", AccountFixtures.PASSWORD).put("newPassword", "another-password-9").encode());
      assertEquals(200, changed.statusCode(), changed.body());
      assertTrue(ends(events), "a stream of a session signed in with the old password ends");
    }
  }

  @Test
  void anAccountDisabledWithoutAChangeEventIsFoundByThePeriodicCheck() throws Exception {
    JsonObject account = staff("live-quiet");
    try (EventStream events = open("live-quiet")) {
      NODES.get(0).app().pool().query("UPDATE account SET disabled = true WHERE id = " + account.getLong("id"))
          .execute().await();
      assertTrue(ends(events), "the periodic check (YISHI_LIVE_RECHECK_SECONDS) ends the stream");
    }
  }

  @Test
  void aPasswordChangedOnNodeAEndsTheBrowserSessionOnNodeB() {
    staff("session-other-node");
    Browser onB = new Browser(NODES.get(1).baseUrl()).login("session-other-node", AccountFixtures.PASSWORD);
    assertEquals(200, onB.get("/stats").statusCode());
    Browser here = new Browser(NODES.get(0).baseUrl()).login("session-other-node", AccountFixtures.PASSWORD);
    here.get("/account/password");
    HttpResponse<String> changed = here.post("/account/password", Map.of("currentPassword", AccountFixtures.PASSWORD,
        "newPassword", "another-password-9", "confirmPassword", "another-password-9"));
    assertEquals(200, changed.statusCode(), changed.body());
    // node B hears of the change over the event bus (its 5 s cache of the account is cleared then)
    long until = System.nanoTime() + WAIT.toNanos();
    HttpResponse<String> after = onB.get("/stats");
    while (after.statusCode() == 200 && System.nanoTime() < until) {
      after = onB.get("/stats");
    }
    assertEquals(303, after.statusCode(), "the session held through node B is signed out");
    assertTrue(after.headers().firstValue("Location").orElse("").startsWith("/login"));
    assertEquals(200, here.get("/stats").statusCode(), "the session that changed it stays signed in");
    assertEquals(200, here.at(NODES.get(1).baseUrl()).get("/stats").statusCode(), "on every node");
  }
}
