package org.yishi.report;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * A report as PDF (A4, from the report's XHTML template). Chinese text needs a font with CJK glyphs
 * that PDFBox can embed (TrueType outlines: a {@code glyf} table), so the product carries one:
 * WenQuanYi Micro Hei ({@value #BUNDLED}, Apache-2.0, see the licence file beside it). The fonts of a
 * PDF, in the order the renderer tries them for each character:
 * <ol>
 *   <li>the file named by {@code YISHI_REPORT_FONT}, when set and embeddable;</li>
 *   <li>the bundled font, always, so a machine without any font renders the same PDF;</li>
 *   <li>unless {@code YISHI_REPORT_SYSTEM_FONTS=false}, Debian's CJK fonts found on the machine, as a
 *       fallback for characters the others lack.</li>
 * </ol>
 * In a font collection (.ttc) the Simplified Chinese face is chosen (by its name: "SC", "Simplified",
 * "GB", "Hans"), else the first usable face. A font or face without TrueType outlines (Debian's
 * {@code fonts-noto-cjk} are CFF-flavoured OpenType, which PDFBox's subsetter cannot embed: "OTF fonts
 * do not have a glyf table") is skipped, never used.
 */
final class ReportPdf {
  private static final Logger LOG = Logger.getLogger(ReportPdf.class.getName());

  /** The font shipped in the jar (class path resource). */
  static final String BUNDLED = "fonts/wqy-microhei.ttc";

  /** Where Debian's CJK font packages put their fonts, most complete first (used as an addition only). */
  static final List<Path> CANDIDATES = List.of(
      Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
      Path.of("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
      Path.of("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
      Path.of("/usr/share/fonts/truetype/arphic/uming.ttc"));

  /** At most this many fonts per PDF; the template lists the family names {@link #FAMILY}0 .. n-1. */
  static final int MAX_FONTS = 6;
  static final String FAMILY = "ReportCJK";

  /** Face names that mark Simplified Chinese in a collection (Noto "…CJK SC"/"…CJKsc", "NotoSansSC-", AR PL "… CN", "GB", "Hans"). */
  private static final Pattern SIMPLIFIED = Pattern.compile("(\\bSC\\b|SC-|SC$|CJKsc|[Ss]implified|\\bGB|\\bCN\\b|Hans)");

  static {
    // openhtmltopdf logs every phase to the console at INFO; failures reach us as exceptions anyway
    com.openhtmltopdf.util.XRLog.setLoggingEnabled(false);
  }

  /** Where a PDF's fonts come from: a configured file (may be empty), whether to add system fonts, and where to look. */
  record FontSources(String configured, boolean systemFonts, List<Path> candidates) {
    static FontSources of(String configured, boolean systemFonts) {
      return new FontSources(configured, systemFonts, CANDIDATES);
    }
  }

  /** One usable face: where it came from and its name. */
  record Face(String source, String name) {
  }

  private ReportPdf() {
  }

  /** The CSS {@code font-family} list for the template: every family a PDF may register, in order. */
  static String familyList() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < MAX_FONTS; i++) {
      names.add(FAMILY + i);
    }
    return String.join(", ", names);
  }

  /** Whether the bundled font is in the jar (it always is in a correct build). */
  static boolean bundledFontPresent() {
    return ReportPdf.class.getClassLoader().getResource(BUNDLED) != null;
  }

  /** The configured file when set and readable (empty when it is not set or not a readable file). */
  static Optional<Path> configuredFile(String configured) {
    if (configured == null || configured.isBlank()) {
      return Optional.empty();
    }
    Path p = Path.of(configured.strip());
    return Files.isRegularFile(p) && Files.isReadable(p) ? Optional.of(p) : Optional.empty();
  }

  /** Renders well-formed XHTML to PDF bytes, embedding the subsets of the fonts (see the class comment) the text uses. */
  static byte[] render(String xhtml, FontSources sources) throws IOException {
    List<Closeable> open = new ArrayList<>();
    try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      List<Loaded> fonts = load(sources, open);
      if (fonts.isEmpty()) {
        throw new IOException("no embeddable CJK font: the bundled " + BUNDLED + " is missing from the class path");
      }
      PdfRendererBuilder builder = new PdfRendererBuilder();
      builder.useFastMode();
      builder.usePDDocument(doc);
      for (int i = 0; i < fonts.size(); i++) {
        builder.useFont(new com.openhtmltopdf.pdfboxout.PDFontSupplier(PDType0Font.load(doc, fonts.get(i).font(), true)),
            FAMILY + i);
      }
      builder.withHtmlContent(xhtml, null);
      builder.toStream(out);
      builder.run();
      if (out.size() == 0) {
        doc.save(out);
      }
      return out.toByteArray();
    } finally {
      for (Closeable c : open) {
        try {
          c.close();
        } catch (IOException e) {
          LOG.log(Level.FINE, "closing a font", e);
        }
      }
    }
  }

  /** The faces a PDF would use, in order (for tests and diagnostics). */
  static List<Face> faces(FontSources sources) throws IOException {
    List<Closeable> open = new ArrayList<>();
    try {
      return load(sources, open).stream().map(Loaded::face).toList();
    } finally {
      for (Closeable c : open) {
        c.close();
      }
    }
  }

  private record Loaded(TrueTypeFont font, Face face) {
  }

  private static List<Loaded> load(FontSources sources, List<Closeable> open) throws IOException {
    List<Loaded> out = new ArrayList<>();
    Optional<Path> configured = configuredFile(sources.configured());
    if (sources.configured() != null && !sources.configured().isBlank() && configured.isEmpty()) {
      LOG.warning("YISHI_REPORT_FONT: '" + sources.configured() + "' is not a readable file; using the bundled font");
    }
    configured.ifPresent(p -> add(out, p.toString(), () -> open(p, open)));
    add(out, "bundled:" + BUNDLED, () -> bundled(open));
    if (sources.systemFonts()) {
      for (Path p : sources.candidates()) {
        if (out.size() >= MAX_FONTS) {
          break;
        }
        if (Files.isRegularFile(p) && Files.isReadable(p)) {
          add(out, p.toString(), () -> open(p, open));
        }
      }
    }
    return out.size() > MAX_FONTS ? out.subList(0, MAX_FONTS) : out;
  }

  private interface FontOpener {
    TrueTypeFont open() throws IOException;
  }

  /** Adds the font when it opens and can be embedded; a broken or CFF font is skipped with a warning, never fatal. */
  private static void add(List<Loaded> out, String source, FontOpener opener) {
    try {
      TrueTypeFont f = opener.open();
      if (f == null) {
        LOG.warning("PDF font " + source + ": no face with TrueType outlines (CFF fonts cannot be embedded); skipped");
        return;
      }
      if (out.stream().anyMatch(l -> l.face().name() != null && l.face().name().equals(name(f)))) {
        return; // the same face again (the system's copy of the bundled font): nothing to add
      }
      out.add(new Loaded(f, new Face(source, f.getName())));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "PDF font " + source + " cannot be used; skipped: " + e.getMessage());
    }
  }

  private static String name(TrueTypeFont f) {
    try {
      return f.getName();
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] bundledBytes;

  private static synchronized byte[] bundledBytes() throws IOException {
    if (bundledBytes == null) {
      try (InputStream in = ReportPdf.class.getClassLoader().getResourceAsStream(BUNDLED)) {
        if (in == null) {
          throw new IOException(BUNDLED + " is not on the class path");
        }
        bundledBytes = in.readAllBytes();
      }
    }
    return bundledBytes;
  }

  private static TrueTypeFont bundled(List<Closeable> open) throws IOException {
    TrueTypeCollection ttc = new TrueTypeCollection(new ByteArrayInputStream(bundledBytes()));
    open.add(ttc);
    return chooseFace(ttc);
  }

  private static TrueTypeFont open(Path p, List<Closeable> open) throws IOException {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".ttc") || name.endsWith(".otc")) {
      TrueTypeCollection ttc = new TrueTypeCollection(p.toFile());
      open.add(ttc);
      return chooseFace(ttc);
    }
    TrueTypeFont f = new TTFParser().parse(new RandomAccessReadBufferedFile(p.toFile()));
    open.add(f);
    return embeddable(f) ? f : null;
  }

  /**
   * The face of a collection to use: the first embeddable face named as Simplified Chinese, else the
   * first embeddable face; null when no face has TrueType outlines.
   */
  static TrueTypeFont chooseFace(TrueTypeCollection ttc) throws IOException {
    List<TrueTypeFont> usable = new ArrayList<>();
    ttc.processAllFonts(ttf -> {
      if (embeddable(ttf)) {
        usable.add(ttf);
      }
    });
    for (TrueTypeFont f : usable) {
      if (simplifiedChinese(f)) {
        return f;
      }
    }
    return usable.isEmpty() ? null : usable.get(0);
  }

  /** Whether a face's names mark it as Simplified Chinese. */
  static boolean simplifiedChinese(TrueTypeFont f) throws IOException {
    return simplifiedChinese(f.getName(), f.getNaming() == null ? null : f.getNaming().getFontFamily());
  }

  /** Whether a face's PostScript or family name marks it as Simplified Chinese. */
  static boolean simplifiedChinese(String postScriptName, String family) {
    return postScriptName != null && SIMPLIFIED.matcher(postScriptName).find() || family != null && SIMPLIFIED.matcher(family).find();
  }

  /** Whether PDFBox can embed (subset) the face: TrueType outlines and a Unicode character map. */
  static boolean embeddable(TrueTypeFont f) {
    try {
      return f.getTableMap().containsKey("glyf") && f.getTableMap().containsKey("loca") && !f.getTableMap().containsKey("CFF ")
          && f.getUnicodeCmapLookup(false) != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Names of every face of a collection file, for diagnostics and tests. */
  static List<String> faceNames(Path ttc) {
    List<String> names = new ArrayList<>();
    try (TrueTypeCollection c = new TrueTypeCollection(ttc.toFile())) {
      c.processAllFonts(f -> names.add(f.getName() + (embeddable(f) ? "" : " (CFF)")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }
}
