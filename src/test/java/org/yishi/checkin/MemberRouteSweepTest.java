package org.yishi.checkin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.support.AccountFixtures;
import org.yishi.app.Node;
import org.yishi.platform.security.Access;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access matrix's column for the {@code member} role, over every route the node has: a member's
 * account reaches exactly the routes meant for it (its own pages, sign-out, own password and profile)
 * and the open ones; every other route answers 403, API and pages alike, whatever resource it names.
 */
class MemberRouteSweepTest {
  /** The non-open routes a member may call. */
  private static final Set<String> MEMBER_ROUTES = Set.of(
      "GET /api/v1/my/invitations", "PUT /api/v1/my/invitations/:id", "GET /api/v1/my/record",
      "GET /my", "POST /my/invitations/:id/reply", "GET /my/record", "GET /my/record/pdf", "GET /my/record/xlsx",
      "GET /api/v1/me", "PUT /api/v1/me/password", "DELETE /api/v1/auth/token",
      "GET /account/password", "POST /account/password", "POST /logout");
  private static Node node;
  private static Api api;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    String pg = TestPostgres.freshDatabaseUrl();
    node = TestNodes.start(pg);
    AccountFixtures f = AccountFixtures.create(node);
    api = new Api(node.baseUrl());
    assertEquals(201, api.call("POST", "/api/v1/members/" + f.taobeiMember + "/account", api.token("d1", AccountFixtures.PASSWORD),
        new JsonObject().put("username", "sweep-member").encode()).statusCode());
    try (var c = TestPostgres.jdbc(pg)) {
      c.createStatement().execute("UPDATE account SET password_hash = (SELECT password_hash FROM account WHERE username = 'c1'),"
          + " must_change_password = false WHERE username = 'sweep-member'");
    }
    token = api.token("sweep-member", AccountFixtures.PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void theMemberRoutesAreExactlyThoseOpenToTheRole() {
    Set<String> forMembers = new TreeSet<>();
    node.app().routes().routes().forEach((route, access) -> {
      if (!access.isOpen() && access.roles().contains(org.yishi.platform.security.Role.MEMBER)) {
        forMembers.add(route);
      }
    });
    assertEquals(new TreeSet<>(MEMBER_ROUTES), forMembers);
  }

  @Test
  void everyOtherGuardedRouteRefusesAMember() {
    Browser phone = new Browser(node.baseUrl()).login("sweep-member", AccountFixtures.PASSWORD);
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Map.Entry<String, Access> e : new ArrayList<>(node.app().routes().routes().entrySet())) {
      String route = e.getKey();
      if (e.getValue().isOpen() || MEMBER_ROUTES.contains(route) || route.equals("POST /api/v1/divisions/imports")) {
        continue; // the import reads its own body: the guard still runs first (403), checked through the API below
      }
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replaceAll(":[A-Za-z]+", "1");
      int status;
      if (path.startsWith("/api/")) {
        status = api.call(method, path, token, "GET".equals(method) || "DELETE".equals(method) ? null : "{}").statusCode();
      } else if ("GET".equals(method)) {
        status = phone.get(path).statusCode();
      } else {
        phone.get("/my");
        status = phone.post(path, Map.of()).statusCode();
      }
      checked++;
      if (status != 403) {
        wrong.add(route + " -> " + status);
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    assertTrue(checked > 100, "swept " + checked);
    assertEquals(403, api.callBytes("POST", "/api/v1/divisions/imports", token, "code,name,level,parent_code\n".getBytes()).statusCode());
  }
}
