package org.yishi.member;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.yishi.platform.web.I18n;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/** A member's yearly record (履职档案) with its points as a PDF page and as a spreadsheet. */
public final class RecordDocuments {
  private static final List<String> COUNTS = List.of("invited", "confirmed", "declined", "attended", "checkins", "late", "uninvited", "outcomes",
      "proposed", "suggested", "adopted", "typical");

  private RecordDocuments() {
  }

  private static String esc(Object o) {
    String s = o == null ? "" : String.valueOf(o);
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String ruleText(Locale l, JsonObject line) {
    String text = I18n.t(l, "points.kind." + line.getString("kind")) + ": "
        + I18n.t(l, "points.ruleText", line.getInteger("points"), line.getInteger("per"));
    return line.getValue("cap") == null ? text : text + " " + I18n.t(l, "points.cap", line.getInteger("cap"));
  }

  /** The record as XHTML for the PDF renderer. */
  static String xhtml(Locale l, JsonObject record, String fontFamilies) {
    StringBuilder b = new StringBuilder("<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/><style>")
        .append("body{font-family:").append(fontFamilies).append(";font-size:11pt}")
        .append("table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:3pt;text-align:left}</style></head><body>");
    b.append("<h1>").append(esc(I18n.t(l, "my.record.title"))).append(" ").append(record.getInteger("year")).append("</h1>");
    b.append("<p>").append(esc(record.getString("name"))).append(" · ").append(esc(record.getString("committeeName"))).append("</p>");
    b.append("<table>");
    for (String k : COUNTS) {
      b.append("<tr><td>").append(esc(I18n.t(l, "my.record." + k))).append("</td><td>").append(record.getValue(k)).append("</td></tr>");
    }
    b.append("</table><h2>").append(esc(I18n.t(l, "points.title"))).append(": ")
        .append(record.getJsonObject("points").getLong("total")).append("</h2><table><tr><th>")
        .append(esc(I18n.t(l, "points.rule"))).append("</th><th>").append(esc(I18n.t(l, "points.count"))).append("</th><th>")
        .append(esc(I18n.t(l, "points.subtotal"))).append("</th></tr>");
    for (Object o : record.getJsonObject("points").getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      b.append("<tr><td>").append(esc(ruleText(l, line))).append("</td><td>").append(line.getValue("count")).append("</td><td>")
          .append(line.getValue("subtotal")).append("</td></tr>");
    }
    b.append("</table><p>").append(esc(I18n.t(l, record.getJsonObject("points").getBoolean("configured") ? "points.configured" : "points.defaults")))
        .append("</p></body></html>");
    return b.toString();
  }

  /** The PDF (blocking: fonts are read). */
  public static byte[] pdf(Locale l, JsonObject record, PdfRendering pdf) throws IOException {
    return pdf.render(xhtml(l, record, pdf.fontFamilies()));
  }

  /** The spreadsheet: the counts, then one row per rule with its count and points. */
  public static byte[] xlsx(Locale l, JsonObject record) throws IOException {
    try (XSSFWorkbook book = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      Sheet sheet = book.createSheet(I18n.t(l, "my.record.title") + " " + record.getInteger("year"));
      int r = 0;
      Row head = sheet.createRow(r++);
      head.createCell(0).setCellValue(record.getString("name"));
      head.createCell(1).setCellValue(record.getString("committeeName"));
      head.createCell(2).setCellValue(record.getInteger("year"));
      for (String k : COUNTS) {
        Row row = sheet.createRow(r++);
        row.createCell(0).setCellValue(I18n.t(l, "my.record." + k));
        row.createCell(1).setCellValue(record.getLong(k));
      }
      r++;
      Row ph = sheet.createRow(r++);
      ph.createCell(0).setCellValue(I18n.t(l, "points.rule"));
      ph.createCell(1).setCellValue(I18n.t(l, "points.count"));
      ph.createCell(2).setCellValue(I18n.t(l, "points.subtotal"));
      JsonArray lines = record.getJsonObject("points").getJsonArray("lines");
      for (Object o : lines) {
        JsonObject line = (JsonObject) o;
        Row row = sheet.createRow(r++);
        row.createCell(0).setCellValue(ruleText(l, line));
        row.createCell(1).setCellValue(line.getLong("count"));
        row.createCell(2).setCellValue(line.getLong("subtotal"));
      }
      Row total = sheet.createRow(r);
      total.createCell(0).setCellValue(I18n.t(l, "points.title"));
      total.createCell(2).setCellValue(record.getJsonObject("points").getLong("total"));
      book.write(out);
      return out.toByteArray();
    }
  }
}
