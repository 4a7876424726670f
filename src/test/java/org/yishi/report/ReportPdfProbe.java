package org.yishi.report;

/** Whether this machine has a CJK font for PDF reports (for tests outside the package). */
public final class ReportPdfProbe {
  private ReportPdfProbe() {
  }

  public static boolean fontFound() {
    return ReportPdf.font("", ReportPdf.CANDIDATES).isPresent();
  }
}
