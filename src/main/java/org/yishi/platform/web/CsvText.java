package org.yishi.platform.web;

import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads delimited text as people produce it: CSV (RFC 4180 quoting) or the tab-separated text a
 * spreadsheet puts on the clipboard (the delimiter is taken from the header line); and writes CSV
 * cells that a spreadsheet can never evaluate as formulas.
 */
public final class CsvText {
  private CsvText() {
  }

  /** One parsed line: its 1-based line number and its cells. */
  public record Line(int number, List<String> cells) {
  }

  /**
   * Parses {@code text} (a leading BOM is ignored); blank lines are skipped. A quoted cell may span
   * lines, so a quote that is never closed would swallow the rest of the text as one cell: that is
   * refused with 422 (field {@code file}) naming the line where the quote was opened.
   */
  public static List<Line> parse(String text) {
    String s = text.startsWith("\uFEFF") ? text.substring(1) : text;
    int firstBreak = s.indexOf('\n');
    String header = firstBreak < 0 ? s : s.substring(0, firstBreak);
    char delimiter = header.indexOf('\t') >= 0 ? '\t' : ',';
    List<Line> lines = new ArrayList<>();
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    int line = 1;
    int startLine = 1;
    int quoteLine = 1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          if (c == '\n') {
            line++;
          }
          cell.append(c);
        }
      } else if (c == '"' && cell.length() == 0) {
        quoted = true;
        quoteLine = line;
      } else if (c == delimiter) {
        cells.add(cell.toString());
        cell.setLength(0);
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
          i++;
        }
        cells.add(cell.toString());
        cell.setLength(0);
        if (!(cells.size() == 1 && Text.blank(cells.get(0)))) {
          lines.add(new Line(startLine, List.copyOf(cells)));
        }
        cells.clear();
        line++;
        startLine = line;
      } else {
        cell.append(c);
      }
    }
    if (quoted) {
      throw new AppException(ErrorKind.INVALID, "Line " + quoteLine + ": a quoted cell is not closed",
          Map.of("file", Msg.of("field.import.quoteNotClosed", quoteLine)));
    }
    if (cell.length() > 0 || !cells.isEmpty()) {
      cells.add(cell.toString());
      if (!(cells.size() == 1 && Text.blank(cells.get(0)))) {
        lines.add(new Line(startLine, List.copyOf(cells)));
      }
    }
    return lines;
  }

  /**
   * One CSV cell: quoted when it holds a delimiter, quote, line break or apostrophe; a text starting
   * with = + - @ (or a tab/CR) is prefixed with an apostrophe so a spreadsheet never evaluates it as
   * a formula (CSV injection). Numbers are written as they are; null is an empty cell.
   */
  public static String cell(Object value) {
    if (value == null) {
      return "";
    }
    String s = String.valueOf(value);
    if (!(value instanceof Number) && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s;
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") || s.contains("'")) {
      s = "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  /** One CSV line (without the line break) of {@link #cell} values. */
  public static String line(List<?> values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(cell(values.get(i)));
    }
    return sb.toString();
  }
}
