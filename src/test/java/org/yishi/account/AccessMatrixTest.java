package org.yishi.account;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.platform.Node;
import org.yishi.platform.security.RouteInventory;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.Http;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered route × every role × own/other jurisdiction, through real HTTP (API with bearer
 * tokens, pages with sessions and CSRF tokens). The matrix must name every route the node has: a
 * route added later without an entry here fails {@link #matrixCoversEveryRoute()}.
 */
class AccessMatrixTest {
  private static final List<String> CALLERS = List.of("admin", "city", "city-other", "d1", "d2", "c1", "anon");
  private static Node node;
  private static AccountFixtures f;
  private static Api api;

  /** One route's expected statuses, per caller, in the order of {@link #CALLERS}. */
  private record Case(String route, String path, Supplier<String> body, int... expected) {
  }

  private static final List<Case> CASES = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNodes.start(TestPostgres.freshDatabaseUrl());
    f = AccountFixtures.create(node);
    api = new Api(node.baseUrl());
    long c1 = f.ids.get("c1");
    Supplier<String> none = () -> null;
    Supplier<String> editC1 = () -> new JsonObject().put("displayName", "洮北联络员").put("role", "station_coordinator")
        .put("scopeCode", AccountFixtures.TAOBEI).put("stationIds", List.of(101))
        .put("version", currentVersion(c1)).encode();
    Supplier<String> newUser = () -> new JsonObject().put("username", "u" + System.nanoTime())
        .put("displayName", "新用户").put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI).encode();
    Supplier<String> wrongPassword = () -> new JsonObject().put("currentPassword", "not-the-password")
        .put("newPassword", "another-password-9").encode();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/users", "/api/v1/users", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /api/v1/users", "/api/v1/users", newUser, 201, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/users/:id", "/api/v1/users/" + c1, none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/users/:id", "/api/v1/users/" + c1, editC1, 200, 403, 403, 403, 403, 403, 401);
    long c3 = f.ids.get("c3"); // the reset target: resetting c1 would lock the c1 caller out
    add("POST /api/v1/users/:id/password-reset", "/api/v1/users/" + c3 + "/password-reset", none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/audit", "/api/v1/audit", none, 200, 200, 200, 200, 200, 403, 401);
    add("GET /api/v1/me", "/api/v1/me", none, 200, 200, 200, 200, 200, 200, 401);
    add("PUT /api/v1/me/password", "/api/v1/me/password", wrongPassword, 422, 422, 422, 422, 422, 422, 401);
    add("DELETE /api/v1/auth/token", "/api/v1/auth/token", none, 204, 204, 204, 204, 204, 204, 401);
    add("POST /api/v1/auth/token", "/api/v1/auth/token", () -> "{}", 422, 422, 422, 422, 422, 422, 422);
    add("GET /api/v1/openapi.yaml", "/api/v1/openapi.yaml", none, 200, 200, 200, 200, 200, 200, 200);
    // pages (anonymous GETs are sent to the sign-in page: 303)
    add("GET /admin/users", "/admin/users", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /admin/users/new", "/admin/users/new", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/users", "/admin/users", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /admin/users/:id", "/admin/users/" + c1, none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /admin/users/:id", "/admin/users/" + c1, none, 422, 403, 403, 403, 403, 403, 401);
    add("POST /admin/users/:id/reset-password", "/admin/users/" + c1 + "/reset-password", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /audit", "/audit", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /account/password", "/account/password", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /account/password", "/account/password", none, 422, 422, 422, 422, 422, 422, 401);
    add("POST /logout", "/logout", none, 303, 303, 303, 303, 303, 303, 401);
    add("GET /login", "/login", none, 303, 303, 303, 303, 303, 303, 200);
    add("POST /login", "/login", none, 422, 422, 422, 422, 422, 422, 422);
    add("GET /lang/:tag", "/lang/en", none, 303, 303, 303, 303, 303, 303, 303);
    add("GET /", "/", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /health", "/health", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /ready", "/ready", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /metrics", "/metrics", none, 200, 200, 200, 200, 200, 200, 200);
    // divisions: readable by everyone signed in; imports by admins only (the 白城 slice imported first)
    long divisionImport = org.yishi.division.DivisionFixtures.importBaicheng(node);
    Supplier<String> headerOnlyCsv = () -> "code,name,level,parent_code\n";
    add("GET /api/v1/divisions", "/api/v1/divisions?parent=220800000000", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /api/v1/divisions/:code", "/api/v1/divisions/220802000000", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/divisions/imports", "/api/v1/divisions/imports", headerOnlyCsv, 202, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/divisions/imports", "/api/v1/divisions/imports", none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/divisions/imports/:id", "/api/v1/divisions/imports/" + divisionImport, none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /divisions", "/divisions?parent=220802000000", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /divisions/options", "/divisions/options?parent=220800000000", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /admin/divisions", "/admin/divisions", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/divisions/imports", "/admin/divisions/imports", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /admin/divisions/imports/:id", "/admin/divisions/imports/" + divisionImport, none, 200, 403, 403, 403, 403, 403, 303);
    add("GET /admin/divisions/imports/:id/status", "/admin/divisions/imports/" + divisionImport + "/status", none, 200, 403, 403, 403, 403, 403, 303);
  }

  private static void add(String route, String path, Supplier<String> body, int... expected) {
    CASES.add(new Case(route, path, body, expected));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static int currentVersion(long id) {
    return node.app().accounts().get(id).await().version();
  }

  @Test
  void matrixCoversEveryRoute() {
    Set<String> registered = new TreeSet<>(node.app().routes().routes().keySet());
    Set<String> inMatrix = CASES.stream().map(Case::route).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(registered, inMatrix, "every route needs a row in the access matrix");
  }

  @Test
  void everyRoleGetsExactlyItsExpectedAnswer() {
    List<String> mismatches = new ArrayList<>();
    for (Case c : CASES) {
      String method = c.route().substring(0, c.route().indexOf(' '));
      for (int i = 0; i < CALLERS.size(); i++) {
        String caller = CALLERS.get(i);
        int status = c.path().startsWith("/api/") ? callApi(caller, method, c) : callPage(caller, method, c);
        if (status != c.expected()[i]) {
          mismatches.add(c.route() + " as " + caller + ": expected " + c.expected()[i] + ", got " + status);
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  private int callApi(String caller, String method, Case c) {
    String token = "anon".equals(caller) ? null : api.token(caller, AccountFixtures.passwordOf(caller));
    HttpResponse<String> r = api.call(method, c.path(), token, c.body().get());
    if (r.statusCode() >= 400 && !c.path().endsWith("openapi.yaml")) {
      Api.errorCode(r); // every error is the contract's JSON
    }
    return r.statusCode();
  }

  private int callPage(String caller, String method, Case c) {
    Browser b = new Browser(node.baseUrl());
    if ("anon".equals(caller)) {
      b.get("/login"); // a session with a CSRF token, but nobody signed in
    } else {
      b.login(caller, AccountFixtures.passwordOf(caller)).get("/");
    }
    HttpResponse<String> r = "GET".equals(method) ? b.get(c.path()) : b.post(c.path(), Map.of());
    if (r.statusCode() == 303 && "anon".equals(caller) && "GET".equals(method) && !c.route().contains("/lang/")
        && !c.path().equals("/login")) {
      assertTrue(r.headers().firstValue("Location").orElse("").startsWith("/login?back="), c.route());
    }
    return r.statusCode();
  }

  @Test
  void listsShowOnlyTheCallersJurisdiction() {
    assertEquals(Set.of("admin", "city", "city-other", "d1", "d2", "d-other", "c1", "c2", "c3"), usernamesSeenBy("admin"));
    assertEquals(Set.of("city", "d1", "d2", "c1", "c2", "c3"), usernamesSeenBy("city"));
    assertEquals(Set.of("city-other", "d-other"), usernamesSeenBy("city-other"));
    assertEquals(Set.of("d1", "c1", "c3"), usernamesSeenBy("d1"));
    assertEquals(Set.of("d2", "c2"), usernamesSeenBy("d2"));
  }

  private static Set<String> usernamesSeenBy(String caller) {
    String token = api.token(caller, AccountFixtures.passwordOf(caller));
    JsonObject page = Http.json(api.get("/api/v1/users?size=200", token));
    Set<String> names = new TreeSet<>();
    page.getJsonArray("items").forEach(o -> {
      String u = ((JsonObject) o).getString("username");
      if (u.equals("admin") || !u.startsWith("u")) { // ignore accounts created by the matrix itself
        names.add(u);
      }
    });
    return names;
  }

  @Test
  void htmlListIsFilteredToo() {
    String page = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD).get("/admin/users").body();
    assertTrue(page.contains("洮南联络员") && page.contains(">d2<"), "own district shown: " + page);
    assertTrue(!page.contains("洮北联络员") && !page.contains("长春市政协"), "other districts hidden");
  }

  @Test
  void routeInventoryDescribesEveryPolicy() {
    Map<String, String> described = new LinkedHashMap<>();
    node.app().routes().routes().forEach((k, v) -> described.put(k, v.describe()));
    assertEquals("roles [ADMIN] + jurisdiction of the resource", described.get(RouteInventory.key(HttpMethod.PUT, "/api/v1/users/:id")));
    assertTrue(described.get("GET /health").startsWith("open ("));
  }
}
