package org.yishi.account;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sign-in under parallel guessing (issue 18, item 10): an attempt is counted before its password is
 * checked, so of many parallel guesses at one account (even from many addresses) at most
 * {@code YISHI_LOGIN_MAX_ATTEMPTS} get a password check; and one address gets at most
 * {@code YISHI_LOGIN_MAX_HASHING_PER_ADDRESS} password checks at once (429 with Retry-After beyond).
 */
class SignInRaceTest {
  private static final int GUESSES = 24;
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of(
        // a realistic hash: each check takes long enough for parallel requests to overlap
        "YISHI_PASSWORD_ITERATIONS", "200000",
        "YISHI_LOGIN_MAX_ATTEMPTS", "3",
        "YISHI_LOGIN_MAX_PER_ADDRESS", "100000",
        "YISHI_LOGIN_MAX_HASHING_PER_ADDRESS", "2",
        // the tests name each client in X-Forwarded-For, as a load balancer in front would
        "YISHI_HTTP_TRUSTED_PROXIES", "127.0.0.1"));
  @FromNode private static Node node;

  private static HttpResponse<String> tokenRequest(String username, String password, String client) {
    return Http.send(Http.request(node.baseUrl() + "/api/v1/auth/token")
        .header("Content-Type", "application/json").header("X-Forwarded-For", client)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", username).put("password", password).encode()))
        .build());
  }

  /** Sends {@code n} token requests at once (released together); answers them in order. */
  private static List<HttpResponse<String>> atOnce(int n, java.util.function.IntFunction<HttpResponse<String>> request)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        sent.add(pool.submit(() -> {
          go.await();
          return request.apply(k);
        }));
      }
      go.countDown();
      List<HttpResponse<String>> out = new ArrayList<>();
      for (Future<HttpResponse<String>> f : sent) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelGuessesFromManyAddressesGetAtMostTheAllowedPasswordChecks() throws Exception {
    List<HttpResponse<String>> answers = atOnce(GUESSES, i -> tokenRequest("c2", "wrong-guess-" + i, "10.9.0." + (i + 1)));
    long checked = answers.stream().filter(r -> r.statusCode() == 401).count();
    long throttled = answers.stream().filter(r -> r.statusCode() == 429).count();
    assertEquals(GUESSES, checked + throttled, "every guess is either checked (401) or throttled (429)");
    assertTrue(checked <= 3, "at most YISHI_LOGIN_MAX_ATTEMPTS guesses had their password checked, not " + checked);
    HttpResponse<String> right = tokenRequest("c2", AccountFixtures.PASSWORD, "10.9.1.1");
    assertEquals(429, right.statusCode(), "the account is throttled, even for the right password");
    assertTrue(right.headers().firstValue("Retry-After").isPresent());
  }

  @Test
  void oneAddressGetsABoundedNumberOfPasswordChecksAtOnce() throws Exception {
    // distinct unknown names: no account throttle applies, only the bound on concurrent hashing
    List<HttpResponse<String>> answers = atOnce(GUESSES, i -> tokenRequest("nobody-" + i, "some-password-1", "10.8.0.1"));
    long busy = answers.stream().filter(r -> r.statusCode() == 429).count();
    long checked = answers.stream().filter(r -> r.statusCode() == 401).count();
    assertEquals(GUESSES, busy + checked);
    assertTrue(busy > 0, "requests beyond YISHI_LOGIN_MAX_HASHING_PER_ADDRESS are refused before hashing");
    assertTrue(checked >= 2, "the bound lets requests through");
    HttpResponse<String> refused = answers.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
    assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "with Retry-After");
    assertEquals("too_many_requests", Http.json(refused).getJsonObject("error").getString("code"));
    // another address is not held up by this one
    assertEquals(401, tokenRequest("nobody-else", "some-password-1", "10.8.0.2").statusCode());
    // and once the burst is over, the address signs in as usual
    assertEquals(200, tokenRequest("d1", AccountFixtures.PASSWORD, "10.8.0.1").statusCode());
  }
}
