package org.yishi.division;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Importing through {@code POST /api/v1/divisions/imports} on a real node: reports, refusals, limits, jobs. */
class DivisionImportApiTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  private static DivisionTestDb db;
  private static Api api;
  private static String base;
  private static String admin;
  private static JsonObject firstImport;

  @BeforeAll
  static void start() {
    String pgUrl = NODE.pgUrl();
    // the fixtures import the 白城 slice (for their stations); these tests import it themselves
    db = DivisionTestDb.attachCleared(pgUrl);
    base = node.baseUrl();
    api = new Api(base);
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    firstImport = DivisionFixtures.importAndWait(base, admin, DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV), "mode=atomic&filename=baicheng.csv");
  }

  private static JsonObject importAndWait(byte[] body, String query) {
    return DivisionFixtures.importAndWait(base, admin, body, query);
  }

  private static long jobs() throws Exception {
    return db.count("SELECT count(*) FROM division_import");
  }

  private static JsonObject firstError(JsonObject job) {
    return job.getJsonObject("report").getJsonArray("errors").getJsonObject(0);
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(code, Api.errorCode(r), r.body());
  }

  @Test
  void theShippedSliceIsImportedAndReimportingChangesNothing() throws Exception {
    assertEquals("succeeded", firstImport.getString("status"));
    assertEquals("baicheng.csv", firstImport.getString("filename"));
    assertEquals("admin", firstImport.getString("started_by"));
    assertEquals("done", firstImport.getString("phase"));
    assertEquals(firstImport.getLong("bytes_total"), firstImport.getLong("bytes_read"));
    assertEquals(1231, firstImport.getLong("rows_read"));
    JsonObject report = firstImport.getJsonObject("report");
    assertTrue(report.getBoolean("applied"));
    assertEquals(1231, report.getLong("inserted"));
    assertEquals(0, report.getLong("errors_total"));
    assertEquals(new JsonObject().put("province", 1).put("city", 1).put("county", 6).put("township", 126).put("village", 1097),
        report.getJsonObject("by_level"));
    assertTrue(db.count("SELECT count(*) FROM division WHERE code LIKE '2208%'") >= 1230);

    String before = db.checksum();
    JsonObject again = importAndWait(DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV), null);
    assertEquals("succeeded", again.getString("status"));
    assertEquals("atomic", again.getString("mode"), "atomic is the default");
    assertEquals(0, again.getJsonObject("report").getLong("inserted"));
    assertEquals(0, again.getJsonObject("report").getLong("updated"));
    assertEquals(1231, again.getJsonObject("report").getLong("unchanged"));
    JsonObject gzipped = importAndWait(DivisionFixtures.gzip(DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV)), "mode=atomic");
    assertEquals(1231, gzipped.getJsonObject("report").getLong("unchanged"), "gzip is recognised by its content");
    assertTrue(gzipped.getLong("bytes_total") < 30_000, "bytes count the upload as sent");
    assertEquals(before, db.checksum(), "re-importing writes nothing");
  }

  @Test
  void badFilesAreRefusedWithAClearReasonAndChangeNothing() throws Exception {
    String before = db.checksum();
    JsonObject header = importAndWait("code;name;level;parent_code\n220802001901,x,village,220802001000\n".getBytes(StandardCharsets.UTF_8), null);
    assertEquals("failed", header.getString("status"));
    assertFalse(header.getJsonObject("report").getBoolean("applied"));
    assertTrue(header.getJsonObject("report").getString("file_error").startsWith("wrong header 'code;name;level;parent_code'"), header.encode());

    JsonObject shortCode = importAndWait(DivisionFixtures.csv("2208020010,短码社区,village,220802001000"), null);
    assertEquals("failed", shortCode.getString("status"));
    assertEquals(2, firstError(shortCode).getLong("line"));
    assertEquals("code '2208020010' is not 12 digits", firstError(shortCode).getString("reason"));

    JsonObject orphan = importAndWait(DivisionFixtures.csv("229901000000,无父县,county,229900000000"), null);
    assertEquals("failed", orphan.getString("status"));
    assertEquals("parent 229900000000 is not in the file nor in the database", firstError(orphan).getString("reason"));

    ByteArrayOutputStream badUtf8 = new ByteArrayOutputStream();
    badUtf8.writeBytes("code,name,level,parent_code\n220802001901,".getBytes(StandardCharsets.UTF_8));
    badUtf8.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe});
    badUtf8.writeBytes("社区,village,220802001000\n".getBytes(StandardCharsets.UTF_8));
    JsonObject utf8 = importAndWait(badUtf8.toByteArray(), null);
    assertEquals("failed", utf8.getString("status"));
    assertTrue(firstError(utf8).getString("reason").startsWith("invalid UTF-8"), utf8.encode());

    byte[] gzip = DivisionFixtures.gzip(DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    JsonObject truncated = importAndWait(Arrays.copyOf(gzip, gzip.length / 2), null);
    assertTrue(truncated.getJsonObject("report").getString("file_error").startsWith("the gzip data is truncated or corrupt"), truncated.encode());

    JsonObject empty = importAndWait(new byte[0], null);
    assertEquals("failed", empty.getString("status"));
    assertTrue(empty.getJsonObject("report").getString("file_error").startsWith("the file is empty"), empty.encode());
    assertEquals(before, db.checksum(), "the previous data is intact");
  }

  @Test
  void aFiftyMegabyteBodyIsRefusedWith413AndLeavesNothing() throws Exception {
    String before = db.checksum();
    long jobsBefore = jobs();
    byte[] big = new byte[50 * 1024 * 1024];
    Arrays.fill(big, (byte) 'x');
    // with a length: refused before reading (the rest is drained so the client reads the answer);
    // curl's Expect: 100-continue path is exercised by ImportScriptTest (the JDK client mishandles it)
    HttpResponse<String> sized = Http.send(Http.request(base + "/api/v1/divisions/imports").timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
    assertError(sized, 413, "too_large");
    assertTrue(Http.json(sized).getJsonObject("error").getString("message").contains("YISHI_IMPORT_MAX_BYTES"));
    // without a length (chunked): counted as it arrives, refused once past the limit
    HttpResponse<String> chunked = Http.send(Http.request(base + "/api/v1/divisions/imports").timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + admin)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build());
    assertError(chunked, 413, "too_large");
    assertEquals(jobsBefore, jobs(), "no job recorded");
    assertEquals(before, db.checksum());
    DivisionFixtures.assertSpoolEmpty(node);
  }

  @Test
  void atomicRefusesAFileWithABadRowWhileSkipInvalidAppliesTheGoodRows() throws Exception {
    byte[] mixed = DivisionFixtures.csv(
        "220802001901,新一社区,village,220802001000",
        "220802001902,新二社区,village,220802001000",
        "220802001903,坏社区,hamlet,220802001000");
    String before = db.checksum();
    JsonObject atomic = importAndWait(mixed, "mode=atomic");
    assertEquals("failed", atomic.getString("status"));
    JsonObject refused = atomic.getJsonObject("report");
    assertFalse(refused.getBoolean("applied"));
    assertEquals(1, refused.getLong("errors_total"));
    assertEquals(4, firstError(atomic).getLong("line"));
    assertEquals(2, refused.getJsonObject("by_level").getLong("village"), "what would have been applied");
    assertEquals(before, db.checksum(), "atomic: nothing applied");

    JsonObject skip = importAndWait(mixed, "mode=skip-invalid");
    assertEquals("succeeded", skip.getString("status"));
    assertEquals("skip_invalid", skip.getString("mode"));
    assertEquals(2, skip.getJsonObject("report").getLong("inserted"));
    assertEquals(1, skip.getJsonObject("report").getLong("errors_total"));
    assertEquals(2, db.count("SELECT count(*) FROM division WHERE code IN ('220802001901', '220802001902')"));
    assertEquals(0, db.count("SELECT count(*) FROM division WHERE code = '220802001903'"));
    JsonObject alias = importAndWait(mixed, "mode=skip_invalid");
    assertEquals(2, alias.getJsonObject("report").getLong("unchanged"));
  }

  @Test
  void onlyAdminsImportAndBadParametersAreRefusedBeforeTheUpload() throws Exception {
    long jobsBefore = jobs();
    byte[] slice = DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV);
    for (String caller : List.of("city", "d1", "c1")) {
      assertError(DivisionFixtures.upload(base, api.token(caller, AccountFixtures.PASSWORD), slice, null), 403, "forbidden");
    }
    assertError(DivisionFixtures.upload(base, null, slice, null), 401, "unauthorized");
    assertError(DivisionFixtures.upload(base, null, new byte[3 * 1024 * 1024], null), 401, "unauthorized");
    HttpResponse<String> mode = DivisionFixtures.upload(base, admin, slice, "mode=maybe");
    assertError(mode, 422, "invalid");
    assertTrue(Http.json(mode).getJsonObject("error").getJsonObject("fields").containsKey("mode"));
    assertError(DivisionFixtures.upload(base, admin, slice, "filename=a%01b.csv"), 422, "invalid");
    assertEquals(jobsBefore, jobs(), "no job recorded");
    DivisionFixtures.assertSpoolEmpty(node);
    assertError(api.get("/api/v1/divisions/imports", api.token("city", AccountFixtures.PASSWORD)), 403, "forbidden");
    assertError(api.get("/api/v1/divisions/imports/1", api.token("d1", AccountFixtures.PASSWORD)), 403, "forbidden");
    assertError(api.get("/api/v1/divisions/imports/999999", admin), 404, "not_found");
    assertError(api.get("/api/v1/divisions/imports/abc", admin), 404, "not_found");
  }

  @Test
  void theUploadRouteReadsItsOwnBodyWhateverTheSpellingOfItsPath() {
    // the node's 1 MB body handler must not take the body first (a trailing slash routes the same)
    byte[] padded = new byte[2 * 1024 * 1024];
    byte[] slice = DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV);
    System.arraycopy(slice, 0, padded, 0, slice.length);
    Arrays.fill(padded, slice.length, padded.length, (byte) '\n');
    HttpResponse<String> r = Http.send(Http.request(base + "/api/v1/divisions/imports/").header("Authorization", "Bearer " + admin)
        .POST(HttpRequest.BodyPublishers.ofByteArray(padded)).build());
    assertEquals(202, r.statusCode(), r.body());
    JsonObject job = DivisionFixtures.await(base, admin, Http.json(r).getLong("id"));
    assertEquals("succeeded", job.getString("status"), job.encode());
    assertEquals(padded.length, job.getLong("bytes_total"));
    // while the limit still holds elsewhere
    assertError(api.callBytes("POST", "/api/v1/users", admin, new byte[2 * 1024 * 1024]), 413, "too_large");
  }

  @Test
  void aJobWhoseNodeStoppedIsFailedWhenRead() throws Exception {
    long stale;
    long alive;
    try (var c = db.jdbc(); var st = c.createStatement()) {
      var rs = st.executeQuery("""
          INSERT INTO division_import (status, mode, filename, started_by, started_at, updated_at, phase, bytes_total, bytes_read, rows_read)
          VALUES ('running', 'atomic', 'lost.csv', 'admin', now() - interval '10 minutes', now() - interval '3 minutes', 'reading', 1000, 500, 10)
          RETURNING id""");
      rs.next();
      stale = rs.getLong(1);
      rs = st.executeQuery("""
          INSERT INTO division_import (status, mode, filename, started_by, phase, bytes_total, bytes_read, rows_read)
          VALUES ('running', 'atomic', 'busy.csv', 'admin', 'merging', 1000, 1000, 20) RETURNING id""");
      rs.next();
      alive = rs.getLong(1);
    }
    JsonObject lost = Http.json(api.get("/api/v1/divisions/imports/" + stale, admin));
    assertEquals("failed", lost.getString("status"));
    assertTrue(lost.getString("failure").contains("no update for more than 2 minutes"), lost.encode());
    assertNotNull(lost.getString("finished_at"));
    assertEquals(500, lost.getLong("bytes_read"), "the last progress stays visible");
    JsonObject busy = Http.json(api.get("/api/v1/divisions/imports/" + alive, admin));
    assertEquals("running", busy.getString("status"), "a job that moves recently is left alone");
    db.execute("UPDATE division_import SET status = 'failed', failure = 'test over' WHERE id = " + alive);
    String text = api.call("GET", "/api/v1/divisions/imports/" + stale, admin, null).body();
    assertTrue(text.contains("\"status\":\"failed\""));
  }

  @Test
  void recentJobsAreListedNewestFirstWithoutTheirErrorLists() {
    importAndWait(DivisionFixtures.csv("2208020010,短码社区,village,220802001000"), "filename=short.csv");
    JsonObject list = Http.json(api.get("/api/v1/divisions/imports", admin));
    var items = list.getJsonArray("items");
    assertTrue(items.size() >= 2 && items.size() <= 20);
    assertEquals("short.csv", items.getJsonObject(0).getString("filename"));
    for (int i = 1; i < items.size(); i++) {
      assertTrue(items.getJsonObject(i - 1).getString("started_at").compareTo(items.getJsonObject(i).getString("started_at")) >= 0,
          "newest first: " + items.encode());
    }
    JsonObject summary = items.getJsonObject(0).getJsonObject("report");
    assertEquals(1, summary.getLong("errors_total"));
    assertFalse(summary.containsKey("errors"));
    assertFalse(summary.containsKey("quirks"));
  }

  @Test
  void theTextReportIsReadableAndCannotDriveATerminal() {
    byte[] nasty = DivisionFixtures.csv("220802001901,社区,\u001b[31mred\u001b[0m,220802001000", "2208020010,短码社区,village,220802001000");
    JsonObject job = importAndWait(nasty, "filename=nasty.csv");
    HttpResponse<String> r = Http.send(Http.request(base + "/api/v1/divisions/imports/" + job.getLong("id"))
        .header("Authorization", "Bearer " + admin).header("Accept", "text/plain").GET().build());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = r.body();
    assertTrue(text.startsWith("Import " + job.getLong("id") + ": failed (mode atomic)"), text);
    assertTrue(text.contains("Applied: no, nothing was changed"), text);
    assertTrue(text.contains("Bad rows: 2"), text);
    assertTrue(text.contains("line 3: code '2208020010' is not 12 digits"), text);
    assertTrue(text.contains("\\u001B[31mred"), text);
    assertFalse(text.contains("\u001b"), "no raw escape character");
  }

  @Test
  void theLimitIsASettingWithTheContractsDefault() {
    assertEquals(41_943_040L, AppConfig.from(new JsonObject(), Map.of()).importMaxBytes());
    assertEquals(1_048_576L, AppConfig.from(new JsonObject(), Map.of("YISHI_IMPORT_MAX_BYTES", "1048576")).importMaxBytes());
    assertEquals(2048L, AppConfig.from(new JsonObject().put("imports", new JsonObject().put("maxBytes", 2048)), Map.of()).importMaxBytes());
    ConfigException bad = assertThrows(ConfigException.class,
        () -> AppConfig.from(new JsonObject(), Map.of("YISHI_IMPORT_MAX_BYTES", "40MB")));
    assertTrue(bad.getMessage().startsWith("YISHI_IMPORT_MAX_BYTES (imports.maxBytes)"), bad.getMessage());
    assertEquals(41_943_040L, node.app().config().importMaxBytes());
  }

  @Test
  void aQuoteThatNeverClosesIsReportedOnItsLineAndTheLinesAfterItAreStillRead() throws Exception {
    String before = db.checksum();
    JsonObject job = importAndWait(DivisionFixtures.csv(
        "220802001901,新一社区,village,220802001000",
        "220802001902,\"新二社区,village,220802001000",
        "220802001903,新三社区,village,220802001000"), "mode=atomic");
    assertEquals("failed", job.getString("status"), job.encode());
    JsonObject report = job.getJsonObject("report");
    assertFalse(report.getBoolean("applied"));
    assertEquals(1, report.getLong("errors_total"), job.encode());
    assertEquals(3, firstError(job).getLong("line"), "the header is line 1: " + job.encode());
    assertTrue(firstError(job).encode().contains("not closed"), job.encode());
    assertEquals(2, report.getJsonObject("by_level").getLong("village"), "the lines after it were read: " + job.encode());
    assertEquals(before, db.checksum(), "atomic: nothing applied");
  }
}
