package org.yishi.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.util.WorkbookUtil;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.yishi.platform.web.CsvText;
import org.yishi.platform.web.I18n;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A report's snapshot as files: CSV (one table, stable counter keys as columns) and XLSX (a summary
 * sheet with the totals and their changes, then the child units, the rankings, dormant stations,
 * overdue referrals and typical cases). Both are written from the stored numbers only.
 */
final class ReportExport {
  static {
    // POI logs through the Log4j API; without an implementation that API prints an error at first use.
    // Its simple logger (warnings and up to stderr) is enough for POI's rare messages.
    if (System.getProperty("log4j2.loggerContextFactory") == null) {
      System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    }
  }

  private ReportExport() {
  }

  /** The file name (ASCII) of a report's download: {@code report-monthly-220800000000-2025-03-v1.xlsx}. */
  static String fileName(JsonObject report, String extension) {
    return "report-" + report.getString("kind") + "-" + report.getString("unitCode") + "-" + report.getString("period")
        + "-v" + report.getInteger("version") + "." + extension;
  }

  private static List<String> counters(JsonObject c) {
    List<String> out = new ArrayList<>();
    c.getJsonArray("counters").forEach(k -> out.add((String) k));
    return out;
  }

  /**
   * The CSV: header {@code section,code,name,period,<counter keys>}; rows for the unit's totals in the
   * period ({@code total}), the previous period ({@code previous}), the same period last year
   * ({@code last_year}), then one per child unit ({@code child}). Rates are fractions (0.825).
   */
  static String csv(JsonObject c) {
    List<String> counters = counters(c);
    StringBuilder out = new StringBuilder("\uFEFF");
    List<Object> header = new ArrayList<>(List.of("section", "code", "name", "period"));
    header.addAll(counters);
    out.append(CsvText.line(header)).append("\r\n");
    JsonObject unit = c.getJsonObject("unit");
    row(out, "total", unit, c.getString("period"), c.getJsonObject("totals"), counters);
    row(out, "previous", unit, c.getJsonObject("previous").getString("period"), c.getJsonObject("previous").getJsonObject("totals"), counters);
    row(out, "last_year", unit, c.getJsonObject("lastYear").getString("period"), c.getJsonObject("lastYear").getJsonObject("totals"), counters);
    for (Object o : c.getJsonArray("children")) {
      JsonObject child = (JsonObject) o;
      row(out, "child", child, c.getString("period"), child, counters);
    }
    return out.toString();
  }

  private static void row(StringBuilder out, String section, JsonObject unit, String period, JsonObject values, List<String> counters) {
    List<Object> cells = new ArrayList<>(List.of(section, unit.getString("code"), unit.getString("name"), period));
    counters.forEach(k -> cells.add(values.getValue(k)));
    out.append(CsvText.line(cells)).append("\r\n");
  }

