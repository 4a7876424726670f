package org.yishi.platform.web;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared input rules: whole numbers as written (no wrapping), one notion of blank, CSV quotes that close. */
class InputRulesTest {
  /** A JSON body as the API reads it (Jackson: integers beyond 64 bits become BigInteger, decimals Double). */
  private static Input json(String body) {
    Object parsed = io.vertx.core.json.Json.decodeValue(body);
    @SuppressWarnings("unchecked")
    Map<String, Object> map = parsed instanceof JsonObject o ? o.getMap() : (Map<String, Object>) parsed;
    return Input.fromObjects(map);
  }

  private static String error(Input in, String field) {
    return in.errors().containsKey(field) ? in.errors().get(field).key() : null;
  }

  @Test
  void numbersBeyondSixtyFourBitsAreOutOfRangeNotWrapped() {
    // 2^64 + 5: longValue() would make it 5, inside the range
    Input in = json("{\"version\": 18446744073709551621, \"n\": -18446744073709551611, \"big\": 1e400,"
        + " \"huge\": 1.5e308, \"frac\": 1.5, \"whole\": 3.0, \"exp\": 3e2, \"max\": 9223372036854775807,"
        + " \"over\": 9223372036854775808, \"ids\": [1, 18446744073709551617]}");
    assertNull(in.optionalLong("version", 1, Integer.MAX_VALUE));
    assertEquals("field.range", error(in, "version"));
    assertNull(in.optionalLong("n", -100, 100));
    assertEquals("field.range", error(in, "n"));
    assertNull(in.optionalLong("huge", 0, Long.MAX_VALUE));
    assertEquals("field.range", error(in, "huge"));
    assertNull(in.optionalLong("frac", 0, 10));
    assertEquals("field.notWholeNumber", error(in, "frac"));
    assertEquals(3L, in.optionalLong("whole", 0, 10));
    assertEquals(300L, in.optionalLong("exp", 0, 1000));
    assertEquals(Long.MAX_VALUE, in.optionalLong("max", 0, Long.MAX_VALUE));
    assertNull(in.optionalLong("over", 0, Long.MAX_VALUE));
    assertEquals("field.range", error(in, "over"));
    assertNull(in.optionalLong("big", 0, 10), "1e400 is not a usable number either way");
    assertTrue(in.failed("big"));
    assertEquals(List.of(), in.longList("ids", 10));
    assertEquals("field.range", error(in, "ids[1]"), "the element is named");
    AppException e = assertThrows(AppException.class, in::done);
    assertEquals(ErrorKind.INVALID, e.kind());
    assertTrue(e.fields().keySet().containsAll(List.of("version", "n", "huge", "frac", "over", "ids[1]")), e.fields().toString());
  }

  @Test
  void formNumbersAreCheckedAsWrittenToo() {
    Input in = Input.of(Map.of("year", "18446744073709551621", "page", "\u30002026\u3000", "ids", "1, 18446744073709551617"));
    assertNull(in.optionalLong("year", 2000, 2100));
    assertEquals("field.range", error(in, "year"));
    assertEquals(2026L, in.optionalLong("page", 2000, 2100));
    assertEquals(List.of(), in.longList("ids", 10));
    assertEquals("field.range", error(in, "ids[1]"));
  }

  @Test
  void unicodeSpacesAndInvisibleCharactersAreBlank() {
    for (String blank : List.of("", " ", "\u3000", "\u3000\u3000", "\u00A0", "\u2007", "\u202F", "\u200B", "\uFEFF",
        "\u2060", "\t\r\n", " \u3000\u200B\uFEFF\u00A0 ", "\u2028", "\u3164")) {
      assertTrue(Text.blank(blank), "blank: " + blank.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList());
      Input in = json(new JsonObject().put("name", blank).put("note", blank).encode());
      assertNull(in.text("name", 100));
      assertEquals("field.required", error(in, "name"), "a required field of only blank characters is missing");
      assertNull(in.optionalText("note", 100, true));
      assertFalse(in.has("name"));
      Input form = Input.of(Map.of("name", blank));
      assertNull(form.text("name", 100));
      assertEquals("field.required", error(form, "name"));
    }
    assertFalse(Text.blank("\u3000议\u3000"));
    assertEquals("议\u3000事", Text.strip("\u3000\u200B议\u3000事\uFEFF\u00A0"), "only the ends are stripped");
    assertEquals("a", json("{\"t\":\"\\u3000a\\u3000\"}").text("t", 10));
    assertNull(Text.orNull("\u3000"));
  }

  @Test
  void anUnclosedQuoteInCsvIsRefusedNamingItsLine() {
    AppException e = assertThrows(AppException.class, () -> CsvText.parse("name,type\n好,a\n\"坏,b\n后面,c\n还有,d\n"));
    assertEquals(ErrorKind.INVALID, e.kind());
    assertEquals("field.import.quoteNotClosed", e.fields().get("file").key());
    assertEquals(List.of(3), e.fields().get("file").args(), "the line where the quote was opened");
    assertTrue(e.getMessage().contains("Line 3"), e.getMessage());
    // tab-separated text from a spreadsheet, too
    assertThrows(AppException.class, () -> CsvText.parse("name\ttype\n\"x\ty\n"));
    // a quoted cell spanning lines that is closed is fine, and keeps later line numbers right
    List<CsvText.Line> ok = CsvText.parse("a,b\n\"x\ny\",z\nc,d\n");
    assertEquals(List.of("x\ny", "z"), ok.get(1).cells());
    assertEquals(4, ok.get(2).number());
    // a line of blank characters is a blank line
    assertEquals(2, CsvText.parse("a,b\n\u3000\nc,d\n").size());
  }
}
