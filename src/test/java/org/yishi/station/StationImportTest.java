package org.yishi.station;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bulk registration from CSV: per-row report, all-or-nothing or skip-invalid, jurisdiction per row. */
class StationImportTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Node node;
  @FromNode private static Api api;

  private static long stations() throws Exception {
    try (Connection c = TestPostgres.jdbc(pgUrl); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM station")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static final String MIXED = """
      name,type,division_code,contact_phone,founded_on
      青山镇协商议事室,协商议事室,220802101000,0436-1234567,2020-05-01
      林海镇委员之家,members_home,220802102000,,
      坏类型,castle,220802103000,,
      坏日期,协商议事室,220802103000,,2020-02-30
      "带,逗号的名字",协商议事室,220802103000,,
      外区的站,协商议事室,220881001000,,
      青山镇协商议事室,协商议事室,220802101000,,
      """;

  @Test
  void atomicImportWithBadRowsAppliesNothingAndReportsEveryLine() throws Exception {
    long before = stations();
    HttpResponse<String> r = api.call("POST", "/api/v1/stations/import", api.token("d1", AccountFixtures.PASSWORD), MIXED);
    assertEquals(422, r.statusCode(), r.body());
    JsonObject report = Http.json(r).getJsonObject("report");
    assertFalse(report.getBoolean("applied"));
    JsonArray errors = report.getJsonArray("errors");
    assertEquals(2, errors.size(), "form-level problems are found before anything is written: " + errors.encode());
    assertEquals(4, errors.getJsonObject(0).getInteger("line"));
    assertEquals("type", errors.getJsonObject(0).getString("field"));
    assertEquals(5, errors.getJsonObject(1).getInteger("line"));
    assertEquals("foundedOn", errors.getJsonObject(1).getString("field"));
    assertEquals(before, stations());
  }

  @Test
  void skipInvalidAppliesTheGoodRowsAndReportsTheRest() throws Exception {
    long before = stations();
    HttpResponse<String> r = api.call("POST", "/api/v1/stations/import?mode=skip-invalid",
        api.token("d1", AccountFixtures.PASSWORD), MIXED.replace("青山镇", "平安镇").replace("220802101000", "220802100000"));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject report = Http.json(r);
    assertEquals(7, report.getInteger("rows"));
    assertEquals(3, report.getInteger("created"), report.encode());
    JsonArray errors = report.getJsonArray("errors");
    assertEquals(4, errors.size(), errors.encode());
    assertTrue(errors.stream().map(o -> (JsonObject) o).anyMatch(e -> e.getInteger("line") == 7), "another district's division");
    assertTrue(errors.stream().map(o -> (JsonObject) o).anyMatch(e -> e.getInteger("line") == 8 && "name".equals(e.getString("field"))),
        "the same name twice in one division");
    assertEquals(before + 3, stations());
    try (Connection c = TestPostgres.jdbc(pgUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM station WHERE name = '带,逗号的名字' AND status = 'pending'")) {
      rs.next();
      assertEquals(1, rs.getInt(1), "quoted cells are read whole");
    }
  }

  @Test
  void badFilesAreRefusedWhole() throws Exception {
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    long before = stations();
    assertEquals(422, api.call("POST", "/api/v1/stations/import", d1, "nom,type\nx,y\n").statusCode());
    assertEquals(422, api.call("POST", "/api/v1/stations/import", d1, "name,type\nx,consultation_room\n").statusCode(), "division_code missing");
    assertEquals(422, api.call("POST", "/api/v1/stations/import", d1, "").statusCode());
    assertEquals(422, api.call("POST", "/api/v1/stations/import?mode=yolo", d1, MIXED).statusCode());
    assertEquals(400, api.callBytes("POST", "/api/v1/stations/import", d1,
        "name,type,division_code\n\u00ff,协商议事室,220802101000\n".getBytes(StandardCharsets.ISO_8859_1)).statusCode());
    StringBuilder many = new StringBuilder("name,type,division_code\n");
    for (int i = 0; i < 5_001; i++) {
      many.append("s").append(i).append(",协商议事室,220802101000\n");
    }
    assertEquals(422, api.call("POST", "/api/v1/stations/import", d1, many.toString()).statusCode());
    assertEquals(before, stations());
  }

  @Test
  void pastedSpreadsheetRowsWorkOnThePage() throws Exception {
    Browser b = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    b.get("/stations/import");
    String tsv = "name\ttype\tdivision_code\n洮河镇协商议事室\t协商议事室\t220802103000\n<b>粗体</b>站\twork_station\t220802103000\n";
    HttpResponse<String> r = b.post("/stations/import", Map.of("csv", tsv, "mode", "atomic"));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("已导入 2 个议事室"));
    HttpResponse<String> again = b.post("/stations/import", Map.of("csv", tsv, "mode", "atomic"));
    assertEquals(422, again.statusCode());
    assertTrue(again.body().contains("未导入任何内容") && again.body().contains("同一区划内已有同名议事室"),
        "both rows reported as duplicates, in the page's language");
    assertTrue(again.body().contains("&lt;b&gt;粗体&lt;/b&gt;站") && !again.body().contains("<b>粗体</b>"),
        "the pasted text is kept for correction, escaped");
  }
}
