package org.yishi.support;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A cookie-keeping HTTP client that uses the HTML pages like a browser without JavaScript:
 * it reads the CSRF token from the last page and posts forms (the real-browser tests are separate).
 */
public final class Browser {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
  private final HttpClient client;
  private String base;
  private String csrf = "";
  private String lastPage = "";

  public Browser(String base) {
    this.base = base;
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Continue the same browser session against another node (cookies are kept by host). */
  public Browser at(String otherBase) {
    this.base = otherBase;
    return this;
  }

  public HttpResponse<String> get(String path) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    Matcher m = CSRF.matcher(r.body());
    if (m.find()) {
      csrf = m.group(1);
    }
    lastPage = r.body();
    return r;
  }

  /**
   * The idempotency token ({@code _idempotency}) of the last page's POST form whose action is
   * {@code action}: posting it with the form makes a repeat of the same submission harmless.
   */
  public String formToken(String action) {
    Matcher form = Pattern.compile("(?s)<form[^>]*action=\"" + Pattern.quote(action) + "\"[^>]*>(.*?)</form>").matcher(lastPage);
    while (form.find()) {
      Matcher token = Pattern.compile("name=\"_idempotency\" value=\"([^\"]+)\"").matcher(form.group(1));
      if (token.find()) {
        return token.group(1);
      }
    }
    throw new AssertionError("no form posting to " + action + " with an idempotency token on the last page");
  }

  /** A GET with extra request headers (name, value, name, value, ...), e.g. those htmx sends. */
  public HttpResponse<String> getWithHeaders(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).headers(headers).GET());
  }

  /**
   * A GET as a browser that accepts gzip makes it: the answer must be gzip-compressed (and vary by
   * {@code Accept-Encoding}) with 200; its text, inflated here, is returned (and read as {@link #get} reads a page).
   */
  public String getGzipped(String path) {
    try {
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept-Encoding", "gzip, deflate, br")
          .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), path);
      assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""), path + " not compressed");
      assertEquals("Accept-Encoding", r.headers().firstValue("Vary").orElse(""));
      String text;
      try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Matcher m = CSRF.matcher(text);
      if (m.find()) {
        csrf = m.group(1);
      }
      lastPage = text;
      return text;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A GET of a file (an export): the body as bytes. */
  public HttpResponse<byte[]> getBytes(String path) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A GET whose body is read as it arrives, e.g. server-sent events: the answer returns once its
   * headers have arrived; close its body when done.
   */
  public HttpResponse<java.io.InputStream> stream(String path) {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream")
          .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Posts a form with the CSRF token of the last page (unless the fields set {@code _csrf} themselves). */
  public HttpResponse<String> post(String path, Map<String, String> fields) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("_csrf", csrf);
    all.putAll(fields);
    all.values().removeIf(v -> v == null);
    return postRaw(path, all.entrySet().stream()
        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&")).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Posts a {@code multipart/form-data} form with one file, as a file input does, with the CSRF
   * token of the last page (unless the fields set {@code _csrf}; null leaves a field out).
   */
  public HttpResponse<String> postMultipart(String path, Map<String, String> fields, String fileField,
                                            String filename, byte[] content) {
    String boundary = "----yishi-test-" + System.nanoTime();
    Map<String, String> all = new LinkedHashMap<>();
    all.put("_csrf", csrf);
    all.putAll(fields);
    all.values().removeIf(v -> v == null);
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (Map.Entry<String, String> e : all.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n"
          + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    if (fileField != null) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
          + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(content);
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  public HttpResponse<String> postRaw(String path, byte[] body) {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Signs in through the login page and checks the redirect. */
  public Browser login(String username, String password) {
    get("/login");
    HttpResponse<String> r = post("/login", Map.of("username", username, "password", password, "back", "/"));
    assertEquals(303, r.statusCode(), "sign-in of " + username + " failed: " + r.body());
    // as a browser does: follow the redirect, whose page carries the CSRF token issued at sign-in
    get(r.headers().firstValue("Location").orElse("/"));
    return this;
  }

  public String csrf() {
    return csrf;
  }

  /** The session's cookies as a {@code Cookie} header value, for raw requests made outside this client. */
  public String cookieHeader() {
    return cookies.getCookieStore().get(URI.create(base)).stream()
        .map(c -> c.getName() + "=" + c.getValue()).collect(Collectors.joining("; "));
  }

  private HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
