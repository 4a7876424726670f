package org.yishi.meeting;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestPostgres;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Photos and minutes files: type by content, size limit, safe storage and names, download, jurisdiction. */
class AttachmentTest {
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1};
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13};
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static Api api;
  private static long meeting;
  private static Path dataDir;

  @BeforeAll
  static void start() {
    dataDir = Path.of(NODE.envOf(0).get("YISHI_DATA_DIR"));
    AccountFixtures f = NODE.fixtures();
    long topic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "照片");
    OffsetDateTime start = OffsetDateTime.now().plusDays(2).withNano(0);
    meeting = node.services().meetings().schedule(node.accounts().store().byUsername("admin").await().principal(),
        new MeetingService.MeetingInput(topic, start, start.plusHours(1), "会议室", "on_site", null, "forum", null, null,
            List.of(), List.of())).await().getLong("id");
  }

  private static HttpResponse<String> upload(String token, String name, byte[] body) {
    return api.callBytes("POST", "/api/v1/attachments?meetingId=" + meeting + "&name=" + name, token, body);
  }

  private static long rows() throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM attachment")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void typesAreDecidedByContentAndNamesNeverReachTheFileSystem() throws Exception {
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    HttpResponse<String> jpeg = upload(c1, "..%2F..%2Fetc%2Fpasswd", JPEG);
    assertEquals(201, jpeg.statusCode(), jpeg.body());
    JsonObject stored = Http.json(jpeg);
    assertEquals("image/jpeg", stored.getString("contentType"));
    assertEquals("passwd", stored.getString("filename"), "only the last segment is kept, for display");
    String sha = stored.getString("sha256");
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery(
        "SELECT size_bytes FROM file_content WHERE sha256 = '" + sha + "'")) {
      assertTrue(rs.next(), "stored in the database by content hash");
      assertEquals(JPEG.length, rs.getLong(1));
    }
    try (Stream<Path> all = Files.walk(dataDir)) {
      assertTrue(all.noneMatch(p -> p.getFileName().toString().equals("passwd")), "the uploaded name is never a path");
    }
    assertEquals(201, upload(c1, "photo.png", PNG).statusCode());
    assertEquals(201, upload(c1, "minutes.pdf", "%PDF-1.7\n...".getBytes()).statusCode());
    long before = rows();
    HttpResponse<String> html = upload(c1, "photo.jpg", "<html><script>alert(1)</script>".getBytes());
    assertEquals(415, html.statusCode(), "a page disguised as a photo");
    assertEquals("unsupported_media_type", Api.errorCode(html));
    assertEquals(415, upload(c1, "a.exe", new byte[] {'M', 'Z', 0, 0}).statusCode());
    assertEquals(422, upload(c1, "empty.jpg", new byte[0]).statusCode());
    byte[] big = Arrays.copyOf(JPEG, 11 * 1024 * 1024);
    assertEquals(413, upload(c1, "big.jpg", big).statusCode());
    assertEquals(403, upload(api.token("d2", AccountFixtures.PASSWORD), "x.jpg", JPEG).statusCode(), "another district");
    assertEquals(404, api.callBytes("POST", "/api/v1/attachments?meetingId=999999", c1, JPEG).statusCode());
    assertEquals(before, rows(), "nothing stored for refused uploads");
    try (Stream<Path> parts = Files.exists(dataDir.resolve("uploads")) ? Files.list(dataDir.resolve("uploads")) : Stream.empty()) {
      assertEquals(0, parts.count(), "no temporary files left behind");
    }
  }

  @Test
  void filesDownloadAsAttachmentsAndUploadFromThePage() throws Exception {
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    long id = Http.json(upload(d1, "现场照片.png", PNG)).getLong("id");
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String page = b.get("/meetings/" + meeting + "/record").body();
    assertTrue(page.contains("现场照片.png") && page.contains("enctype=\"multipart/form-data\""));
    HttpResponse<String> posted = b.postMultipart("/meetings/attachments?meeting=" + meeting, Map.of(), "file", "纪要.pdf",
        "%PDF-1.4 纪要".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(303, posted.statusCode(), posted.body());
    assertTrue(b.get("/meetings/" + meeting + "/record").body().contains("纪要.pdf"));

    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<byte[]> anonymous = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/meetings/" + meeting
        + "/attachments/" + id)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(303, anonymous.statusCode(), "sign-in required");
    HttpResponse<String> download = b.get("/meetings/" + meeting + "/attachments/" + id);
    assertEquals(200, download.statusCode());
    assertEquals("image/png", download.headers().firstValue("Content-Type").orElse(""));
    assertTrue(download.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment;"));
    assertEquals("nosniff", download.headers().firstValue("X-Content-Type-Options").orElse(""));
    HttpResponse<byte[]> bytes = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/meetings/" + meeting
        + "/attachments")).header("Authorization", "Bearer " + d1).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, bytes.statusCode());
    assertTrue(new String(bytes.body(), java.nio.charset.StandardCharsets.UTF_8).contains("现场照片.png"), "listed");
    HttpResponse<byte[]> stored = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/meetings/" + meeting
        + "/attachments/" + id)).header("Authorization", "Bearer " + d1).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, stored.statusCode());
    assertArrayEquals(PNG, stored.body(), "the stored bytes are the uploaded bytes");
  }

  @Test
  void filesKeptOnDiskByEarlierReleasesAreMovedIntoTheDatabase() throws Exception {
    byte[] old = Arrays.copyOf(PNG, 700_000); // three chunks
    old[699_999] = 42;
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(old));
    String absent = "ab".repeat(32);
    Path files = dataDir.resolve("files");
    Files.createDirectories(files.resolve(sha.substring(0, 2)));
    Files.write(files.resolve(sha.substring(0, 2)).resolve(sha), old);
    long id;
    try (Connection c = TestPostgres.jdbc(pgUrl); var st = c.createStatement()) {
      // rows as the previous release wrote them: the bytes only on one node's disk
      try (ResultSet rs = st.executeQuery("INSERT INTO attachment (meeting_id, filename, content_type, size_bytes, sha256, uploaded_by)"
          + " SELECT " + meeting + ", '旧照片.png', 'image/png', " + old.length + ", '" + sha + "', id FROM account WHERE username = 'admin'"
          + " RETURNING id")) {
        rs.next();
        id = rs.getLong(1);
      }
      st.execute("INSERT INTO attachment (meeting_id, filename, content_type, size_bytes, sha256, uploaded_by)"
          + " SELECT " + meeting + ", 'lost.png', 'image/png', 10, '" + absent + "', id FROM account WHERE username = 'admin'");
      AttachmentFiles.Report report = AttachmentFiles.moveIn(c, files);
      assertEquals(1, report.moved(), report.toString());
      assertEquals(List.of(absent), report.notHere(), "a file no node has is reported, not invented");
      assertEquals(0, AttachmentFiles.moveIn(c, files).moved(), "idempotent: a second run moves nothing");
      st.execute("DELETE FROM attachment WHERE sha256 = '" + absent + "'");
    }
    Files.delete(files.resolve(sha.substring(0, 2)).resolve(sha)); // the node's disk is gone: the database has the bytes
    HttpResponse<byte[]> down = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/meetings/"
        + meeting + "/attachments/" + id)).header("Authorization", "Bearer " + api.token("d1", AccountFixtures.PASSWORD)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, down.statusCode());
    assertArrayEquals(old, down.body());
  }
}
