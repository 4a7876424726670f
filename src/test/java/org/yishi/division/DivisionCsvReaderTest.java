package org.yishi.division;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import org.yishi.platform.division.DivisionLevel;

/** Line splitting and CSV fields, without a database; and the code rules the importer relies on. */
class DivisionCsvReaderTest {

  /** Each line as its fields joined by '|', or "!" and the error. */
  private static List<String> read(String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (DivisionCsvReader r = new DivisionCsvReader(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 1 << 20)) {
      while (r.next()) {
        if (r.error() != null) {
          out.add(r.line() + "!" + r.error().english());
          continue;
        }
        StringBuilder b = new StringBuilder().append(r.line()).append(':');
        for (int i = 0; i < r.fieldCount(); i++) {
          b.append(i == 0 ? "" : "|").append(r.field(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  @Test
  void splitsQuotedAndPlainFields() throws IOException {
    assertEquals(List.of("1:a|b, c|d\"e|", "2:", "3:x"), read("a,\"b, c\",\"d\"\"e\",\n\nx"));
    assertEquals(List.of("1:a|b"), read("a,b\r\n"));
  }

  @Test
  void reportsBrokenQuotesAndOverlongLinesAndReadsOn() throws IOException {
    String longLine = "1".repeat(DivisionCsvReader.MAX_LINE_BYTES + 1);
    assertEquals(List.of(
            "1!a quoted field is not closed (a field cannot span lines)",
            "2!unexpected text after a closing quote",
            "3!a quote inside an unquoted field (quote the whole field and double the quote)",
            "4!line is longer than 4096 bytes",
            "5:ok"),
        read("a,\"open\nb,\"x\"y\nc,d\"e\n" + longLine + "\nok\n"));
  }

  @Test
  void codeRules() {
    assertEquals(DivisionLevel.CITY, DivisionCode.impliedLevel("441900000000"));
    assertEquals(DivisionLevel.VILLAGE, DivisionCode.impliedLevel("220802001001"));
    assertNull(DivisionCode.impliedLevel("000000000000"));
    assertEquals("2208", DivisionCode.prefix("220800000000"));
    assertEquals("220802010", DivisionCode.prefix("220802010000"));
    assertEquals("220802001000", DivisionCode.parentOf("220802001001", DivisionLevel.VILLAGE));
    assertEquals("441900000000", DivisionCode.parentOf("441900003000", DivisionLevel.TOWNSHIP));
    assertFalse(DivisionCode.fitsLevel("441900000000", DivisionLevel.COUNTY));
    assertFalse(DivisionCode.fitsLevel("220802001010", DivisionLevel.TOWNSHIP));
    assertFalse(DivisionCode.isCode("２２０８０２００１００１"), "full-width digits are not digits here");
  }
}
