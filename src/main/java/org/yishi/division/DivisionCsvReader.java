package org.yishi.division;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Reads the division CSV one line at a time from plain or gzip bytes (told apart by the gzip magic
 * bytes, not a file name). A record is one line: names never legitimately contain line breaks, and
 * working line by line lets a bad line (invalid UTF-8, a broken quote, an absurd length) be
 * reported and skipped instead of derailing the rest of the file. Quoted fields ({@code "a,b"},
 * {@code ""} for a quote) are understood for names with commas.
 *
 * <p>Reading fails with an {@link IOException} only when the input itself cannot be read on:
 * truncated or corrupt gzip, a broken upload, or more than {@code maxBytes} once decompressed.
 */
final class DivisionCsvReader implements Closeable {
  /** Longest line accepted, in bytes; a real line is under 500. */
  static final int MAX_LINE_BYTES = 4096;
  private static final int MAX_FIELDS = 8;

  private final CountingInputStream raw;
  private final InputStream in;
  private final boolean gzip;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;

  private final byte[] lineBytes = new byte[MAX_LINE_BYTES];
  private int lineLength;
  private boolean overlong;
  private long lineNumber;

  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final CharBuffer chars = CharBuffer.allocate(MAX_LINE_BYTES);
  private final String[] fields = new String[MAX_FIELDS];
  private int fieldCount;
  private String text;
  private DivisionReason error;
  private final StringBuilder quoted = new StringBuilder();

  DivisionCsvReader(InputStream input, long maxBytes) throws IOException {
    raw = new CountingInputStream(input);
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    buffered.mark(2);
    int b1 = buffered.read();
    int b2 = buffered.read();
    buffered.reset();
    gzip = b1 == 0x1f && b2 == 0x8b;
    InputStream content = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
    in = new LimitedInputStream(content, maxBytes);
  }

  /** Whether the input was gzip-compressed. */
  boolean gzip() {
    return gzip;
  }

  /** Bytes consumed from the input as given (compressed bytes for gzip). */
  long bytesRead() {
    return raw.count;
  }

  /**
   * Moves to the next line. Returns {@code false} at the end of the input. Afterwards either
   * {@link #error()} says why the line could not be split into fields, or the fields are available.
   */
  boolean next() throws IOException {
    if (eof && pos >= limit) {
      return false;
    }
    lineLength = 0;
    overlong = false;
    boolean any = false;
    while (true) {
      if (pos >= limit) {
        int n = eof ? -1 : in.read(buf, 0, buf.length);
        if (n < 0) {
          eof = true;
          pos = limit = 0;
          if (!any) {
            return false;
          }
          break;
        }
        pos = 0;
        limit = n;
        continue;
      }
      any = true;
      int nl = -1;
      for (int i = pos; i < limit; i++) {
        if (buf[i] == '\n') {
          nl = i;
          break;
        }
      }
      int end = nl < 0 ? limit : nl;
      append(pos, end);
      pos = nl < 0 ? limit : nl + 1;
      if (nl >= 0) {
        break;
      }
    }
    lineNumber++;
    parseLine();
    return true;
  }

  private void append(int from, int to) {
    int n = to - from;
    if (overlong || lineLength + n > MAX_LINE_BYTES) {
      overlong = true;
      return;
    }
    System.arraycopy(buf, from, lineBytes, lineLength, n);
    lineLength += n;
  }

  private void parseLine() {
    error = null;
    text = null;
    fieldCount = 0;
    if (overlong) {
      error = DivisionReason.of("lineTooLong", MAX_LINE_BYTES);
      return;
    }
    int len = lineLength;
    if (len > 0 && lineBytes[len - 1] == '\r') {
      len--;
    }
    int start = 0;
    // a byte order mark, as spreadsheet programs write, is not part of the header
    if (lineNumber == 1 && len >= 3 && (lineBytes[0] & 0xff) == 0xef && (lineBytes[1] & 0xff) == 0xbb
        && (lineBytes[2] & 0xff) == 0xbf) {
      start = 3;
    }
    ByteBuffer bytes = ByteBuffer.wrap(lineBytes, start, len - start);
    chars.clear();
    decoder.reset();
    CoderResult result = decoder.decode(bytes, chars, true);
    if (!result.isError()) {
      result = decoder.flush(chars);
    }
    if (result.isError()) {
      error = DivisionReason.of("invalidUtf8", bytes.position() + 1);
      return;
    }
    chars.flip();
    text = chars.toString();
    splitFields();
  }

  private void splitFields() {
    String s = text;
    int n = s.length();
    int i = 0;
    while (true) {
      String field;
      if (i < n && s.charAt(i) == '"') {
        quoted.setLength(0);
        i++;
        while (true) {
          if (i >= n) {
            error = DivisionReason.of("quoteNotClosed");
            return;
          }
          char c = s.charAt(i);
          if (c == '"') {
            if (i + 1 < n && s.charAt(i + 1) == '"') {
              quoted.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            quoted.append(c);
            i++;
          }
        }
        if (i < n && s.charAt(i) != ',') {
          error = DivisionReason.of("textAfterQuote");
          return;
        }
        field = quoted.toString();
      } else {
        int comma = s.indexOf(',', i);
        int end = comma < 0 ? n : comma;
        field = s.substring(i, end);
        if (field.indexOf('"') >= 0) {
          error = DivisionReason.of("quoteInField");
          return;
        }
        i = end;
      }
      if (fieldCount < MAX_FIELDS) {
        fields[fieldCount] = field;
      }
      fieldCount++;
      if (i < n && s.charAt(i) == ',') {
        i++;
        if (i == n) {
          // a trailing comma ends with an empty last field
          if (fieldCount < MAX_FIELDS) {
            fields[fieldCount] = "";
          }
          fieldCount++;
          return;
        }
      } else {
        return;
      }
    }
  }

  /** 1-based number of the current line. */
  long line() {
    return lineNumber;
  }

  /** Why the current line could not be split into fields, or {@code null}. */
  DivisionReason error() {
    return error;
  }

  /** The decoded current line without its line break (and without a leading BOM on line 1). */
  String text() {
    return text;
  }

  /** Whether the current line is empty. */
  boolean blank() {
    return error == null && text.isEmpty();
  }

  int fieldCount() {
    return fieldCount;
  }

  String field(int i) {
    return fields[i];
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /** Refuses to deliver more than {@code max} bytes, so a gzip bomb stops early. */
  private static final class LimitedInputStream extends FilterInputStream {
    private final long max;
    private long count;

    LimitedInputStream(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
        if (count > max) {
          throw new InputTooLargeException(max);
        }
      }
      return n;
    }
  }

  /** The input is larger than allowed once decompressed. */
  static final class InputTooLargeException extends IOException {
    private final long max;

    InputTooLargeException(long max) {
      super("the file is larger than " + describeBytes(max) + " once decompressed");
      this.max = max;
    }

    long max() {
      return max;
    }
  }

  static String describeBytes(long bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MB";
    }
    if (bytes % 1024 == 0) {
      return bytes / 1024 + " KB";
    }
    return bytes + " bytes";
  }
}
