package org.yishi.meeting;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attachments live in PostgreSQL: a file uploaded through one node downloads byte-identical through
 * the other, also once the first node is gone with its disk; the per-meeting limit holds under
 * concurrent uploads spread over both nodes; downloads for API clients resume (Range, ETag); refused
 * and broken uploads leave nothing behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttachmentClusterTest {
  private static final byte[] PNG_HEAD = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  // a short idle timeout, so that a client stalled mid-upload is cut off within the test (not shorter: on
  // a loaded 2-core machine a working upload can be silent for seconds, and was cut off at 3 s)
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env("YISHI_HTTP_IDLE_TIMEOUT_SECONDS", "8");
  /** The running members; the last test closes the first one and takes it out (closing twice is harmless). */
  private static final List<Node> NODES = new ArrayList<>();
  private static final List<Path> DATA = new ArrayList<>();
  @FromNode private static Sql db;
  @FromNode private static AccountFixtures f;
  private static String token;
  private static long topic;
  private static long meeting;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    NODES.addAll(NODE.nodes());
    for (int i = 0; i < NODES.size(); i++) {
      DATA.add(Path.of(NODE.envOf(i).get("YISHI_DATA_DIR")));
    }
    token = new Api(NODES.get(0).baseUrl()).token("c1", AccountFixtures.PASSWORD);
    topic = AccountFixtures.approvedTopic(NODES.get(0), f.stations.get(AccountFixtures.HAIMING), "照片存库");
    meeting = schedule(2);
  }

  private static long schedule(int daysAhead) {
    OffsetDateTime start = OffsetDateTime.now().plusDays(daysAhead).withNano(0);
    Node n = NODES.get(NODES.size() - 1);
    return n.services().meetings().schedule(n.accounts().store().byUsername("admin").await().principal(),
        new MeetingService.MeetingInput(topic, start, start.plusHours(1), "会议室", "on_site", null, "forum", null, null,
            List.of(), List.of())).await().getLong("id");
  }

  private static byte[] png(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    System.arraycopy(PNG_HEAD, 0, b, 0, PNG_HEAD.length);
    return b;
  }

  private static HttpResponse<String> upload(int node, long meetingId, String name, byte[] body) {
    return new Api(NODES.get(node).baseUrl()).callBytes("POST", "/api/v1/attachments?meetingId=" + meetingId + "&name="
        + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8), token, body);
  }

  private static HttpResponse<byte[]> download(int node, long meetingId, long file, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(NODES.get(node).baseUrl() + "/api/v1/meetings/" + meetingId
        + "/attachments/" + file)).header("Authorization", "Bearer " + token);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static long fileId;
  private static byte[] photo;

  @Test
  @Order(1)
  void uploadedThroughOneNodeDownloadsByteIdenticalThroughTheOther() throws Exception {
    photo = png(1_300_000, 1); // five chunks, the last one short
    HttpResponse<String> up = upload(0, meeting, "现场 照片\"1\".png", photo);
    assertEquals(201, up.statusCode(), up.body());
    fileId = Http.json(up).getLong("id");
    assertEquals("/api/v1/meetings/" + meeting + "/attachments/" + fileId, up.headers().firstValue("Location").orElse(""));
    assertEquals(5, db.count("SELECT count(*) FROM file_chunk WHERE sha256 = '" + sha256(photo) + "'"), "stored in chunks");
    String sha = sha256(photo);
    try (Stream<Path> files = Files.walk(DATA.get(0))) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().equals(sha)), "no copy on the node's disk");
    }

    HttpResponse<byte[]> down = download(1, meeting, fileId);
    assertEquals(200, down.statusCode());
    assertArrayEquals(photo, down.body(), "byte-identical through the other node");
    assertEquals("image/png", down.headers().firstValue("Content-Type").orElse(""));
    assertEquals("\"" + sha256(photo) + "\"", down.headers().firstValue("ETag").orElse(""));
    assertEquals("bytes", down.headers().firstValue("Accept-Ranges").orElse(""));
    assertEquals("attachment; filename=\"__ __1.png\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%871.png",
        down.headers().firstValue("Content-Disposition").orElse(""), "an ASCII fallback name and the UTF-8 name (quotes dropped)");
  }

  @Test
  @Order(2)
  void downloadsResumeAndRevalidate() throws Exception {
    String etag = "\"" + sha256(photo) + "\"";
    HttpResponse<byte[]> part = download(1, meeting, fileId, "Range", "bytes=262000-786500");
    assertEquals(206, part.statusCode());
    assertArrayEquals(Arrays.copyOfRange(photo, 262000, 786501), part.body(), "a range across chunk boundaries");
    assertEquals("bytes 262000-786500/" + photo.length, part.headers().firstValue("Content-Range").orElse(""));
    HttpResponse<byte[]> tail = download(0, meeting, fileId, "Range", "bytes=1299000-");
    assertEquals(206, tail.statusCode());
    assertArrayEquals(Arrays.copyOfRange(photo, 1299000, photo.length), tail.body(), "resume from an offset to the end");
    HttpResponse<byte[]> last = download(0, meeting, fileId, "Range", "bytes=-10");
    assertArrayEquals(Arrays.copyOfRange(photo, photo.length - 10, photo.length), last.body(), "the last ten bytes");
    HttpResponse<byte[]> beyond = download(0, meeting, fileId, "Range", "bytes=2000000-");
    assertEquals(416, beyond.statusCode());
    assertEquals("bytes */" + photo.length, beyond.headers().firstValue("Content-Range").orElse(""));
    assertEquals(304, download(1, meeting, fileId, "If-None-Match", etag).statusCode());
    HttpResponse<byte[]> changed = download(1, meeting, fileId, "Range", "bytes=0-9", "If-Range", "\"not-this-one\"");
    assertEquals(200, changed.statusCode(), "If-Range that no longer matches: the whole file");
    assertArrayEquals(photo, changed.body());
    HttpResponse<byte[]> several = download(1, meeting, fileId, "Range", "bytes=0-1,5-6");
    assertEquals(200, several.statusCode(), "several ranges are not served: the whole file");
  }

  @Test
  @Order(3)
  void theLimitPerMeetingHoldsUnderConcurrentUploadsOnBothNodes() throws Exception {
    long m = schedule(3);
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int node = i % 2;
      byte[] body = png(20_000 + i, 100 + i);
      calls.add(CompletableFuture.supplyAsync(() -> upload(node, m, "p" + node + ".png", body).statusCode()));
    }
    List<Integer> codes = calls.stream().map(CompletableFuture::join).toList();
    assertEquals(AttachmentService.MAX_PER_MEETING, codes.stream().filter(c -> c == 201).count(), codes.toString());
    assertEquals(40 - AttachmentService.MAX_PER_MEETING, codes.stream().filter(c -> c == 409).count(), codes.toString());
    assertEquals(AttachmentService.MAX_PER_MEETING, db.count("SELECT count(*) FROM attachment WHERE meeting_id = " + m));
    assertEquals(0, db.count("SELECT count(*) FROM file_content f WHERE NOT EXISTS (SELECT 1 FROM attachment a WHERE a.sha256 = f.sha256)"),
        "refused uploads left no content behind");
    assertEquals(409, upload(1, m, "31.png", png(1000, 7)).statusCode(), "the 31st on either node");
  }

  @Test
  @Order(4)
  void refusedAndBrokenUploadsLeaveNothingBehind() throws Exception {
    long contents = db.count("SELECT count(*) FROM file_content");
    long chunks = db.count("SELECT count(*) FROM file_chunk");
    long rows = db.count("SELECT count(*) FROM attachment");
    byte[] lie = "<svg onload=alert(1)>".getBytes(StandardCharsets.UTF_8);
    assertEquals(415, upload(0, meeting, "photo.png", lie).statusCode(), "magic bytes that lie");
    byte[] tooBig = png((int) AttachmentService.MAX_BYTES + 1, 3);
    assertEquals(413, upload(1, meeting, "big.png", tooBig).statusCode(), "10 MB + 1 byte");
    assertEquals(404, download(1, schedule(4), fileId).statusCode(), "another meeting's file id");
    assertEquals(404, download(1, meeting, 99_999_999).statusCode());
    HttpResponse<String> notAnId = new Api(NODES.get(0).baseUrl()).callBytes("POST", "/api/v1/attachments?meetingId=abc", token, png(1000, 5));
    assertEquals(422, notAnId.statusCode(), "a meeting that is not an id is named");
    assertTrue(Http.json(notAnId).getJsonObject("error").getJsonObject("fields").containsKey("meetingId"), notAnId.body());
    assertEquals(422, new Api(NODES.get(0).baseUrl()).callBytes("POST", "/api/v1/attachments", token, png(1000, 5)).statusCode(),
        "no meeting named");
    String otherDistrict = new Api(NODES.get(0).baseUrl()).token("d2", AccountFixtures.PASSWORD);
    HttpResponse<String> foreign = new Api(NODES.get(1).baseUrl()).callBytes("POST", "/api/v1/attachments?meetingId=" + meeting,
        otherDistrict, png(1000, 9));
    assertEquals(403, foreign.statusCode(), "an upload to a meeting of another district");
    HttpResponse<byte[]> foreignDownload = CLIENT.send(HttpRequest.newBuilder(URI.create(NODES.get(1).baseUrl()
        + "/api/v1/meetings/" + meeting + "/attachments/" + fileId)).header("Authorization", "Bearer " + otherDistrict).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(403, foreignDownload.statusCode(), "a download from a meeting of another district");

    // a truncated upload: the client announces 400,000 bytes, sends 100,000 and goes away
    URI base = URI.create(NODES.get(0).baseUrl());
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/attachments?meetingId=" + meeting + "&name=cut.png HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + token + "\r\nContent-Type: image/png\r\nContent-Length: 400000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(png(100_000, 11));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      in.readAllBytes(); // the server answers (or closes) without storing anything
    }
    // the node deletes the partial file once its worker threads have closed it (slow on a loaded machine); its
    // worker may also open the file only after the answer, so "gone" means none seen for 2 s running
    int quiet = 0;
    for (int i = 0; i < 600 && quiet < 20; i++) {
      quiet = noParts(DATA.get(0)) ? quiet + 1 : 0;
      Thread.sleep(100);
    }
    assertTrue(quiet >= 20 && noParts(DATA.get(0)), "the truncated upload's temporary file is gone: " + parts(DATA.get(0)));
    assertEquals(contents, db.count("SELECT count(*) FROM file_content"), "no content stored");
    assertEquals(chunks, db.count("SELECT count(*) FROM file_chunk"), "no chunk stored");
    assertEquals(rows, db.count("SELECT count(*) FROM attachment"), "no attachment row");
  }

  @Test
  @Order(4)
  void aClientThatStallsMidUploadIsCutOffAndNothingIsKept() throws Exception {
    long contents = db.count("SELECT count(*) FROM file_content");
    long rows = db.count("SELECT count(*) FROM attachment");
    URI base = URI.create(NODES.get(1).baseUrl());
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/attachments?meetingId=" + meeting + "&name=stalled.png HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + token + "\r\nContent-Type: image/png\r\nContent-Length: 400000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(png(100_000, 13));
      out.flush();
      // then nothing more: the node closes the connection after its idle timeout (8 s here)
      assertEquals(-1, s.getInputStream().read(), "the stalled connection is closed by the node");
    }
    for (int i = 0; i < 300 && !noParts(DATA.get(1)); i++) {
      Thread.sleep(100);
    }
    assertTrue(noParts(DATA.get(1)), "the stalled upload's temporary file is gone: " + parts(DATA.get(1)));
    assertEquals(contents, db.count("SELECT count(*) FROM file_content"), "no content stored");
    assertEquals(rows, db.count("SELECT count(*) FROM attachment"), "no attachment row");
  }

  /** What is left in the node's spool directory, with sizes and ages, for the failure message. */
  private static String parts(Path dataDir) throws Exception {
    Path uploads = dataDir.resolve("uploads");
    if (!Files.exists(uploads)) {
      return "[]";
    }
    try (Stream<Path> parts = Files.list(uploads)) {
      long now = System.currentTimeMillis();
      return parts.map(p -> {
        try {
          return p.getFileName() + " (" + Files.size(p) + " bytes, modified "
              + (now - Files.getLastModifiedTime(p).toMillis()) + " ms ago)";
        } catch (java.io.IOException e) {
          return p.getFileName() + " (" + e + ")";
        }
      }).toList().toString();
    }
  }

  private static boolean noParts(Path dataDir) throws Exception {
    Path uploads = dataDir.resolve("uploads");
    if (!Files.exists(uploads)) {
      return true;
    }
    try (Stream<Path> parts = Files.list(uploads)) {
      return parts.findAny().isEmpty();
    }
  }

  @Test
  @Order(5)
  void filesOutliveTheNodeThatReceivedThemAndItsDisk() throws Exception {
    NODES.get(0).close();
    try (Stream<Path> walk = Files.walk(DATA.get(0))) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    NODES.remove(0);
    DATA.remove(0);
    HttpResponse<byte[]> down = download(0, meeting, fileId);
    assertEquals(200, down.statusCode());
    assertArrayEquals(photo, down.body(), "served by the remaining node after the first and its disk are gone");
    JsonObject listed = Http.json(new Api(NODES.get(0).baseUrl()).get("/api/v1/meetings/" + meeting + "/attachments", token))
        .getJsonArray("items").getJsonObject(0);
    assertEquals(sha256(photo), listed.getString("sha256"));
  }
}
