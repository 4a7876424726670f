package org.yishi.report;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.fontbox.ttf.TTFParser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A report as PDF (A4, from the report's XHTML template) with a CJK font found on the machine:
 * the configured file ({@code YISHI_REPORT_FONT}) or the first of the usual Debian places (Noto CJK,
 * WenQuanYi, Droid Sans Fallback, AR PL). No font is shipped: without one the PDF is unavailable and
 * the page's print CSS ("save as PDF" in the browser) remains.
 */
final class ReportPdf {
  /** Where Debian's CJK font packages put their fonts, most complete first. */
  static final List<Path> CANDIDATES = List.of(
      Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
      Path.of("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
      Path.of("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
      Path.of("/usr/share/fonts/truetype/arphic/uming.ttc"));
  static final String FAMILY = "ReportCJK";

  static {
    // openhtmltopdf logs every phase to the console at INFO; failures reach us as exceptions anyway
    com.openhtmltopdf.util.XRLog.setLoggingEnabled(false);
  }

  private ReportPdf() {
  }

  /** The font to use: the configured file when set (empty when it is not a readable file), else the first candidate found. */
  static Optional<Path> font(String configured, List<Path> candidates) {
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured.trim());
      return Files.isRegularFile(p) && Files.isReadable(p) ? Optional.of(p) : Optional.empty();
    }
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isReadable(p)).findFirst();
  }

  /** Renders well-formed XHTML to PDF bytes, embedding the subset of {@code font} the text uses. */
  static byte[] render(String xhtml, Path font) throws IOException {
    boolean collection = font.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ttc");
    try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream();
         TrueTypeCollection ttc = collection ? new TrueTypeCollection(font.toFile()) : null;
         TrueTypeFont single = collection ? null : new TTFParser().parse(new RandomAccessReadBufferedFile(font.toFile()))) {
      PDFont pdFont = PDType0Font.load(doc, collection ? first(ttc, font) : single, true);
      PdfRendererBuilder builder = new PdfRendererBuilder();
      builder.useFastMode();
      builder.usePDDocument(doc);
      builder.useFont(new com.openhtmltopdf.pdfboxout.PDFontSupplier(pdFont), FAMILY);
      builder.withHtmlContent(xhtml, null);
      builder.toStream(out);
      builder.run();
      if (out.size() == 0) {
        doc.save(out);
      }
      return out.toByteArray();
    }
  }

  /** The first face of a font collection (.ttc). */
  private static TrueTypeFont first(TrueTypeCollection ttc, Path font) throws IOException {
    TrueTypeFont[] first = new TrueTypeFont[1];
    ttc.processAllFonts(ttf -> {
      if (first[0] == null) {
        first[0] = ttf;
      }
    });
    if (first[0] == null) {
      throw new IOException("no font in the collection " + font);
    }
    return first[0];
  }
}
