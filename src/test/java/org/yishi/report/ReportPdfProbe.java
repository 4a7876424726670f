package org.yishi.report;

/** Whether PDF reports have their CJK font (the bundled one; for tests outside the package). */
public final class ReportPdfProbe {
  private ReportPdfProbe() {
  }

  public static boolean fontFound() {
    return ReportPdf.bundledFontPresent();
  }
}
