package org.yishi.report;

import java.io.IOException;

/** Other features' PDF documents, rendered as the reports are (same fonts, same settings). */
public final class PdfDocuments {
  private PdfDocuments() {
  }

  /** Renders an XHTML document whose CSS names {@link #fontFamilies()}. Blocking: call it off the event loop. */
  public static byte[] render(String xhtml, String configuredFont, boolean systemFonts) throws IOException {
    return ReportPdf.render(xhtml, ReportPdf.FontSources.of(configuredFont, systemFonts));
  }

  /** The CSS {@code font-family} list to use in such a document. */
  public static String fontFamilies() {
    return ReportPdf.familyList();
  }
}
