package org.yishi.division;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.division.Page;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reactive reads over the real 白城 slice plus the quirk file, and the import job table. */
class DivisionStoreTest {
  private static DivisionTestDb db;
  private static Vertx vertx;
  private static DivisionStore store;

  @BeforeAll
  static void setUp() throws Exception {
    db = DivisionTestDb.create();
    DivisionImporter importer = new DivisionImporter(db.database::openJdbc);
    for (String file : List.of("/divisions/baicheng.csv", "/division/quirks.csv")) {
      DivisionImportReport report = importer.importCsv(new ByteArrayInputStream(DivisionTestDb.resource(file)),
          DivisionImportMode.ATOMIC, DivisionImportProgress.NONE);
      assertTrue(report.applied(), file);
    }
    // a name with LIKE wildcards, to prove they are matched literally
    importer.importCsv(new ByteArrayInputStream(("code,name,level,parent_code\n"
            + "220802001901,百分之百_100%社区,village,220802001000\n").getBytes(StandardCharsets.UTF_8)),
        DivisionImportMode.ATOMIC, DivisionImportProgress.NONE);
    vertx = Vertx.vertx();
    Pool pool = db.database.createPool(vertx);
    store = new DivisionStore(pool);
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  private static List<String> codes(Page<Division> page) {
    return page.items().stream().map(Division::code).toList();
  }

  /** The store refuses impossible arguments before touching the database: the future has already failed. */
  private static AppException failure(Future<?> future) {
    assertTrue(future.failed(), "expected a failed future");
    return assertInstanceOf(AppException.class, future.cause());
  }

  @Test
  void findsOneUnitByCode() {
    Division taobei = store.find("220802000000").await().orElseThrow();
    assertEquals(new Division("220802000000", "洮北区", DivisionLevel.COUNTY, "220800000000"), taobei);
    assertEquals(new JsonObject().put("code", "220802000000").put("name", "洮北区").put("level", "county")
        .put("parent_code", "220800000000"), taobei.toJson());
    assertTrue(store.find("229999000000").await().isEmpty());
    assertTrue(store.find("'; --").await().isEmpty());
    assertTrue(store.exists("220800000000").await());
    assertFalse(store.exists("229999000000").await());
    assertFalse(store.exists("2208").await());
  }

  @Test
  void childrenArePagedInCodeOrderWithTheTotal() {
    Page<Division> first = store.children("220800000000", 4, 0).await();
    assertEquals(6, first.total());
    assertEquals(List.of("220802000000", "220821000000", "220822000000", "220871000000"), codes(first));
    Page<Division> second = store.children("220800000000", 4, 4).await();
    assertEquals(List.of("220881000000", "220882000000"), codes(second));
    assertEquals(6, second.total());
    assertEquals(List.of(), store.children("220800000000", 4, 8).await().items());
    assertEquals(6, store.children("220800000000", 4, 8).await().total());

    Page<Division> provinces = store.children(null, 10, 0).await();
    assertEquals(List.of("220000000000", "350000000000", "440000000000", "460000000000"), codes(provinces));

    // 东莞市 has no counties: its townships hang directly below the city
    Page<Division> dongguan = store.children("441900000000", 10, 0).await();
    assertEquals(List.of("441900003000", "441900004000"), codes(dongguan));
    assertEquals(DivisionLevel.TOWNSHIP, dongguan.items().get(0).level());

    JsonObject json = first.toJson(Division::toJson);
    assertEquals(6, json.getLong("total"));
    assertEquals(4, json.getJsonArray("items").size());
    assertEquals("洮北区", json.getJsonArray("items").getJsonObject(0).getString("name"));
  }

  @Test
  void searchFindsNameFragmentsWithinAnAncestorHigherLevelsFirst() {
    Page<Division> zhen = store.search("镇", "2208", 5, 0).await();
    long townsInBaicheng = zhen.total();
    assertEquals(43, townsInBaicheng, "rows of baicheng.csv whose name has 镇");
    assertEquals(5, zhen.items().size());
    assertTrue(zhen.items().stream().allMatch(d -> d.code().startsWith("2208") && d.name().contains("镇")));
    assertEquals("镇赉县", zhen.items().get(0).name(), "higher levels first");
    assertEquals(DivisionLevel.TOWNSHIP, zhen.items().get(1).level());

    // every page together is the whole result, each row once
    List<String> all = new java.util.ArrayList<>();
    for (int offset = 0; offset < townsInBaicheng; offset += 50) {
      all.addAll(codes(store.search("镇", "2208", 50, offset).await()));
    }
    assertEquals(townsInBaicheng, all.size());
    assertEquals(townsInBaicheng, all.stream().distinct().count());

    Page<Division> taobei = store.search("洮北", null, 10, 0).await();
    assertEquals(List.of("220802000000"), codes(taobei));
    assertEquals(1, taobei.total());

    Page<Division> dongguanOnly = store.search("社区", "4419", 10, 0).await();
    assertEquals(List.of("441900003001", "441900004003"), codes(dongguanOnly));

    assertEquals(List.of("220802001901"), codes(store.search("_100%", null, 10, 0).await()),
        "% and _ match themselves");
    assertEquals(0, store.search("%", "4419", 10, 0).await().total());
    assertEquals(0, store.search("不存在的名字", null, 10, 0).await().total());
  }

  @Test
  void ancestorsRunFromTheProvinceDownToTheUnit() {
    List<Division> chain = store.ancestors("220802001001").await();
    assertEquals(List.of("吉林省", "白城市", "洮北区", "海明街道", "民生社区"), chain.stream().map(Division::name).toList());
    assertNull(chain.get(0).parentCode());

    List<String> dongguan = store.ancestors("441900003001").await().stream().map(Division::code).toList();
    assertEquals(List.of("440000000000", "441900000000", "441900003000", "441900003001"), dongguan);
    assertEquals(List.of(), store.ancestors("229999000000").await());
  }

  @Test
  void countsPerLevelUnderAPrefix() {
    Map<DivisionLevel, Long> baicheng = store.countByLevel("2208").await();
    assertEquals(Map.of(DivisionLevel.PROVINCE, 0L, DivisionLevel.CITY, 1L, DivisionLevel.COUNTY, 6L,
        DivisionLevel.TOWNSHIP, 126L, DivisionLevel.VILLAGE, 1098L), baicheng);
    assertEquals(1L, store.countByLevel("22").await().get(DivisionLevel.PROVINCE));
    assertEquals(1L, store.countByLevel("220802").await().get(DivisionLevel.COUNTY));
    long everything = store.countByLevel(null).await().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(1231 + 20 + 1, everything);
  }

  @Test
  void impossibleArgumentsAreMalformed() {
    assertEquals(ErrorKind.MALFORMED, failure(store.children("220800000000", 0, 0)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.children("220800000000", DivisionStore.MAX_PAGE + 1, 0)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.children("220800000000", 10, -1)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.children("2208", 10, 0)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.search(" ", null, 10, 0)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.search("白城", "22a8", 10, 0)).kind());
    assertEquals(ErrorKind.MALFORMED, failure(store.countByLevel("2208' OR 1=1")).kind());
  }

  @Test
  void importJobsRecordProgressAndTheirReport() throws Exception {
    long id = store.createImportJob(DivisionImportMode.SKIP_INVALID, "baicheng.csv", "admin", 12_345L).await();
    DivisionImportJob queued = store.findImportJob(id).await().orElseThrow();
    assertEquals("queued", queued.status());
    assertEquals(DivisionImportMode.SKIP_INVALID, queued.mode());
    assertEquals(12_345L, queued.bytesTotal());
    assertNotNull(queued.startedAt());
    assertNull(queued.finishedAt());

    store.updateImportProgress(id, 6_000, 500, DivisionImportProgress.Phase.READING).await();
    store.updateImportProgress(id, 12_345, 1231, DivisionImportProgress.Phase.VALIDATING).await();
    // a late update from earlier in the run must not move anything backwards
    store.updateImportProgress(id, 6_000, 500, DivisionImportProgress.Phase.READING).await();
    DivisionImportJob running = store.findImportJob(id).await().orElseThrow();
    assertEquals("running", running.status());
    assertEquals(12_345, running.bytesRead());
    assertEquals(1231, running.rowsRead());
    assertEquals("validating", running.phase());

    DivisionImportReport report = new DivisionImporter(db.database::openJdbc).importCsv(
        new ByteArrayInputStream(DivisionTestDb.resource("/divisions/baicheng.csv")),
        DivisionImportMode.SKIP_INVALID, DivisionImportProgress.NONE);
    store.finishImportJob(id, report).await();
    store.updateImportProgress(id, 1, 1, DivisionImportProgress.Phase.READING).await();
    DivisionImportJob done = store.findImportJob(id).await().orElseThrow();
    assertEquals("succeeded", done.status(), "a late progress update does not reopen a finished job");
    assertTrue(done.finished());
    assertNotNull(done.finishedAt());
    assertEquals("done", done.phase());
    assertEquals(1231, done.report().getLong("unchanged"));
    assertEquals("skip_invalid", done.report().getString("mode"));
    assertEquals(1231, done.toJson().getJsonObject("report").getLong("rows_read"));

    long refused = store.createImportJob(DivisionImportMode.ATOMIC, "bad.csv", "admin", null).await();
    DivisionImportReport bad = new DivisionImporter(db.database::openJdbc).importCsv(
        new ByteArrayInputStream(DivisionTestDb.resource("/division/bad-header.csv")),
        DivisionImportMode.ATOMIC, DivisionImportProgress.NONE);
    store.finishImportJob(refused, bad).await();
    assertEquals("failed", store.findImportJob(refused).await().orElseThrow().status());

    long broken = store.createImportJob(DivisionImportMode.ATOMIC, "x.csv", null, null).await();
    store.failImportJob(broken, "database unavailable").await();
    DivisionImportJob failed = store.findImportJob(broken).await().orElseThrow();
    assertEquals("failed", failed.status());
    assertEquals("database unavailable", failed.failure());
    assertNull(failed.report());

    assertEquals(List.of(broken, refused, id),
        store.recentImportJobs(10).await().stream().map(DivisionImportJob::id).toList());
    assertTrue(store.findImportJob(999_999).await().isEmpty());
  }
}
