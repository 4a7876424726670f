package org.yishi.division;

import io.vertx.core.json.JsonObject;
import org.yishi.app.Node;
import org.yishi.support.Api;
import org.yishi.support.Http;
import org.yishi.support.TestNodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Division data for tests of this feature and of others: the shipped 白城 slice, imported through the API. */
public final class DivisionFixtures {
  public static final String BAICHENG_CSV = "/divisions/baicheng.csv";
  public static final String BAICHENG = "220800000000";
  public static final String TAOBEI = "220802000000";

  private DivisionFixtures() {
  }

  /** Imports the shipped 白城 slice through the API as admin and returns the finished job's id. */
  public static long importBaicheng(Node node) {
    Api api = new Api(node.baseUrl());
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> r = upload(node.baseUrl(), admin, DivisionTestDb.resource(BAICHENG_CSV), "mode=atomic");
    assertEquals(202, r.statusCode(), r.body());
    JsonObject job = await(node.baseUrl(), admin, Http.json(r).getLong("id"));
    assertEquals("succeeded", job.getString("status"), job.encode());
    return job.getLong("id");
  }

  /** {@code POST /api/v1/divisions/imports?query} with the bytes as the raw body. */
  static HttpResponse<String> upload(String base, String token, byte[] body, String query) {
    HttpRequest.Builder b = Http.request(base + "/api/v1/divisions/imports" + (query == null ? "" : "?" + query))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return Http.send(b.build());
  }

  /** Polls the job until it has finished (at most 60 s) and returns it. */
  static JsonObject await(String base, String token, long id) {
    Api api = new Api(base);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = api.get("/api/v1/divisions/imports/" + id, token);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject job = Http.json(r);
      if ("succeeded".equals(job.getString("status")) || "failed".equals(job.getString("status"))) {
        return job;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("import " + id + " did not finish within 60 s");
  }

  /** Uploads, checks the 202 answer, waits for the job and returns it. */
  static JsonObject importAndWait(String base, String token, byte[] body, String query) {
    HttpResponse<String> r = upload(base, token, body, query);
    assertEquals(202, r.statusCode(), r.body());
    long id = Http.json(r).getLong("id");
    assertTrue(r.headers().firstValue("Location").orElse("").endsWith("/api/v1/divisions/imports/" + id));
    return await(base, token, id);
  }

  /** Waits (up to 5 s) until the node's import spool is empty: an import leaves no file behind. */
  static void assertSpoolEmpty(Node node) throws Exception {
    java.nio.file.Path spool = node.app().config().dataDir().resolve("imports");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    java.util.List<java.nio.file.Path> left;
    do {
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.exists(spool)
          ? java.nio.file.Files.list(spool) : java.util.stream.Stream.empty()) {
        left = files.toList();
      }
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("files left in " + spool + ": " + left);
  }

  static byte[] csv(String... lines) {
    return (DivisionImporter.HEADER + "\n" + String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
