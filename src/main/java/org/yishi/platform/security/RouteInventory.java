package org.yishi.platform.security;

import io.vertx.core.http.HttpMethod;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every route registered through {@link SecureRouter}, with its access policy. A test compares it
 * with the router's actual routes, so a route added any other way (hence without a policy) fails
 * the build; another compares the API routes with the OpenAPI description.
 */
public final class RouteInventory {
  private final Map<String, Access> routes = Collections.synchronizedMap(new LinkedHashMap<>());

  void record(HttpMethod method, String path, Access access) {
    routes.put(key(method, path), access);
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

  public boolean contains(HttpMethod method, String path) {
    return routes.containsKey(key(method, path));
  }
}
