package org.yishi.stats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.web.CsvText;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counters added with V9 (meetings by kind and format, from plans, outcomes by form, members'
 * participation, plan progress, the category filter), the drill-down to stations, the dashboard's
 * lists and the CSV/XLSX exports, against values computed by hand on a small fixed data set in
 * 镇赉县 (March 2026), plus jurisdiction and bad input on the API, the page and the exports.
 *
 * <p>The data set: 镇赉县政协 with members m1, m2, m3 and a 2026 plan of three items (i1 livelihood,
 * i2 ecology, i3 livelihood); stations A (鹤城街道, township level), B (庆生社区 in 鹤城, village
 * level), C (镇东街道, no meeting: dormant).
 * <pre>
 * topic            station category   plan  status     meetings (March 2026)
 * tA1              A       livelihood i1    approved   m1 held thematic_consultation on_site; m2 held forum online
 * tA2              A       ecology    i2    approved   m3 scheduled counterpart hybrid
 * tB1              B       economy    -     approved   m4 held grassroots hybrid; m5 cancelled grassroots on_site
 * tB2              B       economy    -     submitted  -
 * </pre>
 * Records: m1 (2 members, 10 residents, 5 suggestions, filed after 1 day), m2 (1, 5, 2, same day),
 * m4 (2, 20, 3, after 9 days). Attendees: m1 {m1, m2}, m2 {m1}, m4 {m1, 洮北's member}.
 * Outcomes: m1 minutes closed/adopted/satisfied, m1 suggestion letter referred and overdue, m2
 * research report referred (due next year), m4 proposal answered/adopted.
 */
class StatsBreakdownTest {
  static final String ZHENLAI = "220821000000";
  static final String HECHENG = "220821001000";
  static final String QINGSHENG = "220821001001";
  static final String ZHENDONG = "220821002000";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  private static StatsFixtures fx;
  @FromNode private static Api api;
  private static String admin;
  private static long a;
  private static long b;
  private static long c;
  private static long m1;
  private static long m2;
  private static long m3;
  private static long overdueOutcome;
  private static long plan;

  @BeforeAll
  static void start() {
    fx = new StatsFixtures(node.app().pool());
    admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    long committee = fx.id("""
        INSERT INTO committee (name, level, division_code, parent_id) VALUES ('镇赉县政协', 'district', $1, $2) RETURNING id""",
        ZHENLAI, f.committees.get(AccountFixtures.BAICHENG));
    m1 = fx.id("INSERT INTO member (name, sector, committee_id) VALUES ('赵一', '经济界', $1) RETURNING id", committee);
    m2 = fx.id("INSERT INTO member (name, sector, committee_id) VALUES ('钱二', '教育界', $1) RETURNING id", committee);
    m3 = fx.id("INSERT INTO member (name, sector, committee_id) VALUES ('孙三', '农业界', $1) RETURNING id", committee);
    a = station("鹤城议事室", "township", HECHENG);
    b = station("庆生议事室", "village", QINGSHENG);
    c = station("镇东议事室", "township", ZHENDONG);
    plan = fx.id("INSERT INTO plan (committee_id, year, title) VALUES ($1, 2026, '镇赉县政协2026年度协商计划') RETURNING id", committee);
    long i1 = item(plan, "livelihood");
    long i2 = item(plan, "ecology");
    item(plan, "livelihood");
    long tA1 = fx.topic(a, "approved", "2026-03-02T10:00:00+08:00", "livelihood", i1);
    long tA2 = fx.topic(a, "approved", "2026-03-03T10:00:00+08:00", "ecology", i2);
    long tB1 = fx.topic(b, "approved", "2026-03-04T10:00:00+08:00", "economy", null);
    fx.topic(b, "submitted", "2026-03-05T10:00:00+08:00", "economy", null);
    long mt1 = fx.meeting(tA1, "2026-03-10T09:00:00+08:00", "held", "on_site", "thematic_consultation");
    long mt2 = fx.meeting(tA1, "2026-03-12T09:00:00+08:00", "held", "online", "forum");
    fx.meeting(tA2, "2026-03-16T09:00:00+08:00", "scheduled", "hybrid", "counterpart");
    long mt4 = fx.meeting(tB1, "2026-03-18T09:00:00+08:00", "held", "hybrid", "grassroots");
    fx.meeting(tB1, "2026-03-25T09:00:00+08:00", "cancelled", "on_site", "grassroots");
    fx.record(mt1, true, 2, 10, 5, 1);
    fx.record(mt2, true, 1, 5, 2, 0);
    fx.record(mt4, true, 2, 20, 3, 9);
    fx.attended(mt1, m1, m2);
    fx.attended(mt2, m1);
    fx.attended(mt4, m1, f.taobeiMember);
    fx.outcome(mt1, "closed", "adopted", "satisfied", false, "2026-04-01", "minutes");
    overdueOutcome = fx.outcome(mt1, "referred", null, null, false, "2026-04-01", "suggestion_letter");
    fx.outcome(mt2, "referred", null, null, false, "2099-01-01", "research_report");
    fx.outcome(mt4, "answered", "adopted", null, false, "2026-04-01", "proposal");
    // m1 also attended a consultation in 洮北区 (another district's committee): see the members' jurisdiction test
    long taobeiTopic = fx.topic(f.stations.get(AccountFixtures.HAIMING), "approved", "2026-03-01T10:00:00+08:00", "health", null);
    long taobeiMeeting = fx.meeting(taobeiTopic, "2026-03-20T09:00:00+08:00", "held", "on_site", "forum");
    fx.attended(taobeiMeeting, m1);
  }

  private static long station(String name, String level, String code) {
    return fx.id("""
        INSERT INTO station (name, type, level, division_code, district_code, status)
        VALUES ($1, 'consultation_room', $2, $3, $4, 'active') RETURNING id""", name, level, code, ZHENLAI);
  }

  private static long item(long plan, String category) {
    return fx.id("INSERT INTO plan_item (plan_id, title, kind, category, target_quarter) VALUES ($1, '选题', 'thematic_consultation', $2, 1)"
        + " RETURNING id", plan, category);
  }

  private static JsonObject rollup(String query) {
    HttpResponse<String> r = api.get("/api/v1/stats/rollup?" + query, admin);
    assertEquals(200, r.statusCode(), r.body());
    return Http.json(r);
  }

  private static JsonObject child(JsonObject rollup, String array, String field, Object value) {
    return rollup.getJsonArray(array).stream().map(o -> (JsonObject) o).filter(x -> String.valueOf(value).equals(String.valueOf(x.getValue(field))))
        .findFirst().orElseThrow(() -> new AssertionError("no row with " + field + " = " + value));
  }

  @Test
  void kindsFormatsFormsPlansAndStationsMatchHandComputedValues() {
    JsonObject t = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03").getJsonObject("totals");
    assertEquals(3, t.getLong("meetings_held"));
    assertEquals(1, t.getLong("meetings_cancelled"));
    assertEquals(2, t.getLong("meetings_online"), "online and hybrid");
    Map<String, Long> kinds = Map.of("standing_committee_session", 0L, "thematic_consultation", 1L, "forum", 1L,
        "counterpart", 0L, "proposal_handling", 0L, "sector", 0L, "grassroots", 1L);
    kinds.forEach((k, n) -> assertEquals(n, t.getLong("meetings_held_kind_" + k), k));
    assertEquals(1, t.getLong("meetings_held_format_on_site"));
    assertEquals(1, t.getLong("meetings_held_format_online"));
    assertEquals(1, t.getLong("meetings_held_format_hybrid"));
    assertEquals(2, t.getLong("meetings_held_from_plan"), "m1 and m2 are on a topic from the plan");
    assertEquals(4, t.getLong("outcomes"));
    Map<String, Long> forms = Map.of("minutes", 1L, "suggestion_letter", 1L, "research_report", 1L, "proposal", 1L, "bulletin", 0L);
    forms.forEach((k, n) -> assertEquals(n, t.getLong("outcomes_form_" + k), k));
    assertEquals(0.5, t.getDouble("reply_rate"));
    assertEquals(5, t.getLong("members_attending"));
    assertEquals(10, t.getLong("suggestions"));
    assertEquals(3, t.getLong("records_filed"));
    assertEquals(2, t.getLong("records_filed_on_time"));
    assertEquals(4, t.getLong("topics_proposed"));
    assertEquals(3, t.getLong("topics_approved"));
    assertEquals(3, t.getLong("stations_registered"));
    assertEquals(2, t.getLong("stations_active"));
    assertEquals(1, t.getLong("stations_dormant"));
    assertEquals(1, t.getLong("overdue_referrals"));
    assertEquals(3, t.getLong("plan_items"));
    assertEquals(1, t.getLong("plan_items_held"), "i1: m1 held");
    assertEquals(1, t.getLong("plan_items_scheduled"), "i2: m3 scheduled");
    assertEquals(1, t.getLong("plan_items_planned"), "i3: nothing yet");
    assertEquals(0.3333, t.getDouble("plan_progress_rate"));
    assertEquals(0.1111, t.getDouble("coverage_townships"), "鹤城 and 镇东 of 18 townships");
    assertEquals(0.0063, t.getDouble("coverage_villages"), "庆生 of 158 villages");

    JsonObject county = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03");
    assertEquals(18, county.getJsonArray("children").size());
    assertFalse(county.containsKey("stations"), "a county's rows are its townships");
    JsonObject hecheng = child(county, "children", "code", HECHENG);
    assertEquals(3, hecheng.getLong("meetings_held"));
    assertEquals(2, hecheng.getLong("stations_registered"));
    JsonObject zhendong = child(county, "children", "code", ZHENDONG);
    assertEquals(1, zhendong.getLong("stations_dormant"));
    assertEquals(0, zhendong.getLong("meetings_held"));
    long sum = county.getJsonArray("children").stream().mapToLong(o -> ((JsonObject) o).getLong("meetings_held")).sum();
    assertEquals(3, sum, "the townships add up to the county");

    JsonObject township = rollup("division=" + HECHENG + "&from=2026-03&to=2026-03");
    assertEquals(2, township.getJsonArray("stations").size(), "below a township the rows are its stations");
    JsonObject sa = child(township, "stations", "id", a);
    assertEquals(2, sa.getLong("meetings_held"));
    assertEquals(3, sa.getLong("outcomes"));
    assertEquals(1, sa.getLong("overdue_referrals"));
    assertEquals(1, sa.getLong("stations_active"));
    assertEquals("鹤城议事室", sa.getString("name"));
    JsonObject sb = child(township, "stations", "id", b);
    assertEquals(1, sb.getLong("meetings_held"));
    assertEquals(1, sb.getLong("meetings_held_kind_grassroots"));
    assertEquals(1, child(township, "children", "code", QINGSHENG).getLong("meetings_held"), "and its villages as children");

    // plan progress is the plan pages' progress, read from the kept counters
    JsonObject progress = Http.json(api.get("/api/v1/plans/" + plan, admin)).getJsonObject("progress");
    assertEquals(progress.getLong("items"), t.getLong("plan_items"));
    assertEquals(progress.getLong("held"), t.getLong("plan_items_held"));
    assertEquals(progress.getLong("scheduled"), t.getLong("plan_items_scheduled"));
    assertEquals(progress.getLong("planned"), t.getLong("plan_items_planned"));
    assertEquals(0, rollup("division=" + ZHENLAI + "&from=2025-01&to=2025-12").getJsonObject("totals").getLong("plan_items"),
        "the 2026 plan is not in 2025's figures");

    // the city's row for 镇赉县 has the county committee's plan; the city totals include it
    JsonObject city = rollup("division=" + AccountFixtures.BAICHENG + "&from=2026-03&to=2026-03");
    assertEquals(3, child(city, "children", "code", ZHENLAI).getLong("plan_items"));
    assertEquals(3, city.getJsonObject("totals").getLong("plan_items"));
  }

  @Test
  void theCategoryFilterCountsOnlyThatCategory() {
    JsonObject economy = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=economy").getJsonObject("totals");
    assertEquals(1, economy.getLong("meetings_held"));
    assertEquals(1, economy.getLong("meetings_cancelled"));
    assertEquals(1, economy.getLong("meetings_held_kind_grassroots"));
    assertEquals(1, economy.getLong("meetings_held_format_hybrid"));
    assertEquals(0, economy.getLong("meetings_held_from_plan"));
    assertEquals(2, economy.getLong("topics_proposed"));
    assertEquals(1, economy.getLong("topics_approved"));
    assertEquals(1, economy.getLong("outcomes"));
    assertEquals(1, economy.getLong("outcomes_form_proposal"));
    assertEquals(2, economy.getLong("members_attending"));
    assertEquals(0, economy.getLong("overdue_referrals"));
    assertEquals(0, economy.getLong("plan_items"));
    assertNull(economy.getValue("plan_progress_rate"));
    assertEquals(3, economy.getLong("stations_registered"), "stations are counted whatever the category");

    JsonObject livelihood = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=livelihood").getJsonObject("totals");
    assertEquals(2, livelihood.getLong("meetings_held"));
    assertEquals(3, livelihood.getLong("outcomes"));
    assertEquals(1, livelihood.getLong("overdue_referrals"));
    assertEquals(2, livelihood.getLong("meetings_held_from_plan"));
    assertEquals(1, livelihood.getLong("topics_proposed"));
    assertEquals(2, livelihood.getLong("plan_items"));
    assertEquals(1, livelihood.getLong("plan_items_held"));
    assertEquals(0.5, livelihood.getDouble("plan_progress_rate"));

    JsonObject ecology = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=ecology").getJsonObject("totals");
    assertEquals(0, ecology.getLong("meetings_held"));
    assertEquals(1, ecology.getLong("topics_proposed"));
    assertEquals(1, ecology.getLong("plan_items_scheduled"));

    JsonObject all = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03").getJsonObject("totals");
    for (String key : List.of("meetings_held", "outcomes", "topics_proposed", "members_attending", "suggestions")) {
      long parts = 0;
      for (Object o : Http.json(api.get("/api/v1/topic-categories", admin)).getJsonArray("items", new JsonArray())) {
        String cat = ((JsonObject) o).getString("key");
        parts += rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=" + cat).getJsonObject("totals").getLong(key);
      }
      assertEquals(all.getLong(key), parts, key + ": the categories add up to the whole");
    }
    assertEquals("economy", rollup("division=" + ZHENLAI + "&category=economy").getString("category"));
  }

  @Test
  void membersParticipationListsTheUnitsCommitteesAndWhoAttended() {
    JsonObject page = Http.json(api.get("/api/v1/stats/members?division=" + ZHENLAI + "&from=2026-03&to=2026-03", admin));
    assertEquals(4, page.getLong("total"), "m1, m2, m3 of 镇赉县政协 and 洮北's member who attended there");
    assertEquals(3, page.getLong("participating"));
    assertEquals(5, page.getLong("attended"), "equals members_attending");
    JsonArray items = page.getJsonArray("items");
    assertEquals(m1, items.getJsonObject(0).getLong("id"), "most meetings first");
    assertEquals(3, items.getJsonObject(0).getLong("meetingsAttended"));
    assertEquals(2, items.getJsonObject(0).getLong("stationsAttended"));
    assertEquals("2026-03", items.getJsonObject(0).getString("lastMonth"));
    assertEquals(f.taobeiMember, items.getJsonObject(1).getLong("id"));
    assertEquals(m2, items.getJsonObject(2).getLong("id"));
    assertEquals(m3, items.getJsonObject(3).getLong("id"));
    assertEquals(0, items.getJsonObject(3).getLong("meetingsAttended"), "members who took no part are listed too");
    JsonObject economy = Http.json(api.get("/api/v1/stats/members?division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=economy", admin));
    assertEquals(2, economy.getLong("participating"));
    assertEquals(2, economy.getLong("attended"));
    JsonObject paged = Http.json(api.get("/api/v1/stats/members?division=" + ZHENLAI + "&from=2026-03&to=2026-03&size=2&page=2", admin));
    assertEquals(2, paged.getJsonArray("items").size());
    assertEquals(m2, paged.getJsonArray("items").getJsonObject(0).getLong("id"));

    // in 洮北区, m1 (of 镇赉县政协) attended once: admins see that; 洮北's staff see only their own committee's members
    JsonObject seenByAdmin = Http.json(api.get("/api/v1/stats/members?division=" + AccountFixtures.TAOBEI + "&from=2026-03&to=2026-03", admin));
    assertTrue(seenByAdmin.getJsonArray("items").stream().anyMatch(o -> ((JsonObject) o).getLong("id") == m1));
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    JsonObject seenByD1 = Http.json(api.get("/api/v1/stats/members?division=" + AccountFixtures.TAOBEI + "&from=2026-03&to=2026-03", d1));
    assertFalse(seenByD1.getJsonArray("items").stream().anyMatch(o -> ((JsonObject) o).getLong("id") == m1));
    assertTrue(seenByD1.getJsonArray("items").stream().anyMatch(o -> ((JsonObject) o).getLong("id") == f.taobeiMember));
  }

  @Test
  void dormantAndOverdueListsHaveTheCountersNumbers() {
    JsonObject dormant = Http.json(api.get("/api/v1/stats/dormant?division=" + ZHENLAI + "&from=2026-03&to=2026-03", admin));
    assertEquals(1, dormant.getLong("total"));
    assertEquals(c, dormant.getJsonArray("items").getJsonObject(0).getLong("id"));
    assertNull(dormant.getJsonArray("items").getJsonObject(0).getString("lastHeldMonth"));
    // in June the last three months (April-June) have no meeting: every station is dormant; A last held in March
    JsonObject june = Http.json(api.get("/api/v1/stats/dormant?division=" + ZHENLAI + "&from=2026-06&to=2026-06", admin));
    assertEquals(3, june.getLong("total"));
    assertEquals(rollup("division=" + ZHENLAI + "&from=2026-06&to=2026-06").getJsonObject("totals").getLong("stations_dormant"),
        june.getLong("total"));
    JsonObject juneA = june.getJsonArray("items").stream().map(o -> (JsonObject) o).filter(x -> x.getLong("id") == a).findFirst().orElseThrow();
    assertEquals("2026-03", juneA.getString("lastHeldMonth"));

    JsonObject overdue = Http.json(api.get("/api/v1/stats/overdue?division=" + ZHENLAI, admin));
    assertEquals(1, overdue.getLong("total"));
    JsonObject o = overdue.getJsonArray("items").getJsonObject(0);
    assertEquals(overdueOutcome, o.getLong("id"));
    assertEquals(ChronoUnit.DAYS.between(LocalDate.parse("2026-04-01"), LocalDate.now(ZoneId.of("Asia/Shanghai"))),
        o.getLong("daysOverdue"));
    assertEquals(a, o.getLong("stationId"));
    assertEquals(0, Http.json(api.get("/api/v1/stats/overdue?division=" + ZHENLAI + "&category=economy", admin)).getLong("total"));
  }

  @Test
  void badInputIsAClearError() {
    String d2 = api.token("d2", AccountFixtures.PASSWORD);
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    for (String path : List.of("/api/v1/stats/rollup", "/api/v1/stats/members", "/api/v1/stats/dormant", "/api/v1/stats/overdue")) {
      // dormant stations are not counted per category, overdue referrals are today's: those lists refuse
      // the parameter they would ignore (400 naming it) rather than answer as if it applied
      if (path.endsWith("/dormant")) {
        assertUnknown(api.get(path + "?division=" + ZHENLAI + "&category=no_such_thing", admin), "category");
      } else {
        assertField(api.get(path + "?division=" + ZHENLAI + "&category=no_such_thing", admin), 422, "category");
        assertField(api.get(path + "?division=" + ZHENLAI + "&category=DROP%20TABLE", admin), 422, "category");
      }
      if (path.endsWith("/overdue")) {
        assertUnknown(api.get(path + "?division=" + ZHENLAI + "&from=2026-13", admin), "from");
        assertUnknown(api.get(path + "?division=" + ZHENLAI + "&to=2026-01", admin), "to");
      } else {
        assertField(api.get(path + "?division=" + ZHENLAI + "&from=2026-13", admin), 422, "from");
        assertField(api.get(path + "?division=" + ZHENLAI + "&to=26-01", admin), 422, "to");
        assertField(api.get(path + "?division=" + ZHENLAI + "&from=2026-05&to=2026-01", admin), 422, "from");
        assertField(api.get(path + "?division=" + ZHENLAI + "&from=2000-01&to=2026-01", admin), 422, "from");
      }
      assertField(api.get(path + "?division=2208", admin), 422, "division");
      assertField(api.get(path, admin), 422, "division");
      assertEquals(404, api.get(path + "?division=220899000000", admin).statusCode());
      assertEquals(403, api.get(path + "?division=" + ZHENLAI, d2).statusCode(), "洮南's staff may not read 镇赉");
      assertEquals(403, api.get(path + "?division=" + ZHENLAI, c1).statusCode(), "coordinators read no statistics");
      assertEquals(401, api.get(path + "?division=" + ZHENLAI, null).statusCode());
    }
    assertField(api.get("/api/v1/stats/members?division=" + ZHENLAI + "&page=0", admin), 422, "page");
    assertField(api.get("/api/v1/stats/dormant?division=" + ZHENLAI + "&size=1000", admin), 422, "size");
  }

  private static void assertUnknown(HttpResponse<String> r, String parameter) {
    assertEquals(400, r.statusCode(), r.body());
    JsonObject error = Http.json(r).getJsonObject("error");
    assertEquals("malformed", error.getString("code"));
    assertNotNull(error.getJsonObject("fields").getString(parameter), r.body());
  }

  private static void assertField(HttpResponse<String> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = Http.json(r).getJsonObject("error");
    assertEquals("invalid", error.getString("code"));
    assertNotNull(error.getJsonObject("fields").getString(field), r.body());
  }

  // ---------------------------------------------------------------- exports

  @Test
  void theXlsxExportOfTheUnitsTableHasTheRollupsNumbers() throws IOException {
    Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    HttpResponse<byte[]> r = city.getBytes("/stats/export.xlsx?table=children&division=" + ZHENLAI + "&from=2026-03&to=2026-03");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    assertTrue(r.headers().firstValue("Content-Disposition").orElse("").contains("attachment"));
    JsonObject rollup = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03");
    JsonObject totals = rollup.getJsonObject("totals");
    try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(r.body()))) {
      Sheet sheet = book.getSheet("children");
      List<String> keys = keys(sheet.getRow(1));
      assertTrue(keys.containsAll(StatsTables.COUNTERS), "every counter is a column");
      assertEquals(2 + 18 + 1, sheet.getPhysicalNumberOfRows(), "labels, keys, 18 townships and the totals");
      Row last = sheet.getRow(sheet.getLastRowNum());
      assertEquals(ZHENLAI, last.getCell(keys.indexOf("code")).getStringCellValue());
      for (String key : StatsTables.COUNTERS) {
        Object expected = totals.getValue(key);
        var cell = last.getCell(keys.indexOf(key));
        if (expected == null) {
          assertTrue(cell == null || cell.getCellType() == CellType.BLANK, key);
        } else {
          assertEquals(((Number) expected).doubleValue(), cell.getNumericCellValue(), 1e-9, key);
        }
      }
      double held = 0;
      for (int i = 2; i < sheet.getLastRowNum(); i++) {
        held += sheet.getRow(i).getCell(keys.indexOf("meetings_held")).getNumericCellValue();
      }
      assertEquals(totals.getLong("meetings_held"), (long) held, "the townships' rows add up to the total row");
      assertEquals("0.0%", last.getCell(keys.indexOf("reply_rate")).getCellStyle().getDataFormatString());
      assertEquals(ZHENLAI, book.getSheet("about").getRow(0).getCell(1).getStringCellValue());
    }
    // the other tables, each against the API
    Map<String, String> kinds = xlsxColumn(city, "kinds", "kind", "meetings_held");
    assertEquals(Map.of("standing_committee_session", "0", "thematic_consultation", "1", "forum", "1", "counterpart", "0",
        "proposal_handling", "0", "sector", "0", "grassroots", "1"), kinds);
    List<Map<String, String>> kindRows = xlsxRows(city, "kinds");
    assertEquals("3", kindRows.get(kindRows.size() - 1).get("meetings_held"), "the total row");
    Map<String, String> formats = xlsxColumn(city, "formats", "format", "meetings_held");
    assertEquals(Map.of("on_site", "1", "online", "1", "hybrid", "1"), formats);
    assertEquals("1", xlsxColumn(city, "forms", "form", "outcomes").get("proposal"));
    List<Map<String, String>> members = xlsxRows(city, "members");
    assertEquals(4, members.size());
    assertEquals(String.valueOf(m1), members.get(0).get("member_id"));
    assertEquals("3", members.get(0).get("meetings_attended"));
    List<Map<String, String>> dormant = xlsxRows(city, "dormant");
    assertEquals(1, dormant.size());
    assertEquals(String.valueOf(c), dormant.get(0).get("station_id"));
    List<Map<String, String>> overdue = xlsxRows(city, "overdue");
    assertEquals(String.valueOf(overdueOutcome), overdue.get(0).get("outcome_id"));
    Map<String, String> all = xlsxColumn(city, "totals", "key", "value");
    assertEquals("3", all.get("meetings_held"));
    assertEquals("0.3333", all.get("plan_progress_rate"));
  }

  /** The sheet's rows as key → text (numbers without ".0"), without the footer of tables that have one. */
  private static List<Map<String, String>> xlsxRows(Browser who, String table) throws IOException {
    HttpResponse<byte[]> r = who.getBytes("/stats/export.xlsx?table=" + table + "&division=" + ZHENLAI + "&from=2026-03&to=2026-03");
    assertEquals(200, r.statusCode(), table);
    try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(r.body()))) {
      Sheet sheet = book.getSheet(table);
      List<String> keys = keys(sheet.getRow(1));
      List<Map<String, String>> out = new ArrayList<>();
      for (int i = 2; i <= sheet.getLastRowNum(); i++) {
        Map<String, String> row = new HashMap<>();
        for (int k = 0; k < keys.size(); k++) {
          var cell = sheet.getRow(i).getCell(k);
          row.put(keys.get(k), cell == null ? null : cell.getCellType() == CellType.NUMERIC
              ? new java.math.BigDecimal(String.valueOf(cell.getNumericCellValue())).stripTrailingZeros().toPlainString()
              : cell.getStringCellValue());
        }
        out.add(row);
      }
      return out;
    }
  }

  private static Map<String, String> xlsxColumn(Browser who, String table, String keyColumn, String valueColumn) throws IOException {
    Map<String, String> out = new HashMap<>();
    for (Map<String, String> row : xlsxRows(who, table)) {
      if (row.get(keyColumn) != null) {
        out.put(row.get(keyColumn), row.get(valueColumn));
      }
    }
    return out;
  }

  private static List<String> keys(Row row) {
    List<String> keys = new ArrayList<>();
    row.forEach(cell -> keys.add(cell.getStringCellValue()));
    return keys;
  }

  @Test
  void csvExportsCannotCarryFormulasAndKeepTheNumbers() throws IOException {
    fx.sql("UPDATE station SET name = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE id = $1", c);
    try {
      Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
      HttpResponse<String> r = city.get("/stats/export.csv?table=dormant&division=" + ZHENLAI + "&from=2026-03&to=2026-03");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
      List<CsvText.Line> lines = CsvText.parse(r.body());
      assertEquals("station_id", lines.get(0).cells().get(0));
      List<String> row = lines.get(1).cells();
      assertEquals(String.valueOf(c), row.get(0));
      assertEquals("'=HYPERLINK(\"http://evil.example\",\"x\")", row.get(1), "a leading apostrophe: text, never a formula");

      HttpResponse<byte[]> x = city.getBytes("/stats/export.xlsx?table=dormant&division=" + ZHENLAI + "&from=2026-03&to=2026-03");
      try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(x.body()))) {
        var cell = book.getSheet("dormant").getRow(2).getCell(1);
        assertEquals(CellType.STRING, cell.getCellType(), "a text cell in the spreadsheet, not a formula");
        assertEquals("=HYPERLINK(\"http://evil.example\",\"x\")", cell.getStringCellValue());
      }

      HttpResponse<String> children = city.get("/stats/export.csv?table=children&division=" + ZHENLAI + "&from=2026-03&to=2026-03");
      List<CsvText.Line> all = CsvText.parse(children.body());
      List<String> header = all.get(0).cells();
      List<String> total = all.get(all.size() - 1).cells();
      JsonObject totals = rollup("division=" + ZHENLAI + "&from=2026-03&to=2026-03").getJsonObject("totals");
      for (String key : StatsTables.COUNTERS) {
        Object v = totals.getValue(key);
        assertEquals(v == null ? "" : String.valueOf(v), total.get(header.indexOf(key)), key);
      }
    } finally {
      fx.sql("UPDATE station SET name = '镇东议事室' WHERE id = $1", c);
    }
  }

  @Test
  void exportsAndPagesKeepToTheJurisdiction() {
    Browser d2 = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD);
    Browser d1 = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    Browser c1 = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    for (String table : StatsTables.NAMES) {
      for (String ext : List.of("csv", "xlsx")) {
        String path = "/stats/export." + ext + "?table=" + table + "&division=" + ZHENLAI;
        assertEquals(403, d2.get(path).statusCode(), path);
        assertEquals(403, c1.get(path).statusCode(), path);
        assertEquals(200, d1.get("/stats/export." + ext + "?table=" + table).statusCode(), "own district by default: " + table);
      }
    }
    assertEquals(403, d2.get("/stats?division=" + ZHENLAI).statusCode());
    assertEquals(403, d2.get("/stats/live?division=" + ZHENLAI).statusCode());
    HttpResponse<String> anonymous = new Browser(node.baseUrl()).get("/stats/export.csv?table=children");
    assertEquals(303, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("Location").orElse("").startsWith("/login"));
    Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    assertEquals(422, city.get("/stats/export.csv?table=secrets&division=" + ZHENLAI).statusCode());
    assertEquals(422, city.get("/stats/export.csv?division=" + ZHENLAI).statusCode(), "a table must be named");
    assertEquals(422, city.get("/stats/export.xlsx?table=children&division=" + ZHENLAI + "&category=nope").statusCode());
    assertEquals(422, city.get("/stats/export.csv?table=children&division=" + ZHENLAI + "&from=2026-07&to=2026-01").statusCode());
    assertEquals(404, city.get("/stats/export.csv?table=children&division=220899000000").statusCode());
    assertEquals(422, city.get("/stats/live").statusCode(), "the live stream names its unit");
  }

  // ---------------------------------------------------------------- the page

  @Test
  void theDashboardShowsEveryTableWithItsExportAndFilters() {
    Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    String page = city.get("/stats?division=" + ZHENLAI + "&from=2026-03&to=2026-03&category=livelihood").body();
    assertTrue(page.contains("id=\"stats-unit\">镇赉县<"));
    assertTrue(page.contains("<option value=\"livelihood\" selected>"), "the category stays chosen");
    assertTrue(page.contains("data-key=\"meetings_held\">2<"), "livelihood only: m1 and m2");
    for (String id : List.of("stats-table", "kinds-table", "formats-table", "forms-table", "members-table", "dormant-table",
        "overdue-table", "totals-table", "kinds-chart", "stats-chart")) {
      assertTrue(page.contains("id=\"" + id + "\""), id);
    }
    for (String table : StatsTables.NAMES) {
      assertTrue(page.contains("/stats/export.csv?table=" + table + "&amp;division=" + ZHENLAI + "&amp;from=2026-03&amp;to=2026-03&amp;category=livelihood"),
          "CSV link of " + table);
      assertTrue(page.contains("/stats/export.xlsx?table=" + table + "&amp;division=" + ZHENLAI), "XLSX link of " + table);
    }
    assertTrue(page.contains("href=\"/stations/" + c + "\""), "the dormant station links to its page");
    assertTrue(page.contains("href=\"/outcomes/" + overdueOutcome + "\""), "the overdue referral links to its page");
    assertTrue(page.contains("href=\"/members/" + m1 + "\""), "members link to their page");
    assertTrue(page.contains("/stats?division=" + HECHENG + "&amp;from=2026-03&amp;to=2026-03&amp;category=livelihood"),
        "drill down to a township, keeping the filters");
    assertTrue(page.contains("data-live=\"/stats/live?division=" + ZHENLAI + "\""));
    assertTrue(page.contains("/assets/js/dashboard-live.js"));

    String township = city.get("/stats?division=" + HECHENG + "&from=2026-03&to=2026-03").body();
    assertTrue(township.contains("href=\"/stations/" + a + "\"") && township.contains("href=\"/stations/" + b + "\""),
        "below a township the rows are its stations, linking to them");

    String fragment = city.getWithHeaders("/stats?division=" + ZHENLAI + "&from=2026-03&to=2026-03", "HX-Request", "true").body();
    assertTrue(fragment.trim().startsWith("<div id=\"stats-body\""), "htmx gets the dashboard's body only");
    assertFalse(fragment.contains("<html"));
  }

  @Test
  void aBadFilterOnThePageKeepsTheInputAndSaysWhy() {
    Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    HttpResponse<String> r = city.get("/stats?division=" + ZHENLAI + "&from=2026-13&to=2026-03&category=nope");
    assertEquals(422, r.statusCode());
    String page = r.body();
    assertTrue(page.contains("value=\"2026-13\""), "the input is kept");
    assertTrue(page.contains("id=\"e-from\""), "a message beside the month");
    assertFalse(page.contains("id=\"stats-body\""), "no figures for a bad filter");
    HttpResponse<String> unknown = city.get("/stats?division=" + ZHENLAI + "&category=nope");
    assertEquals(422, unknown.statusCode());
    assertTrue(unknown.body().contains("id=\"e-category\""));
    assertEquals(422, city.get("/stats?division=" + ZHENLAI + "&dormant_page=0").statusCode());
    assertEquals(422, city.get("/stats?division=abc").statusCode());
    assertEquals(404, city.get("/stats?division=220899000000").statusCode());
  }

  @Test
  void theDashboardListsArePaginatedInsideTheUnit() {
    // 25 more dormant stations in 镇东街道: two pages of 20
    for (int i = 0; i < 25; i++) {
      station("镇东分站" + (100 + i), "township", ZHENDONG);
    }
    try {
      Browser city = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
      String first = city.get("/stats?division=" + ZHENLAI + "&from=2026-03&to=2026-03").body();
      assertTrue(first.contains("dormant_page=2#dormant"), "a link to the second page");
      String second = city.get("/stats?division=" + ZHENLAI + "&from=2026-03&to=2026-03&dormant_page=2").body();
      String table = second.substring(second.indexOf("id=\"dormant-table\""), second.indexOf("</table>", second.indexOf("id=\"dormant-table\"")));
      assertEquals(6, table.split("<tr>").length - 2, "26 dormant stations: 6 on page 2");
      assertTrue(second.contains("2 / 2"));
    } finally {
      fx.sql("DELETE FROM station WHERE name LIKE '镇东分站%'");
    }
  }
}
