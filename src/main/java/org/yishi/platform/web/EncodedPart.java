package org.yishi.platform.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A rendered part of a page (the dashboard's figures, the work queue's shared sections) kept as it
 * goes on the wire: its UTF-8 bytes and the same bytes deflated (raw deflate blocks ending on a sync
 * flush), so that a page spliced from the text rendered for its request and these parts is neither
 * encoded nor compressed again for each reader.
 *
 * <p>A gzip answer is one gzip member: its header, the per-request text deflated on its own, each
 * part's deflated bytes as they are kept, an empty final block, the CRC-32 and length of the whole.
 * Raw deflate streams that end on a sync flush can follow one another in one stream (a block refers
 * back only within its own stream's output), which is what makes a kept part reusable inside
 * any page.
 */
public final class EncodedPart {
  /** Where a part goes in a page's text: {@code <!--part:NAME-->}. */
  public static String marker(String name) {
    return "<!--part:" + name + "-->";
  }

  private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  /** An empty final fixed-Huffman block: ends the deflate stream. */
  private static final byte[] FINAL_BLOCK = {3, 0};
  /** One compressor per event-loop thread for the per-request text (reset before each use). */
  private static final ThreadLocal<Deflater> FAST = ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));
  /** The compressor's output buffer of each thread. */
  private static final ThreadLocal<byte[]> CHUNK = ThreadLocal.withInitial(() -> new byte[16_384]);
  /**
   * Per-request text up to this many bytes goes as a stored (uncompressed) block: between two parts
   * (a form's CSRF field between the pieces of a shared section) compressing would cost more than it saves.
   */
  private static final int STORED_UP_TO = 512;

  public final byte[] utf8;
  public final byte[] deflated;

  private EncodedPart(byte[] utf8, byte[] deflated) {
    this.utf8 = utf8;
    this.deflated = deflated;
  }

  /** A part from its rendered text (compressed once, at the default level). */
  public static EncodedPart of(String html) {
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      return new EncodedPart(bytes, deflate(d, bytes));
    } finally {
      d.end();
    }
  }

  private static byte[] deflate(Deflater d, byte[] bytes) {
    d.setInput(bytes);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length / 4 + 64);
    byte[] buf = new byte[8192];
    int n;
    do {
      n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
      out.write(buf, 0, n);
    } while (n == buf.length); // a full buffer: more of the flush may follow
    return out.toByteArray();
  }

  /** Whether an {@code Accept-Encoding} header accepts gzip (named, and not refused with q=0). */
  public static boolean acceptsGzip(String accept) {
    if (accept == null) {
      return false;
    }
    for (String coding : accept.split(",")) {
      String[] p = coding.trim().split(";");
      if (p[0].trim().equalsIgnoreCase("gzip")) {
        return p.length < 2 || !p[1].trim().replace(" ", "").matches("q=0(\\.0*)?");
      }
    }
    return false;
  }

  /**
   * Ends the response with {@code html} (text rendered for this request) where each
   * {@link #marker} is replaced by its part: gzip-compressed when the client accepts it.
   */
  public static void send(RoutingContext ctx, int status, String contentType, String html, Map<String, EncodedPart> parts) {
    List<Object> pieces = pieces(html, parts);
    ctx.response().setStatusCode(status).putHeader("Content-Type", contentType).putHeader("Vary", "Accept-Encoding");
    if (acceptsGzip(ctx.request().getHeader("Accept-Encoding"))) {
      ctx.response().putHeader("Content-Encoding", "gzip").end(gzip(pieces));
    } else {
      Buffer out = Buffer.buffer(html.length() * 2);
      for (Object p : pieces) {
        out.appendBytes(p instanceof EncodedPart e ? e.utf8 : (byte[]) p);
      }
      ctx.response().end(out);
    }
  }

  /** The page's pieces in order: the text between the markers (UTF-8 bytes) and the parts. */
  public static List<Object> pieces(String html, Map<String, EncodedPart> parts) {
    List<Object> pieces = new ArrayList<>();
    int at = 0;
    while (true) {
      int start = html.indexOf("<!--part:", at);
      if (start < 0) {
        break;
      }
      int end = html.indexOf("-->", start);
      EncodedPart part = end < 0 ? null : parts.get(html.substring(start + 9, end));
      if (part == null) {
        throw new IllegalArgumentException("no part for the marker at " + start);
      }
      pieces.add(html.substring(at, start).getBytes(StandardCharsets.UTF_8));
      pieces.add(part);
      at = end + 3;
    }
    pieces.add(html.substring(at).getBytes(StandardCharsets.UTF_8));
    return pieces;
  }

  /** One gzip member of the pieces: the text deflated here, the parts' deflated bytes as kept. */
  public static Buffer gzip(List<Object> pieces) {
    CRC32 crc = new CRC32();
    long size = 0;
    Buffer out = Buffer.buffer(16_384).appendBytes(GZIP_HEADER);
    Deflater fast = FAST.get();
    for (Object p : pieces) {
      byte[] text = p instanceof EncodedPart e ? e.utf8 : (byte[]) p;
      crc.update(text);
      size += text.length;
      if (p instanceof EncodedPart e) {
        out.appendBytes(e.deflated);
      } else if (text.length > STORED_UP_TO) {
        fast.reset();
        fast.setInput(text);
        byte[] chunk = CHUNK.get();
        int n;
        do {
          n = fast.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
          out.appendBytes(chunk, 0, n);
        } while (n == chunk.length); // a full buffer: more of the flush may follow
      } else if (text.length > 0) {
        // a stored block (BFINAL 0, BTYPE 00, padded to the byte the previous sync flush ended on): LEN, NLEN, the bytes
        out.appendByte((byte) 0).appendUnsignedShortLE(text.length).appendUnsignedShortLE(~text.length & 0xffff).appendBytes(text);
      }
    }
    return out.appendBytes(FINAL_BLOCK).appendIntLE((int) crc.getValue()).appendIntLE((int) size);
  }
}
