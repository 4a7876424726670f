package org.yishi.report;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PDF reports carry their own Simplified Chinese font: with the machine's fonts turned off
 * ({@code YISHI_REPORT_SYSTEM_FONTS=false}, what a machine without any font sees) and with them on
 * (where Debian's fonts-noto-cjk, CFF collections PDFBox cannot embed, used to make every PDF a 500),
 * the report renders and its text holds the report's Chinese.
 */
class ReportPdfFontTest {
  private static final String CITY = "220800000000";
  private static final String SAMPLE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head>"
      + "<style>body { font-family: " + ReportPdf.familyList() + "; }</style></head>"
      + "<body><h1>白城市月度报告</h1><h2>综述</h2><p>洮北区共召开协商活动12场。Meetings held: 12.</p></body></html>";
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true", "YISHI_REPORT_SYSTEM_FONTS", "false"));
  @FromNode private static Node node;
  @FromNode private static Sql sql;

  private static String text(byte[] pdf) throws Exception {
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      return new PDFTextStripper().getText(doc);
    }
  }

  /** The base names of the fonts embedded in a PDF (subset prefixes removed). */
  private static TreeSet<String> fonts(byte[] pdf) throws Exception {
    TreeSet<String> names = new TreeSet<>();
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      for (PDPage page : doc.getPages()) {
        PDResources res = page.getResources();
        for (COSName n : res.getFontNames()) {
          String name = res.getFont(n).getName();
          names.add(name.contains("+") ? name.substring(name.indexOf('+') + 1) : name);
        }
      }
    }
    return names;
  }

  @Test
  void theCityReportPdfHoldsItsChineseWithTheBundledFontOnly() throws Exception {
    assertFalse(node.app().config().reports().pdfSystemFonts());
    String lastMonth = YearMonth.now(ZoneId.of("Asia/Shanghai")).minusMonths(1).toString();
    long id = ((Number) sql.value("SELECT id FROM report WHERE kind = 'monthly' AND unit_code = ? AND period = ? AND version = 1",
        CITY, lastMonth)).longValue();
    String token = new org.yishi.support.Api(node.baseUrl()).token("demo-city", "yishi-demo");
    HttpResponse<byte[]> pdf = Http.sendBytes(Http.request(node.baseUrl() + "/api/v1/reports/" + id + "/pdf")
        .header("Authorization", "Bearer " + token).header("Accept-Language", "zh-CN").GET().build());
    assertEquals(200, pdf.statusCode(), new String(pdf.body(), StandardCharsets.UTF_8));
    String text = text(pdf.body());
    assertTrue(text.contains("白城市"), "the city's name: " + text);
    assertTrue(text.contains("综述") && text.contains("主要指标"), "the headings: " + text);
    assertTrue(text.contains("洮北区"), "a district's row: " + text);
    assertEquals(new TreeSet<>(List.of("WenQuanYiMicroHei")), fonts(pdf.body()), "only the bundled font is embedded");

    // the other downloads need no font at all: they carry the Chinese text itself
    HttpResponse<byte[]> xlsx = Http.sendBytes(Http.request(node.baseUrl() + "/api/v1/reports/" + id + "/xlsx")
        .header("Authorization", "Bearer " + token).header("Accept-Language", "zh-CN").GET().build());
    assertEquals(200, xlsx.statusCode());
    StringBuilder cells = new StringBuilder();
    try (org.apache.poi.xssf.usermodel.XSSFWorkbook wb = new org.apache.poi.xssf.usermodel.XSSFWorkbook(
        new java.io.ByteArrayInputStream(xlsx.body()))) {
      wb.forEach(sheet -> {
        cells.append(sheet.getSheetName()).append('\n');
        sheet.forEach(row -> row.forEach(cell -> cells.append(cell.toString()).append('\t')));
      });
    }
    assertTrue(cells.toString().contains("白城市") && cells.toString().contains("洮北区") && cells.toString().contains("汇总"),
        "the XLSX holds the report's Chinese: " + cells.substring(0, Math.min(300, cells.length())));
    HttpResponse<byte[]> csv = Http.sendBytes(Http.request(node.baseUrl() + "/api/v1/reports/" + id + "/csv")
        .header("Authorization", "Bearer " + token).GET().build());
    String csvText = new String(csv.body(), StandardCharsets.UTF_8);
    assertTrue(csvText.startsWith("\uFEFF") && csvText.contains("洮北区"), "UTF-8 with a BOM, Chinese names: " + csvText);
  }

  @Test
  void withoutSystemFontsOnlyTheBundledFontIsUsed() throws Exception {
    ReportPdf.FontSources none = new ReportPdf.FontSources("", false, ReportPdf.CANDIDATES);
    assertEquals(List.of(new ReportPdf.Face("bundled:" + ReportPdf.BUNDLED, "WenQuanYiMicroHei")), ReportPdf.faces(none),
        "the bundled collection's first face, the proportional one (not Micro Hei Mono)");
    byte[] pdf = ReportPdf.render(SAMPLE, none);
    String text = text(pdf);
    assertTrue(text.contains("白城市月度报告") && text.contains("综述") && text.contains("洮北区共召开协商活动12场"), text);
    assertEquals(new TreeSet<>(List.of("WenQuanYiMicroHei")), fonts(pdf));
  }

  @Test
  void withSystemFontsTheBundledOneComesFirstAndCffFontsAreSkipped() throws Exception {
    // every Debian place, whatever is installed here (fonts-noto-cjk on CI: CFF, skipped, no 500)
    ReportPdf.FontSources system = ReportPdf.FontSources.of("", true);
    List<ReportPdf.Face> faces = ReportPdf.faces(system);
    assertEquals("bundled:" + ReportPdf.BUNDLED, faces.get(0).source());
    assertEquals(faces.size(), faces.stream().map(ReportPdf.Face::name).distinct().count(), "no face twice: " + faces);
    for (ReportPdf.Face f : faces) {
      assertFalse(f.source().contains("/opentype/noto/"), "a CFF collection is never used: " + faces);
    }
    String text = text(ReportPdf.render(SAMPLE, system));
    assertTrue(text.contains("白城市月度报告") && text.contains("洮北区共召开协商活动12场"), text);
    // a CFF font named explicitly is skipped too, not fatal
    Path noto = Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if (Files.isRegularFile(noto)) {
      List<String> names = ReportPdf.faceNames(noto);
      assertTrue(names.stream().allMatch(n -> n.endsWith("(CFF)")), names.toString());
      ReportPdf.FontSources configured = new ReportPdf.FontSources(noto.toString(), true, List.of(noto));
      assertEquals(List.of("bundled:" + ReportPdf.BUNDLED), ReportPdf.faces(configured).stream().map(ReportPdf.Face::source).toList());
      assertTrue(text(ReportPdf.render(SAMPLE, configured)).contains("白城市月度报告"));
    }
  }

  @Test
  void theSimplifiedChineseFaceOfACollectionIsChosenByName() {
    List<String[]> simplified = List.of(new String[] {"NotoSansCJKsc-Regular", "Noto Sans CJK SC"},
        new String[] {"NotoSansSC-Regular", "Noto Sans SC"}, new String[] {"SourceHanSansSC-Regular", null},
        new String[] {"UMingCN", "AR PL UMing CN"}, new String[] {null, "Source Han Serif Simplified Chinese"});
    List<String[]> others = List.of(new String[] {"NotoSansCJKjp-Regular", "Noto Sans CJK JP"},
        new String[] {"NotoSansCJKtc-Regular", "Noto Sans CJK TC"}, new String[] {"NotoSansCJKkr-Regular", "Noto Sans CJK KR"},
        new String[] {"WenQuanYiMicroHei", "WenQuanYi Micro Hei"}, new String[] {"UMingTW", "AR PL UMing TW"},
        new String[] {"Scada-Regular", "Scada"});
    List<String> wrong = new ArrayList<>();
    simplified.forEach(n -> {
      if (!ReportPdf.simplifiedChinese(n[0], n[1])) {
        wrong.add("not recognised: " + n[0] + " / " + n[1]);
      }
    });
    others.forEach(n -> {
      if (ReportPdf.simplifiedChinese(n[0], n[1])) {
        wrong.add("taken for Simplified Chinese: " + n[0] + " / " + n[1]);
      }
    });
    assertTrue(wrong.isEmpty(), wrong.toString());
  }
}
