package org.yishi.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.web.CsvText;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reports on the demo city (白城市, a year of history, and the last month's reports issued at seed
 * time): the list and jurisdiction, the snapshot against the roll-up API, the XLSX and CSV files,
 * immutability when later data arrives, regeneration as a new version, on-demand generation,
 * schedules, and bad input.
 */
class ReportApiTest {
  private static final String CITY = "220800000000";
  private static final String TAOBEI = "220802000000";
  private static final String TAONAN = "220881000000";
  private static final String PASSWORD = "yishi-demo";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true"));
  @FromNode private static Node node;
  @FromNode private static Api api;
  @FromNode private static Sql sql;
  private static String lastMonth;

  @BeforeAll
  static void start() {
    lastMonth = YearMonth.now(ZoneId.of("Asia/Shanghai")).minusMonths(1).toString();
  }

  private static String token(String user) {
    return api.token(user, "admin".equals(user) ? TestNodes.ADMIN_PASSWORD : PASSWORD);
  }

  private static JsonObject list(String user, String query) {
    HttpResponse<String> r = api.get("/api/v1/reports" + query, token(user));
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  private static long reportId(String unit, String period) {
    return ((Number) sql.value("SELECT id FROM report WHERE kind = 'monthly' AND unit_code = ? AND period = ? AND version = 1",
        unit, period)).longValue();
  }

  @Test
  void theDemoSeedIssuedLastMonthsCityAndDistrictReports() {
    assertEquals(7, sql.count("SELECT count(*) FROM report WHERE kind = 'monthly' AND period = ? AND trigger = 'demo'", lastMonth),
        "the city and its six districts");
    JsonObject city = list("demo-city", "?kind=monthly&period=" + lastMonth);
    assertEquals(7, city.getJsonArray("items").stream().filter(o -> "demo".equals(((JsonObject) o).getString("trigger"))).count(),
        "city staff read the city's and every district's reports");
    JsonObject district = list("demo-district", "");
    assertTrue(district.getLong("total") >= 1);
    assertTrue(district.getJsonArray("items").stream().allMatch(o -> TAOBEI.equals(((JsonObject) o).getString("unitCode"))),
        "district staff read their own district's reports only: " + district.encode());
    assertEquals(403, api.get("/api/v1/reports", token("demo-coordinator")).statusCode(), "coordinators get no reports");
    // the city's staff were told the city report is ready, the district's staff about theirs
    assertEquals(1, sql.count("""
        SELECT count(*) FROM notification n JOIN account a ON a.id = n.account_id
         WHERE a.username = 'demo-city' AND n.kind = 'report_ready' AND n.link = '/reports/' || ?""", reportId(CITY, lastMonth)));
    assertEquals(1, sql.count("""
        SELECT count(*) FROM notification n JOIN account a ON a.id = n.account_id
         WHERE a.username = 'demo-district' AND n.kind = 'report_ready' AND n.link = '/reports/' || ?""", reportId(TAOBEI, lastMonth)));
    assertEquals(0, sql.count("""
        SELECT count(*) FROM notification n JOIN account a ON a.id = n.account_id
         WHERE a.username = 'demo-district' AND n.link = '/reports/' || ?""", reportId(CITY, lastMonth)), "not about the city's report");
  }

  @Test
  void theSnapshotAndItsXlsxEqualTheRollupOfThePeriod() throws Exception {
    // 洮北区: no other test here changes its data
    long id = reportId(TAOBEI, lastMonth);
    String t = token("demo-district");
    long townships = sql.count("SELECT count(*) FROM division WHERE parent_code = ?", TAOBEI);
    JsonObject report = Http.json(api.get("/api/v1/reports/" + id, t));
    JsonObject content = report.getJsonObject("content");
    JsonObject rollup = Http.json(api.get("/api/v1/stats/rollup?division=" + TAOBEI + "&from=" + lastMonth + "&to=" + lastMonth, t));
    JsonObject totals = rollup.getJsonObject("totals");
    assertEquals(totals.fieldNames(), content.getJsonObject("totals").fieldNames(), "every counter of the roll-up");
    for (String key : totals.fieldNames()) {
      if (!key.equals("overdue_referrals")) { // "now", not of the period: equal unless an outcome fell due since
        assertEquals(totals.getValue(key), content.getJsonObject("totals").getValue(key), key);
      }
    }
    assertTrue(totals.getLong("meetings_held") > 0, "the demo month has meetings");
    assertEquals(townships, content.getJsonArray("children").size(), "one row per township");
    assertEquals("township", content.getString("childLevel"));
    assertTrue(content.getJsonObject("summary").getString("zh").contains("洮北区共召开协商活动" + totals.getLong("meetings_held") + "场"),
        content.getJsonObject("summary").getString("zh"));
    assertTrue(content.getJsonObject("summary").getString("en").contains("held " + totals.getLong("meetings_held") + " consultation meetings"),
        content.getJsonObject("summary").getString("en"));
    assertFalse(content.getJsonArray("rankings").isEmpty());
    JsonObject dormant = content.getJsonObject("dormantStations");
    assertEquals(totals.getLong("stations_dormant"), dormant.getLong("total"), "the dormant list counts what the counter counts");
    assertTrue(dormant.getJsonArray("items").stream().allMatch(o -> ((JsonObject) o).getString("divisionName") != null
        && ((JsonObject) o).getString("divisionCode").startsWith("220802")), dormant.encode());
    assertTrue(report.getJsonArray("versions").stream().anyMatch(v -> ((JsonObject) v).getLong("id") == id));

    // the XLSX opens, and its totals (by counter key) are the roll-up's
    HttpResponse<byte[]> file = Http.sendBytes(Http.request(node.baseUrl() + "/api/v1/reports/" + id + "/xlsx")
        .header("Authorization", "Bearer " + t).GET().build());
    assertEquals(200, file.statusCode());
    assertTrue(file.headers().firstValue("Content-Disposition").orElse("").contains("report-monthly-220802000000-" + lastMonth + "-v1.xlsx"));
    try (XSSFWorkbook wb = new XSSFWorkbook(new ByteArrayInputStream(file.body()))) {
      Sheet summary = wb.getSheetAt(0);
      Map<String, Cell> byKey = new HashMap<>();
      for (Row row : summary) {
        Cell key = row.getCell(1);
        if (key != null && key.getCellType() == CellType.STRING && totals.containsKey(key.getStringCellValue())) {
          byKey.put(key.getStringCellValue(), row.getCell(2));
        }
      }
      assertEquals(totals.fieldNames(), byKey.keySet(), "a row per counter");
      for (String key : totals.fieldNames()) {
        if (key.equals("overdue_referrals")) {
          continue;
        }
        Object expected = totals.getValue(key);
        Cell cell = byKey.get(key);
        if (expected == null) {
          assertEquals(CellType.BLANK, cell.getCellType(), key);
        } else {
          assertEquals(((Number) expected).doubleValue(), cell.getNumericCellValue(), 1e-9, key);
        }
      }
      Sheet units = wb.getSheetAt(1);
      assertEquals(2 + townships + 1, units.getPhysicalNumberOfRows(), "header, keys, the townships, total");
      assertEquals(6, wb.getNumberOfSheets(), "summary, units, rankings, dormant, overdue, typical");
    }

    // the CSV: one header of stable keys, the unit's totals, and a row per district
    HttpResponse<String> csv = api.get("/api/v1/reports/" + id + "/csv", t);
    assertEquals(200, csv.statusCode());
    List<CsvText.Line> lines = CsvText.parse(csv.body());
    List<String> header = lines.get(0).cells();
    assertEquals(List.of("section", "code", "name", "period"), header.subList(0, 4));
    List<String> total = lines.get(1).cells();
    assertEquals("total", total.get(0));
    assertEquals(String.valueOf(totals.getLong("meetings_held")), total.get(header.indexOf("meetings_held")));
    assertEquals(1 + 3 + townships, lines.size(), "header, total, previous, last year, the townships");
  }

  @Test
  void aSnapshotDoesNotChangeWhenLaterDataArrives() {
    long id = reportId(TAONAN, lastMonth);
    String t = token("demo-district2");
    JsonObject before = Http.json(api.get("/api/v1/reports/" + id, t)).getJsonObject("content");
    long held = before.getJsonObject("totals").getLong("meetings_held");
    // a meeting of that month is recorded late: the raw rows arrive and the triggers recount the month
    String start = lastMonth + "-15T23:05:00+08:00";
    long meeting = ((Number) sql.value("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, format, kind, status)
        SELECT t.id, t.station_id, t.division_code, ?::timestamptz, ?::timestamptz + interval '40 minutes', 'on_site', 'grassroots', 'held'
          FROM topic t JOIN station s ON s.id = t.station_id
         WHERE t.status = 'approved' AND s.district_code = ? AND s.status = 'active'
         ORDER BY t.id LIMIT 1
        RETURNING id""", start, start, TAONAN)).longValue();
    sql.update("""
        INSERT INTO meeting_record (meeting_id, held, actual_start, actual_end, attendance_residents, suggestions_count)
        SELECT id, true, starts_at, ends_at, 12, 3 FROM meeting WHERE id = ?""", meeting);
    JsonObject rollup = Http.json(api.get("/api/v1/stats/rollup?division=" + TAONAN + "&from=" + lastMonth + "&to=" + lastMonth, t))
        .getJsonObject("totals");
    long rollupNow = rollup.getLong("meetings_held");
    assertEquals(held + 1, rollupNow, "the roll-up has the late meeting");
    JsonObject after = Http.json(api.get("/api/v1/reports/" + id, t)).getJsonObject("content");
    assertEquals(before, after, "the issued snapshot is exactly as issued");
    // and the database refuses to change an issued version
    assertThrows(IllegalStateException.class, () -> sql.update("UPDATE report SET content = '{}' WHERE id = ?", id));

    // regenerating issues version 2 with the new figures; version 1 stays
    HttpResponse<String> regen = api.call("POST", "/api/v1/reports/" + id + "/regenerate", t, null);
    assertEquals(201, regen.statusCode(), regen.body());
    JsonObject v2 = Http.json(regen);
    assertEquals(2, v2.getInteger("version"));
    JsonObject second = Http.json(api.get("/api/v1/reports/" + v2.getLong("id"), t));
    assertEquals(rollupNow, second.getJsonObject("content").getJsonObject("totals").getLong("meetings_held"));
    assertEquals(2, second.getJsonArray("versions").size());
    assertTrue(second.getBoolean("latest"));
    assertFalse(Http.json(api.get("/api/v1/reports/" + id, t)).getBoolean("latest"));
    assertEquals(before, Http.json(api.get("/api/v1/reports/" + id, t)).getJsonObject("content"));
  }

  @Test
  void generateOnDemandAnswersTheIdAndElapsedTime() {
    String t = token("demo-city");
    String quarter = YearMonth.now(ZoneId.of("Asia/Shanghai")).minusMonths(3).getYear() + "-Q"
        + ((YearMonth.now(ZoneId.of("Asia/Shanghai")).minusMonths(3).getMonthValue() - 1) / 3 + 1);
    HttpResponse<String> r = api.call("POST", "/api/v1/reports/generate", t,
        new JsonObject().put("kind", "quarterly").put("unit", CITY).put("period", quarter).encode());
    assertEquals(201, r.statusCode(), r.body());
    JsonObject made = Http.json(r);
    assertNotNull(made.getLong("id"));
    assertTrue(made.getLong("elapsedMs") >= 0);
    assertEquals(quarter, made.getString("period"));
    assertEquals("/api/v1/reports/" + made.getLong("id"), r.headers().firstValue("Location").orElse(""));
    JsonObject stored = Http.json(api.get("/api/v1/reports/" + made.getLong("id"), t));
    assertEquals("manual", stored.getString("trigger"));
    assertEquals(3, YearMonth.parse(stored.getJsonObject("content").getString("to"))
        .compareTo(YearMonth.parse(stored.getJsonObject("content").getString("from"))) + 1);
  }

  @Test
  void pdfHoldsTheReportInChinese() throws Exception {
    // with whatever fonts this machine has (fonts-noto-cjk's CFF collections made this a 500 before the
    // bundled font): the PDF always renders, with the report's Chinese in its text
    long id = reportId(TAOBEI, lastMonth);
    HttpResponse<byte[]> pdf = Http.sendBytes(Http.request(node.baseUrl() + "/api/v1/reports/" + id + "/pdf")
        .header("Authorization", "Bearer " + token("demo-district")).GET().build());
    assertEquals(200, pdf.statusCode(), new String(pdf.body(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("application/pdf", pdf.headers().firstValue("Content-Type").orElse(""));
    try (org.apache.pdfbox.pdmodel.PDDocument doc = org.apache.pdfbox.Loader.loadPDF(pdf.body())) {
      String text = new org.apache.pdfbox.text.PDFTextStripper().getText(doc);
      assertTrue(text.contains("洮北区") && text.contains("召开协商活动"), text);
      long held = Http.json(api.get("/api/v1/reports/" + id, token("demo-district"))).getJsonObject("content")
          .getJsonObject("totals").getLong("meetings_held");
      assertTrue(text.contains("洮北区共召开协商活动" + held + "场"), "the summary, in Chinese characters: " + text);
      assertEquals(595, Math.round(doc.getPage(0).getMediaBox().getWidth()), "A4");
    }
    assertEquals(403, api.get("/api/v1/reports/" + reportId(TAONAN, lastMonth) + "/pdf", token("demo-district")).statusCode());
  }

  @Test
  void thePdfFontIsTheConfiguredFileOrNone() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("font", ".ttf");
    file.toFile().deleteOnExit();
    assertEquals(file, ReportPdf.configuredFile(file.toString()).orElseThrow());
    assertEquals(file, ReportPdf.configuredFile(" " + file + " ").orElseThrow());
    assertTrue(ReportPdf.configuredFile("/nonexistent/font.ttc").isEmpty());
    assertTrue(ReportPdf.configuredFile("").isEmpty());
    // a configured file that is not a font is skipped: the bundled font still comes first
    assertEquals(List.of("bundled:" + ReportPdf.BUNDLED), ReportPdf.faces(new ReportPdf.FontSources(file.toString(), false, List.of()))
        .stream().map(ReportPdf.Face::source).toList());
  }

  private static void assertInvalid(String user, JsonObject body, String field) {
    HttpResponse<String> r = api.call("POST", "/api/v1/reports/generate", token(user), body.encode());
    assertEquals(422, r.statusCode(), body + " → " + r.body());
    assertTrue(Http.json(r).getJsonObject("error").getJsonObject("fields").containsKey(field), r.body());
  }

  @Test
  void badInputIsRefusedWithAClearAnswer() {
    JsonObject ok = new JsonObject().put("kind", "monthly").put("unit", TAOBEI).put("period", lastMonth);
    assertInvalid("demo-city", ok.copy().put("kind", "weekly"), "kind");
    assertInvalid("demo-city", ok.copy().put("period", "2025-13"), "period");
    assertInvalid("demo-city", ok.copy().put("period", "2025-Q1"), "period"); // a quarter for a monthly report
    assertInvalid("demo-city", ok.copy().put("kind", "quarterly").put("period", "2025-Q5"), "period");
    assertInvalid("demo-city", ok.copy().put("kind", "yearly").put("period", "25"), "period");
    assertInvalid("demo-city", ok.copy().put("unit", "2208"), "unit");
    assertInvalid("demo-city", ok.copy().put("unit", "220802001000"), "unit"); // a township: no reports
    assertInvalid("demo-city", ok.copy().put("period", YearMonth.now(ZoneId.of("Asia/Shanghai")).plusMonths(2).toString()), "period");
    assertInvalid("demo-city", ok.copy().putNull("kind"), "kind");
    assertInvalid("demo-city", ok.copy().put("period", 202503), "period");
    assertInvalid("demo-city", ok.copy().put("unit", "<script>alert(1)</script>"), "unit");
    HttpResponse<String> notJson = api.call("POST", "/api/v1/reports/generate", token("demo-city"), "{kind:");
    assertEquals(400, notJson.statusCode());
    // another district's report or unit: 403; unknown: 404
    assertEquals(403, api.call("POST", "/api/v1/reports/generate", token("demo-district"),
        ok.copy().put("unit", TAONAN).encode()).statusCode());
    assertEquals(403, api.get("/api/v1/reports/" + reportId(TAONAN, lastMonth), token("demo-district")).statusCode());
    assertEquals(403, api.get("/api/v1/reports/" + reportId(CITY, lastMonth), token("demo-district")).statusCode(),
        "district staff do not read the city's report");
    assertEquals(403, api.get("/api/v1/reports/" + reportId(TAONAN, lastMonth) + "/xlsx", token("demo-district")).statusCode());
    assertEquals(403, api.call("POST", "/api/v1/reports/" + reportId(TAONAN, lastMonth) + "/regenerate", token("demo-district"), null)
        .statusCode());
    assertEquals(404, api.get("/api/v1/reports/999999", token("demo-city")).statusCode());
    assertEquals(404, api.get("/api/v1/reports/abc", token("demo-city")).statusCode());
    assertEquals(404, api.get("/api/v1/reports/999999/csv", token("demo-city")).statusCode());
    assertEquals(404, api.call("POST", "/api/v1/reports/generate", token("admin"),
        ok.copy().put("unit", "110000000000").encode()).statusCode(), "a unit that is not in the division table");
    assertEquals(422, api.get("/api/v1/reports?kind=weekly", token("demo-city")).statusCode());
    assertEquals(422, api.get("/api/v1/reports?period=2025-13", token("demo-city")).statusCode());
    assertEquals(422, api.get("/api/v1/reports?division=22", token("demo-city")).statusCode());
    assertEquals(0, sql.count("SELECT count(*) FROM report WHERE unit_code IN ('220802001000', '110000000000')"), "nothing written");
  }

  @Test
  void adminsEditSchedulesWithValidatedCron() {
    String admin = token("admin");
    JsonArray items = Http.json(api.get("/api/v1/reports/schedules", admin)).getJsonArray("items");
    assertEquals(4, items.size());
    JsonObject monthly = items.getJsonObject(0);
    assertEquals("city_monthly", monthly.getString("id"));
    assertEquals("0 2 1 * *", monthly.getString("cron"));
    assertEquals("config", monthly.getString("source"));
    assertTrue(monthly.getString("nextRun").matches("\\d{4}-\\d{2}-01T02:00\\+08:00"), monthly.encode());
    assertEquals(YearMonth.parse(monthly.getString("nextRun").substring(0, 7)).minusMonths(1).toString(), monthly.getString("nextPeriod"),
        "the month before the one it runs in");

    HttpResponse<String> bad = api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin,
        new JsonObject().put("cron", "0 25 1 * *").encode());
    assertEquals(422, bad.statusCode());
    assertTrue(Http.json(bad).getJsonObject("error").getJsonObject("fields").getString("cron").contains("hour: 25 is out of range"), bad.body());
    HttpResponse<String> never = api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin,
        new JsonObject().put("cron", "0 2 30 2 *").encode());
    assertTrue(Http.json(never).getJsonObject("error").getJsonObject("fields").getString("cron").contains("never fires"), never.body());
    assertEquals(422, api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin, new JsonObject().put("cron", "* * *").encode())
        .statusCode());
    assertEquals(422, api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin, new JsonObject().encode()).statusCode());
    assertEquals(404, api.call("PUT", "/api/v1/reports/schedules/weekly", admin,
        new JsonObject().put("cron", "0 2 * * 1").encode()).statusCode());
    assertEquals(403, api.call("PUT", "/api/v1/reports/schedules/city_monthly", token("demo-city"),
        new JsonObject().put("cron", "0 6 2 * *").encode()).statusCode());

    HttpResponse<String> saved = api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin,
        new JsonObject().put("cron", "0  6 2 * *").put("enabled", true).put("version", 0).encode());
    assertEquals(200, saved.statusCode(), saved.body());
    assertEquals("0 6 2 * *", Http.json(saved).getString("cron"));
    assertEquals("admin", Http.json(saved).getString("source"));
    assertEquals(1, Http.json(saved).getInteger("version"));
    HttpResponse<String> stale = api.call("PUT", "/api/v1/reports/schedules/city_monthly", admin,
        new JsonObject().put("cron", "0 7 2 * *").put("version", 0).encode());
    assertEquals(409, stale.statusCode(), "an edit based on an old version");
    HttpResponse<String> off = api.call("PUT", "/api/v1/reports/schedules/city_quarterly", admin,
        new JsonObject().put("cron", "0 3 1 1,4,7,10 *").put("enabled", false).encode());
    assertEquals(200, off.statusCode(), off.body());
    assertNull(Http.json(off).getValue("nextRun"));
    assertEquals("0 6 2 * *", sql.value("SELECT cron FROM report_schedule WHERE id = 'city_monthly'"));
    assertEquals(1, sql.count("SELECT count(*) FROM audit_log WHERE action = 'report.schedule' AND entity_id = 'city_monthly'"));
  }

  private static void assertNull(Object o) {
    assertEquals(null, o);
  }

  @Test
  void pagesListAndShowTheReportInEitherLanguage() {
    Browser city = new Browser(node.baseUrl()).login("demo-city", PASSWORD);
    String list = city.get("/reports").body();
    assertTrue(list.contains("月度报告") && list.contains("白城市") && list.contains("洮南市"), list);
    long id = reportId(CITY, lastMonth);
    String page = city.get("/reports/" + id).body();
    assertTrue(page.contains("id=\"report-summary\"") && page.contains("白城市共召开协商活动"), page);
    assertTrue(page.contains("洮北区") && page.contains("召开协商活动（场）"), "the districts' table and the counter labels");
    assertTrue(page.contains("所在乡镇（街道）、村（社区）"), "the dormant stations' places");
    HttpResponse<String> en = city.getWithHeaders("/reports/" + id, "Cookie", "yishi_lang=en");
    assertTrue(en.body().contains("consultation meetings") && en.body().contains("Key figures"), en.body());
    HttpResponse<String> xlsx = city.get("/reports/" + id + "/xlsx");
    assertEquals(200, xlsx.statusCode());
    assertEquals(403, new Browser(node.baseUrl()).login("demo-district", PASSWORD).get("/reports/" + id).statusCode());

    // the generate form keeps the input and says what is wrong
    HttpResponse<String> bad = city.post("/reports/generate", Map.of("kind", "monthly", "unit", CITY, "period", "2025/03"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("value=\"2025/03\"") && bad.body().contains("YYYY-MM"), bad.body());
    HttpResponse<String> made = city.post("/reports/generate", Map.of("kind", "monthly", "unit", TAOBEI, "period", lastMonth));
    assertEquals(303, made.statusCode(), made.body());
    assertTrue(made.headers().firstValue("Location").orElse("").startsWith("/reports/"));

    // the admins' schedule page re-renders a bad cron with the admin's input and the reason
    Browser admin = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    assertEquals(200, admin.get("/admin/report-schedules").statusCode());
    HttpResponse<String> badCron = admin.post("/admin/report-schedules/district_monthly",
        Map.of("cron", "61 2 1 * *", "enabled", "on", "version", "0"));
    assertEquals(422, badCron.statusCode());
    assertTrue(badCron.body().contains("value=\"61 2 1 * *\"") && badCron.body().contains("minute: 61 is out of range"), badCron.body());
    HttpResponse<String> good = admin.post("/admin/report-schedules/district_monthly", Map.of("cron", "15 3 1 * *", "enabled", "on",
        "version", "0"));
    assertEquals(303, good.statusCode(), good.body());
    assertEquals("15 3 1 * *", sql.value("SELECT cron FROM report_schedule WHERE id = 'district_monthly'"));
    assertNotEquals(200, new Browser(node.baseUrl()).login("demo-city", PASSWORD).get("/admin/report-schedules").statusCode());
  }
}
