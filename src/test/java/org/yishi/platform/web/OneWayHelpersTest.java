package org.yishi.platform.web;

import org.junit.jupiter.api.Test;
import org.yishi.platform.db.Like;
import org.yishi.platform.http.ErrorHandler;
import org.yishi.platform.http.StaleConflict;
import org.yishi.platform.security.Jurisdiction;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helpers that say one thing one way (issue 19), with bad input: ids, LIKE patterns and the
 * jurisdiction's SQL predicate, the 409 of a stale version. Their use through HTTP and PostgreSQL is in ApiQueryParametersTest.
 */
class OneWayHelpersTest {
  @Test
  void anIdIsOneToEighteenAsciiDigits() {
    for (String good : List.of("0", "1", "42", "999999999999999999")) {
      assertTrue(Params.isId(good), good);
      assertEquals(Long.valueOf(good), Params.parseId(good));
    }
    for (String bad : Arrays.asList(null, "", " ", " 1", "1 ", "-1", "+1", "1.0", "1e3", "0x1F", "１２", "٣",
        "9999999999999999999", "1234567890123456789", "1\u0000", "1;DROP TABLE topic", "<script>", "\u3000")) {
      assertFalse(Params.isId(bad), String.valueOf(bad));
      assertNull(Params.parseId(bad), String.valueOf(bad));
    }
  }

  @Test
  void likePatternsMatchTheTextLiterally() {
    assertEquals("100\\%\\_done\\\\x", Like.escape("100%_done\\x"));
    assertEquals("%100\\%%", Like.contains("100%"));
    assertEquals("a\\_b%", Like.startsWith("a_b"));
    assertEquals("%%", Like.contains(""));
    assertEquals("%' OR 1=1 --%", Like.contains("' OR 1=1 --"), "quotes are the bind parameter's business, not escaped here");
    assertEquals("%议事\u3000室%", Like.contains("议事\u3000室"));
    assertNull(Like.escape(null));
    assertNull(Like.contains(null));
    assertNull(Like.startsWith(null));
  }

  @Test
  void aStaleVersionIsAnswered409WithTheCurrentValues() {
    io.vertx.core.json.JsonObject stored = new io.vertx.core.json.JsonObject().put("version", 3).put("title", "<b>现</b>");
    StaleConflict stale = new StaleConflict(stored, "Someone changed this meanwhile",
        java.util.Map.of("version", org.yishi.platform.http.Msg.of("field.stale")));
    stored.put("title", "changed afterwards");
    io.vertx.core.json.JsonObject body = ErrorHandler.body(stale);
    assertEquals(409, stale.kind().status);
    assertEquals("conflict", body.getJsonObject("error").getString("code"));
    assertEquals("<b>现</b>", body.getJsonObject("current").getString("title"), "kept as it was, verbatim (JSON, not HTML)");
    assertTrue(body.getJsonObject("error").getJsonObject("fields").containsKey("version"));
    assertEquals(new io.vertx.core.json.JsonObject(), ErrorHandler.body(new StaleConflict(null, "gone")).getJsonObject("current"));
    assertNull(ErrorHandler.body(org.yishi.platform.http.AppException.conflict("other")).getJsonObject("current"),
        "only a stale version carries current values");
  }

  @Test
  void theJurisdictionPredicateAndItsArguments() {
    assertEquals("($1 = '' OR t.division_code LIKE $1 || '%') AND ($2::bigint[] IS NULL OR t.station_id = ANY($2))",
        Jurisdiction.sqlInside("t.division_code", "t.station_id", 1, 2));
    assertEquals("($3 = '' OR scope_code LIKE $3 || '%')", Jurisdiction.sqlInside("scope_code", 3));
    for (String bad : new String[] {"code; DROP TABLE x", "a.b.c", "Code", "", "code)--"}) {
      assertThrows(IllegalArgumentException.class, () -> Jurisdiction.sqlInside(bad, 1), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> Jurisdiction.sqlInside("code", 0));

    assertEquals("", Jurisdiction.all().prefixArg());
    assertNull(Jurisdiction.all().stationIdsArg());
    assertEquals("220802", Jurisdiction.division("220802000000").prefixArg());
    assertNull(Jurisdiction.division("220802000000").stationIdsArg());
    assertEquals("", Jurisdiction.stations(Set.of(7L)).prefixArg());
    assertArrayEquals(new Long[] {7L}, Jurisdiction.stations(Set.of(7L)).stationIdsArg());
    assertEquals(0, Jurisdiction.stations(Set.of()).stationIdsArg().length, "no stations: nothing, not everything");
    assertThrows(IllegalArgumentException.class, () -> Jurisdiction.division("2208"));
  }
}
