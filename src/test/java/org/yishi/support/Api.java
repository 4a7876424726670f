package org.yishi.support;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Calls the JSON API of a node as a real client would. */
public final class Api {
  private final String base;

  public Api(String base) {
    this.base = base;
  }

  /** Signs in and returns a bearer token (fails the test if sign-in fails). */
  public String token(String username, String password) {
    HttpResponse<String> r = call("POST", "/api/v1/auth/token", null,
        new JsonObject().put("username", username).put("password", password).encode());
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r).getString("token");
  }

  /** Signs in as an {@link AccountFixtures} account (or the bootstrap "admin") with its password. */
  public String token(String username) {
    return token(username, AccountFixtures.passwordOf(username));
  }

  public HttpResponse<String> call(String method, String path, String token, String body) {
    HttpRequest.Builder b = Http.request(base + path);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(b.build());
  }

  public HttpResponse<String> callBytes(String method, String path, String token, byte[] body) {
    HttpRequest.Builder b = Http.request(base + path).header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return Http.send(b.method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  public HttpResponse<String> get(String path, String token) {
    return call("GET", path, token, null);
  }

  /** The {@code error.code} of a JSON error answer. */
  public static String errorCode(HttpResponse<String> r) {
    return Http.json(r).getJsonObject("error").getString("code");
  }
}