  /** The XLSX workbook in {@code locale}'s words. */
  static byte[] xlsx(JsonObject report, Locale locale) {
    JsonObject c = report.getJsonObject("content");
    List<String> counters = counters(c);
    JsonArray rates = c.getJsonArray("rates");
    try (XSSFWorkbook wb = new XSSFWorkbook(); ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
      Styles st = new Styles(wb);
      // 1. summary: title, facts, summary paragraph, then totals with their changes
      Sheet sum = wb.createSheet(sheetName(locale, "report.sheet.summary"));
      int r = 0;
      cell(sum, r++, 0, title(report, locale), st.title);
      cell(sum, r, 0, I18n.t(locale, "report.field.unit"), st.bold);
      cell(sum, r++, 1, c.getJsonObject("unit").getString("name") + " (" + c.getJsonObject("unit").getString("code") + ")", null);
      cell(sum, r, 0, I18n.t(locale, "report.field.period"), st.bold);
      cell(sum, r++, 1, ReportText.periodLabel(locale, c.getString("kind"), c.getString("period")), null);
      cell(sum, r, 0, I18n.t(locale, "report.field.version"), st.bold);
      number(sum, r++, 1, report.getInteger("version"), null);
      cell(sum, r, 0, I18n.t(locale, "report.field.generatedAt"), st.bold);
      cell(sum, r++, 1, report.getString("generatedAt"), null);
      cell(sum, r, 0, I18n.t(locale, "report.summary.title"), st.bold);
      cell(sum, r++, 1, c.getJsonObject("summary").getString(I18n.normalise(locale) == I18n.EN ? "en" : "zh"), null);
      r++;
      String[] head = {"report.col.counter", "report.col.key", "report.col.value", "report.col.previous", "report.col.changePrevious",
          "report.col.lastYear", "report.col.changeLastYear"};
      Row h = sum.createRow(r++);
      for (int i = 0; i < head.length; i++) {
        cell(h, i, I18n.t(locale, head[i]), st.header);
      }
      JsonObject totals = c.getJsonObject("totals");
      JsonObject prev = c.getJsonObject("previous").getJsonObject("totals");
      JsonObject last = c.getJsonObject("lastYear").getJsonObject("totals");
      JsonObject changes = c.getJsonObject("changes");
      for (String key : counters) {
        boolean rate = rates.contains(key);
        Row row = sum.createRow(r++);
        cell(row, 0, ReportText.counterLabel(locale, key), null);
        cell(row, 1, key, null);
        value(row, 2, totals.getValue(key), rate, st);
        value(row, 3, prev.getValue(key), rate, st);
        cell(row, 4, ReportText.change(changes.getJsonObject(key).getValue("previous"), rate), null);
        value(row, 5, last.getValue(key), rate, st);
        cell(row, 6, ReportText.change(changes.getJsonObject(key).getValue("lastYear"), rate), null);
      }
      sum.setColumnWidth(0, 24 * 256);
      sum.setColumnWidth(1, 26 * 256);
      for (int i = 2; i < 7; i++) {
        sum.setColumnWidth(i, 14 * 256);
      }

      // 2. child units, with a totals row
      Sheet units = wb.createSheet(sheetName(locale, "report.sheet.units"));
      Row uh = units.createRow(0);
      cell(uh, 0, I18n.t(locale, "report.col.code"), st.header);
      cell(uh, 1, I18n.t(locale, "report.col.unit"), st.header);
      for (int i = 0; i < counters.size(); i++) {
        cell(uh, i + 2, ReportText.counterLabel(locale, counters.get(i)), st.header);
      }
      Row keys = units.createRow(1);
      cell(keys, 1, I18n.t(locale, "report.col.key"), null);
      for (int i = 0; i < counters.size(); i++) {
        cell(keys, i + 2, counters.get(i), null);
      }
      int ur = 2;
      for (Object o : c.getJsonArray("children")) {
        JsonObject child = (JsonObject) o;
        Row row = units.createRow(ur++);
        cell(row, 0, child.getString("code"), null);
        cell(row, 1, child.getString("name"), null);
        for (int i = 0; i < counters.size(); i++) {
          value(row, i + 2, child.getValue(counters.get(i)), rates.contains(counters.get(i)), st);
        }
      }
      Row total = units.createRow(ur);
      cell(total, 0, c.getJsonObject("unit").getString("code"), st.bold);
      cell(total, 1, I18n.t(locale, "report.col.total"), st.bold);
      for (int i = 0; i < counters.size(); i++) {
        value(total, i + 2, totals.getValue(counters.get(i)), rates.contains(counters.get(i)), st);
      }
      units.setColumnWidth(1, 20 * 256);
      units.createFreezePane(2, 2);

      // 3. rankings
      Sheet rank = wb.createSheet(sheetName(locale, "report.sheet.rankings"));
      int rr = 0;
      for (Object o : c.getJsonArray("rankings")) {
        JsonObject ranking = (JsonObject) o;
        boolean rate = ranking.getBoolean("rate", false);
        cell(rank, rr++, 0, ReportText.counterLabel(locale, ranking.getString("key")), st.bold);
        for (Object x : ranking.getJsonArray("rows")) {
          JsonObject e = (JsonObject) x;
          Row row = rank.createRow(rr++);
          if (e.getInteger("rank") != null) {
            number(row, 0, e.getInteger("rank"), null);
          }
          cell(row, 1, e.getString("name"), null);
          value(row, 2, e.getValue("value"), rate, st);
        }
        rr++;
      }
      rank.setColumnWidth(1, 20 * 256);

      // 4-6. lists
      list(wb, st, locale, "report.sheet.dormant", c.getJsonObject("dormantStations"),
          new String[] {"report.col.station", "report.col.division", "report.col.lastHeld"},
          new String[] {"name", "divisionName", "lastHeldMonth"});
      list(wb, st, locale, "report.sheet.overdue", c.getJsonObject("overdueReferrals"),
          new String[] {"report.col.station", "report.col.responsibleUnit", "report.col.dueOn", "report.col.daysOverdue", "report.col.content"},
          new String[] {"stationName", "responsibleUnit", "dueOn", "daysOverdue", "content"});
      list(wb, st, locale, "report.sheet.typical", c.getJsonObject("typicalCases"),
          new String[] {"report.col.station", "report.col.meeting", "report.col.content", "report.col.markedAt"},
          new String[] {"stationName", "meetingTitle", "content", "markedAt"});
      wb.write(bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String title(JsonObject report, Locale locale) {
    JsonObject c = report.getJsonObject("content");
    return I18n.t(locale, "report.title.full", c.getJsonObject("unit").getString("name"),
        ReportText.periodLabel(locale, c.getString("kind"), c.getString("period")), I18n.t(locale, "report.kind." + c.getString("kind")));
  }

  private static void list(XSSFWorkbook wb, Styles st, Locale locale, String sheetKey, JsonObject list, String[] heads, String[] fields) {
    Sheet sheet = wb.createSheet(sheetName(locale, sheetKey));
    Row h = sheet.createRow(0);
    for (int i = 0; i < heads.length; i++) {
      cell(h, i, I18n.t(locale, heads[i]), st.header);
      sheet.setColumnWidth(i, (i == heads.length - 1 ? 40 : 18) * 256);
    }
    int r = 1;
    for (Object o : list.getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      Row row = sheet.createRow(r++);
      for (int i = 0; i < fields.length; i++) {
        Object v = item.getValue(fields[i]);
        if (v instanceof Number n) {
          number(row, i, n, null);
        } else {
          cell(row, i, v == null ? "" : String.valueOf(v), null);
        }
      }
    }
    long total = list.getLong("total", 0L);
    cell(sheet, r + 1, 0, I18n.t(locale, "report.list.total", String.valueOf(total)), st.bold);
  }

  private static String sheetName(Locale locale, String key) {
    return WorkbookUtil.createSafeSheetName(I18n.t(locale, key));
  }

  private static void cell(Sheet sheet, int row, int col, String text, CellStyle style) {
    Row r = sheet.getRow(row) != null ? sheet.getRow(row) : sheet.createRow(row);
    cell(r, col, text, style);
  }

  private static void cell(Row row, int col, String text, CellStyle style) {
    var cell = row.createCell(col);
    cell.setCellValue(text);
    if (style != null) {
      cell.setCellStyle(style);
    }
  }

  private static void number(Sheet sheet, int row, int col, Number n, CellStyle style) {
    Row r = sheet.getRow(row) != null ? sheet.getRow(row) : sheet.createRow(row);
    number(r, col, n, style);
  }

  private static void number(Row row, int col, Number n, CellStyle style) {
    var cell = row.createCell(col);
    cell.setCellValue(n.doubleValue());
    if (style != null) {
      cell.setCellStyle(style);
    }
  }

  /** A figure as a numeric cell (rates formatted as percentages); no value leaves the cell blank. */
  private static void value(Row row, int col, Object v, boolean rate, Styles st) {
    if (v instanceof Number n) {
      number(row, col, n, rate ? st.percent : null);
    } else {
      row.createCell(col);
    }
  }

  private static final class Styles {
    final CellStyle title;
    final CellStyle bold;
    final CellStyle header;
    final CellStyle percent;

    Styles(XSSFWorkbook wb) {
      Font big = wb.createFont();
      big.setBold(true);
      big.setFontHeightInPoints((short) 14);
      title = wb.createCellStyle();
      title.setFont(big);
      Font b = wb.createFont();
      b.setBold(true);
      bold = wb.createCellStyle();
      bold.setFont(b);
      header = wb.createCellStyle();
      header.setFont(b);
      header.setWrapText(true);
      percent = wb.createCellStyle();
      percent.setDataFormat(wb.createDataFormat().getFormat("0.0%"));
    }
  }
}
