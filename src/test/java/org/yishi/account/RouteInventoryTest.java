package org.yishi.account;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;
import org.yishi.apidocs.ApiDocsRoutes;
import org.yishi.app.Node;
import org.yishi.platform.http.HttpVerticle;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No route escapes the guard, and the OpenAPI file describes exactly the API routes. */
class RouteInventoryTest {
  /** Platform routes that are not features: static files from the jar. */
  private static final Set<String> PLATFORM = Set.of("/assets/", "/webjars/");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create();
  @FromNode private static Node node;

  /** "METHOD path" of every route with a path, walking mounted sub-routers. */
  static List<String> walk(Router router, String prefix) {
    List<String> out = new ArrayList<>();
    for (Route r : router.getRoutes()) {
      if (r.getSubRouter() != null) {
        String mount = r.getPath() == null ? "" : r.getPath().replaceAll("/\\*?$", "");
        out.addAll(walk(r.getSubRouter(), prefix + mount));
        continue;
      }
      if (r.getPath() == null || PLATFORM.contains(r.getPath())) {
        continue; // global handlers (headers, locale, body, session) and static files
      }
      Set<HttpMethod> methods = r.methods() == null || r.methods().isEmpty() ? Set.of(HttpMethod.valueOf("ANY")) : r.methods();
      for (HttpMethod m : methods) {
        out.add(m.name() + " " + prefix + r.getPath());
      }
    }
    return out;
  }

  private static List<String> unguarded(Router root) {
    Set<String> registered = node.app().routes().routes().keySet();
    return walk(root, "").stream().filter(k -> !registered.contains(k)).toList();
  }

  @Test
  void everyRouteOfTheRealRouterWentThroughTheGuard() {
    Router root = HttpVerticle.buildRouter(node.app().vertx(), node.app(), node.features());
    List<String> all = walk(root, "");
    assertTrue(all.contains("PUT /api/v1/users/:id") && all.contains("GET /admin/users"), all.toString());
    assertEquals(List.of(), unguarded(root), "routes added without SecureRouter (no access policy)");
  }

  @Test
  void aRouteAddedDirectlyIsCaught() {
    Router root = HttpVerticle.buildRouter(node.app().vertx(), node.app(), node.features());
    Router sneaky = Router.router(node.app().vertx());
    sneaky.get("/api/v1/sneaky").handler(ctx -> ctx.end("no policy"));
    root.route("/*").subRouter(sneaky);
    assertEquals(List.of("GET /api/v1/sneaky"), unguarded(root));
  }

  @Test
  void openApiDescribesExactlyTheApiRoutes() {
    Map<String, Object> doc = new Yaml().load(ApiDocsRoutes.openApi().toString(StandardCharsets.UTF_8));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
    Set<String> described = new TreeSet<>();
    paths.forEach((path, ops) -> ops.keySet().stream()
        .filter(k -> Set.of("get", "post", "put", "patch", "delete").contains(k))
        .forEach(m -> described.add(m.toUpperCase() + " /api/v1" + path.replaceAll("\\{([^}]+)}", ":$1"))));
    Set<String> api = new TreeSet<>();
    node.app().routes().routes().keySet().stream().filter(k -> k.contains(" /api/v1/")).forEach(api::add);
    assertEquals(api, described);
  }

  /**
   * Each API route's declared query parameters (current names and aliases) are exactly those the
   * OpenAPI description lists for its operation, and the aliases exactly those it marks deprecated.
   */
  @Test
  void openApiDescribesExactlyTheQueryParametersOfEachRoute() {
    Map<String, Object> doc = new Yaml().load(ApiDocsRoutes.openApi().toString(StandardCharsets.UTF_8));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> shared = (Map<String, Map<String, Object>>)
        ((Map<String, Object>) doc.get("components")).get("parameters");
    Map<String, String> described = new TreeMap<>();
    Map<String, String> declared = new TreeMap<>();
    paths.forEach((path, ops) -> ops.forEach((method, op) -> {
      if (!Set.of("get", "post", "put", "patch", "delete").contains(method)) {
        return;
      }
      List<Object> params = new ArrayList<>();
      if (ops.get("parameters") instanceof List<?> common) {
        params.addAll(common);
      }
      if (((Map<?, ?>) op).get("parameters") instanceof List<?> own) {
        params.addAll(own);
      }
      Set<String> current = new TreeSet<>();
      Set<String> deprecated = new TreeSet<>();
      for (Object o : params) {
        Map<?, ?> prm = (Map<?, ?>) o;
        if (prm.get("$ref") instanceof String ref) {
          prm = shared.get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        if ("query".equals(prm.get("in"))) {
          (Boolean.TRUE.equals(prm.get("deprecated")) ? deprecated : current).add((String) prm.get("name"));
        }
      }
      described.put(method.toUpperCase() + " /api/v1" + path.replaceAll("\\{([^}]+)}", ":$1"),
          current + " aliases " + deprecated);
    }));
    node.app().routes().queries().forEach((key, query) -> {
      if (key.contains(" /api/v1/")) {
        declared.put(key, new TreeSet<>(query.names()) + " aliases " + new TreeSet<>(query.aliases().keySet()));
      }
    });
    assertEquals(described, declared);
  }

  @Test
  void openApiIsServed() {
    var r = Http.get(node.baseUrl() + "/api/v1/openapi.yaml");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().startsWith("openapi: 3"));
    assertFalse(new JsonObject().put("x", r.headers().firstValue("Content-Type").orElse("")).getString("x").isEmpty());
  }
}
