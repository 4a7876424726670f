package org.yishi.platform.web;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pages spliced from per-request text and kept parts: the gzip member inflates to exactly the text
 * with each marker replaced (Chinese text, empty text between parts, a part longer than the
 * compressor's buffer, an empty part, short text stored between parts); an unknown or unclosed marker is refused; which
 * {@code Accept-Encoding} headers get gzip.
 */
class EncodedPartTest {
  private static String gunzip(Buffer b) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b.getBytes()))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String identity(String html, Map<String, EncodedPart> parts) {
    StringBuilder out = new StringBuilder();
    for (Object p : EncodedPart.pieces(html, parts)) {
      out.append(new String(p instanceof EncodedPart e ? e.utf8 : (byte[]) p, StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  @Test
  void aSplicedPageInflatesToTheTextWithItsParts() throws IOException {
    StringBuilder big = new StringBuilder();
    Random r = new Random(25);
    for (int i = 0; i < 20_000; i++) {
      big.append((char) ('一' + r.nextInt(2_000))); // hardly compressible: more than one output buffer
    }
    Map<String, EncodedPart> parts = Map.of("top", EncodedPart.of("<section>洮北区 &lt;script&gt; 12</section>"),
        "big", EncodedPart.of(big.toString()), "empty", EncodedPart.of(""));
    String html = "<html><body>" + EncodedPart.marker("top") + EncodedPart.marker("big") + "<p>议事</p>"
        + EncodedPart.marker("empty") + EncodedPart.marker("top") + "</body></html>";
    String expected = "<html><body><section>洮北区 &lt;script&gt; 12</section>" + big + "<p>议事</p>"
        + "<section>洮北区 &lt;script&gt; 12</section></body></html>";
    assertEquals(expected, gunzip(EncodedPart.gzip(EncodedPart.pieces(html, parts))));
    assertEquals(expected, identity(html, parts));
    // per-request text longer than the compressor's buffer, and short text (a CSRF field) between parts, stored as is
    String field = "<input type=\"hidden\" name=\"_csrf\" value=\"令牌\">";
    String spliced = big + EncodedPart.marker("top") + field + EncodedPart.marker("top") + field + "x".repeat(600) + EncodedPart.marker("empty");
    String inflated = big + "<section>洮北区 &lt;script&gt; 12</section>" + field + "<section>洮北区 &lt;script&gt; 12</section>" + field
        + "x".repeat(600);
    assertEquals(inflated, gunzip(EncodedPart.gzip(EncodedPart.pieces(spliced, parts))));
    assertEquals(field, gunzip(EncodedPart.gzip(EncodedPart.pieces(field, Map.of()))), "a short page: one stored block");
    assertEquals("只有文字", gunzip(EncodedPart.gzip(EncodedPart.pieces("只有文字", Map.of()))), "a page without parts");
    assertEquals("", gunzip(EncodedPart.gzip(EncodedPart.pieces("", Map.of()))), "an empty page");
  }

  @Test
  void aMarkerWithoutItsPartIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> EncodedPart.pieces("<p>" + EncodedPart.marker("nope") + "</p>", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> EncodedPart.pieces("<p><!--part:top", Map.of("top", EncodedPart.of("x"))));
  }

  @Test
  void gzipOnlyWhenTheClientAcceptsIt() {
    for (String yes : new String[] {"gzip", "GZIP", "deflate, gzip;q=0.8", "br, gzip, deflate", "gzip;q=1.0", "gzip; q=0.5"}) {
      assertTrue(EncodedPart.acceptsGzip(yes), yes);
    }
    for (String no : new String[] {null, "", "br", "identity", "gzip;q=0", "gzip; q=0.0", "deflate, gzip;q=0.00", "x-gzip2", "*"}) {
      assertFalse(EncodedPart.acceptsGzip(no), String.valueOf(no));
    }
  }
}
