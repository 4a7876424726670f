package org.yishi.member;

import java.io.IOException;

/** How the member feature renders its PDF documents: as the reports are (the report feature answers, wired by the root). */
public interface PdfRendering {
  /** Renders an XHTML document whose CSS names {@link #fontFamilies()}. Blocking: call it off the event loop. */
  byte[] render(String xhtml) throws IOException;

  /** The CSS {@code font-family} list to use in such a document. */
  String fontFamilies();
}
