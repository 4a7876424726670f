package org.yishi.platform.security;

import io.vertx.core.http.HttpMethod;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every route registered through {@link SecureRouter}, with its access policy. A test compares it
 * with the router's actual routes, so a route added any other way (hence without a policy) fails
 * the build; another compares the API routes with the OpenAPI description. It also knows which
 * routes read their request body themselves (uploads), so that the node's body handler leaves them alone.
 */
public final class RouteInventory {
  private final Map<String, Access> routes = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, ApiQuery> queries = new ConcurrentHashMap<>();
  private final Set<String> ownBody = ConcurrentHashMap.newKeySet();

  void record(HttpMethod method, String path, Access access, ApiQuery query) {
    routes.put(key(method, path), access);
    queries.put(key(method, path), query);
  }

  void recordOwnBody(HttpMethod method, String path) {
    ownBody.add(key(method, path));
  }

  /**
   * Whether the route for this request reads the body itself (a streamed or multipart upload, see
   * {@link SecureRouter#postStream} and {@link SecureRouter#postMultipart}); such routes have fixed
   * paths, so this is known before routing. {@code path} is the normalised request path; a trailing
   * slash matches as the router matches it.
   */
  public boolean readsOwnBody(HttpMethod method, String path) {
    if (ownBody.isEmpty() || path == null) {
      return false;
    }
    String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return ownBody.contains(key(method, p));
  }

  public static String key(HttpMethod method, String path) {
    return method.name() + " " + path;
  }

  /** "METHOD /path" → policy, in registration order. */
  public Map<String, Access> routes() {
    synchronized (routes) {
      return Map.copyOf(routes);
    }
  }

  /** "METHOD /path" → the query parameters the route accepts (see {@link ApiQuery}). */
  public Map<String, ApiQuery> queries() {
    return Map.copyOf(queries);
  }

  public boolean contains(HttpMethod method, String path) {
    return routes.containsKey(key(method, path));
  }
}
