package org.yishi.platform.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * The address of the person at the other end, for per-address limits (sign-in throttling) and the
 * audit log. Behind a load balancer every request comes from the balancer, so when the direct peer
 * is one of the configured trusted proxies ({@code YISHI_HTTP_TRUSTED_PROXIES}) the client is the
 * rightmost {@code X-Forwarded-For} entry that is not itself a trusted proxy. A header sent by
 * anyone else is ignored: it is trivially forged.
 */
public final class ClientAddress {
  private ClientAddress() {
  }

  public static String of(HttpServerRequest request, List<String> trustedProxies) {
    String peer = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (trustedProxies.isEmpty() || !trustedProxies.contains(peer)) {
      return peer;
    }
    String forwarded = request.getHeader("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
        return hop.length() > 64 ? hop.substring(0, 64) : hop;
      }
    }
    return peer;
  }
}
