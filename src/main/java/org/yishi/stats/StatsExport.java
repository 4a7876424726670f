package org.yishi.stats;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;
import org.yishi.platform.web.CsvText;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a dashboard table as CSV (UTF-8 with BOM, header of stable keys, cells through
 * {@link CsvText#cell}, so no cell can become a formula) or as XLSX (Apache POI, streaming: a
 * header row of translated labels, a row of stable keys, the data as numbers and text, rates as
 * percentages; plus an "about" sheet naming the unit, period and category).
 */
final class StatsExport {
  /** The largest table exported in one file; larger ones are refused (413) so a smaller unit can be chosen. */
  static final int MAX_ROWS = 50_000;

  private StatsExport() {
  }

  static String csv(StatsTables.Table table) {
    StringBuilder out = new StringBuilder("\uFEFF");
    out.append(CsvText.line(table.columns().stream().map(StatsTables.Column::key).toList())).append("\r\n");
    for (List<StatsTables.Cell> row : table.exportRows()) {
      List<Object> values = new ArrayList<>(row.size());
      row.forEach(c -> values.add(c.value()));
      out.append(CsvText.line(values)).append("\r\n");
    }
    return out.toString();
  }

  /** The XLSX file; {@code about} is shown on a second sheet (label → value). Blocking: call on a worker. */
  static byte[] xlsx(StatsTables.Table table, Map<String, String> about) {
    try (SXSSFWorkbook book = new SXSSFWorkbook(200)) {
      try {
        CellStyle bold = book.createCellStyle();
        Font font = book.createFont();
        font.setBold(true);
        bold.setFont(font);
        CellStyle key = book.createCellStyle();
        Font grey = book.createFont();
        grey.setItalic(true);
        grey.setColor(org.apache.poi.ss.usermodel.IndexedColors.GREY_50_PERCENT.getIndex());
        key.setFont(grey);
        CellStyle percent = book.createCellStyle();
        percent.setDataFormat(book.createDataFormat().getFormat("0.0%"));

        SXSSFSheet sheet = book.createSheet(table.name());
        List<StatsTables.Column> cols = table.columns();
        Row labels = sheet.createRow(0);
        Row keys = sheet.createRow(1);
        for (int i = 0; i < cols.size(); i++) {
          text(labels, i, cols.get(i).label()).setCellStyle(bold);
          text(keys, i, cols.get(i).key()).setCellStyle(key);
        }
        sheet.createFreezePane(0, 2);
        int r = 2;
        for (List<StatsTables.Cell> values : table.exportRows()) {
          Row row = sheet.createRow(r++);
          for (int i = 0; i < values.size(); i++) {
            StatsTables.Cell c = values.get(i);
            Object v = c.value();
            if (v instanceof Number n) {
              Cell cell = row.createCell(i);
              cell.setCellValue(n.doubleValue());
              if (c.kindIn(cols.get(i)) == StatsTables.Kind.RATE) {
                cell.setCellStyle(percent);
              }
            } else if (v != null) {
              text(row, i, String.valueOf(v));
            }
          }
        }
        Sheet info = book.createSheet("about");
        int i = 0;
        for (Map.Entry<String, String> e : about.entrySet()) {
          Row row = info.createRow(i++);
          text(row, 0, e.getKey()).setCellStyle(bold);
          text(row, 1, e.getValue());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        book.write(out);
        return out.toByteArray();
      } finally {
        book.dispose(); // the streaming workbook's temporary files
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A text cell: stored as a string, so a spreadsheet shows it and never evaluates it. */
  private static Cell text(Row row, int column, String value) {
    Cell cell = row.createCell(column);
    cell.setCellValue(value);
    return cell;
  }
}
