package org.yishi.division;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin pages, as a browser without JavaScript uses them: the upload form (multipart, CSRF),
 * the job page with its progress and report, and what others may not do. The node's limit is
 * lowered to 100,000 bytes (the 白城 slice is 62,041) to exercise the size checks cheaply.
 */
class DivisionPagesTest {
  private static final long LIMIT = 100_000;
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of("YISHI_IMPORT_MAX_BYTES", String.valueOf(LIMIT)));
  @FromNode private static Node node;
  private static DivisionTestDb db;

  @BeforeAll
  static void start() {
    String pgUrl = NODE.pgUrl();
    // the fixtures import the 白城 slice (for their stations); these tests import it themselves
    db = DivisionTestDb.attachCleared(pgUrl);
  }

  private static Browser admin() {
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    assertEquals(200, b.get("/admin/divisions").statusCode());
    return b;
  }

  private static long jobs() throws Exception {
    return db.count("SELECT count(*) FROM division_import");
  }

  /** Follows the job page until the job has finished, as a user pressing "refresh" would. */
  private static String finishedPage(Browser b, String location) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = b.get(location);
      assertEquals(200, r.statusCode(), r.body());
      if (!r.body().contains("hx-trigger=\"every 2s\"")) {
        return r.body();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the job at " + location + " did not finish");
  }

  @Test
  void anAdminUploadsTheFileAndFollowsTheJobToItsReport() throws Exception {
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    String form = b.get("/admin/divisions").body();
    assertTrue(form.contains("enctype=\"multipart/form-data\"") && form.contains("name=\"_csrf\""), form);
    assertTrue(form.contains("value=\"atomic\" checked") && form.contains("value=\"skip-invalid\""), form);
    assertTrue(form.contains("只要有一行有错，就不导入任何数据"), "the modes are explained");
    assertTrue(form.contains("97.7 KB"), "the limit is shown");

    HttpResponse<String> posted = b.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file",
        "baicheng.csv", DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    assertEquals(303, posted.statusCode(), posted.body());
    String location = posted.headers().firstValue("Location").orElseThrow();
    assertTrue(location.matches("/admin/divisions/imports/\\d+"), location);

    String page = finishedPage(b, location);
    assertTrue(page.contains("已完成"), page);
    assertTrue(page.contains("已导入：新增 1,231 个，更新 0 个，0 个未变。"), page);
    assertTrue(page.contains("<th scope=\"row\">村级</th><td class=\"text-end\">1,097</td>"), page);
    assertTrue(page.contains("文件 baicheng.csv，由 admin 于"), page);
    assertFalse(page.contains("hx-get"), "a finished job is not polled");
    assertEquals(1231, db.count("SELECT count(*) FROM division"));

    String fragment = b.get(location + "/status").body();
    assertTrue(fragment.startsWith("<section id=\"job-status\""), fragment);
    assertFalse(fragment.contains("<html"), "the htmx fragment is not a page");
    String list = b.get("/admin/divisions").body();
    assertTrue(list.contains("href=\"" + location + "\"") && list.contains("baicheng.csv"), "the job is listed");
  }

  @Test
  void aRunningJobIsPolledByHtmxAndOffersARefreshLinkWithoutJavaScript() throws Exception {
    long id;
    try (var c = db.jdbc(); var st = c.createStatement()) {
      var rs = st.executeQuery("""
          INSERT INTO division_import (status, mode, filename, started_by, phase, bytes_total, bytes_read, rows_read)
          VALUES ('running', 'skip_invalid', 'slow.csv', 'admin', 'reading', 1000, 500, 16384) RETURNING id""");
      rs.next();
      id = rs.getLong(1);
    }
    try {
      String page = admin().get("/admin/divisions/imports/" + id).body();
      assertTrue(page.contains("hx-get=\"/admin/divisions/imports/" + id + "/status\" hx-trigger=\"every 2s\" hx-swap=\"outerHTML\""), page);
      assertTrue(page.contains("<progress id=\"job-progress\" class=\"job-progress\" max=\"100\" value=\"50\">"), page);
      assertTrue(page.contains("读取文件并逐行检查"), "the phase is named");
      assertTrue(page.contains("已读取 500 / 1,000 字节，16,384 行"), page);
      assertTrue(page.contains("<a class=\"btn btn-sm btn-outline-secondary\" href=\"/admin/divisions/imports/" + id + "\">刷新进度</a>"), page);
      assertTrue(page.contains("跳过错误行"), "the mode is shown");
    } finally {
      db.execute("UPDATE division_import SET status = 'failed', failure = 'test over' WHERE id = " + id);
    }
  }

  @Test
  void anUploadWithoutTheCsrfTokenIsRefusedAndImportsNothing() throws Exception {
    Browser b = admin();
    long before = jobs();
    String data = db.checksum();
    Map<String, String> missing = new HashMap<>();
    missing.put("_csrf", null);
    missing.put("mode", "atomic");
    HttpResponse<String> noToken = b.postMultipart("/admin/divisions/imports", missing, "file", "baicheng.csv",
        DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    assertEquals(403, noToken.statusCode());
    assertTrue(noToken.body().contains("表单已过期"), "an error page");
    HttpResponse<String> forged = b.postMultipart("/admin/divisions/imports", Map.of("_csrf", "forged", "mode", "atomic"),
        "file", "baicheng.csv", DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    assertEquals(403, forged.statusCode());
    assertEquals(before, jobs(), "no job");
    assertEquals(data, db.checksum(), "nothing imported");
    DivisionFixtures.assertSpoolEmpty(node);
  }

  @Test
  void aRowErrorHoldingMarkupIsShownEscaped() throws Exception {
    Browser b = admin();
    byte[] file = DivisionFixtures.csv("220000000000,吉林省,province,", "220802001901,社区,<script>alert(1)</script>,220802001000");
    HttpResponse<String> posted = b.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file", "x<b>.csv", file);
    assertEquals(303, posted.statusCode(), posted.body());
    String page = finishedPage(b, posted.headers().firstValue("Location").orElseThrow());
    assertTrue(page.contains("失败"), page);
    assertTrue(page.contains("未知级别“&lt;script&gt;alert(1)&lt;/script&gt;”"), "the reason in Chinese, escaped: " + page);
    assertFalse(page.contains("<script>alert"), "never rendered as markup");
    assertFalse(page.contains("x<b>.csv"), "the file name is escaped too");
  }

  @Test
  void aLongListOfErrorsIsCutAndSaysSo() throws Exception {
    Browser b = admin();
    String[] lines = new String[1005];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = "2208020" + i + ",短码社区,village,220802001000";
    }
    HttpResponse<String> posted = b.postMultipart("/admin/divisions/imports", Map.of("mode", "skip-invalid"), "file", "many.csv",
        DivisionFixtures.csv(lines));
    assertEquals(303, posted.statusCode(), posted.body());
    String page = finishedPage(b, posted.headers().firstValue("Location").orElseThrow());
    assertTrue(page.contains("错误行（1,005 处）") && page.contains("仅列出前 1,000 处"), page);
    assertEquals(1000, page.split("<tr><td>").length - 1, "1,000 rows listed");
  }

  @Test
  void formProblemsAreShownOnTheFormAndImportNothing() throws Exception {
    Browser b = admin();
    long before = jobs();
    HttpResponse<String> noFile = b.postMultipart("/admin/divisions/imports", Map.of("mode", "skip-invalid"), null, null, null);
    assertEquals(422, noFile.statusCode());
    assertTrue(noFile.body().contains("id=\"e-file\">请选择要上传的文件"), noFile.body());
    assertTrue(noFile.body().contains("value=\"skip-invalid\" checked"), "the choice is kept");

    HttpResponse<String> badMode = b.postMultipart("/admin/divisions/imports", Map.of("mode", "maybe"), "file", "a.csv",
        DivisionFixtures.csv("220000000000,吉林省,province,"));
    assertEquals(422, badMode.statusCode());
    assertTrue(badMode.body().contains("id=\"e-mode\""), badMode.body());

    byte[] tooBig = new byte[150_000];
    java.util.Arrays.fill(tooBig, (byte) '\n');
    HttpResponse<String> big = b.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file", "big.csv", tooBig);
    assertEquals(413, big.statusCode());
    assertTrue(big.body().contains("文件超过 97.7 KB 的上限"), big.body());
    HttpResponse<String> huge = b.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file", "huge.csv", new byte[1024 * 1024]);
    assertEquals(413, huge.statusCode());
    assertEquals(before, jobs());
    DivisionFixtures.assertSpoolEmpty(node);
  }

  @Test
  void othersMayNeitherUploadNorSeeImports() throws Exception {
    long before = jobs();
    Browser staff = new Browser(node.baseUrl()).login("city", AccountFixtures.PASSWORD);
    assertEquals(403, staff.get("/admin/divisions").statusCode());
    staff.get("/divisions");
    HttpResponse<String> r = staff.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file", "baicheng.csv",
        DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV));
    assertEquals(403, r.statusCode());
    Browser anonymous = new Browser(node.baseUrl());
    anonymous.get("/login");
    assertEquals(401, anonymous.postMultipart("/admin/divisions/imports", Map.of("mode", "atomic"), "file", "baicheng.csv",
        DivisionTestDb.resource(DivisionFixtures.BAICHENG_CSV)).statusCode());
    assertEquals(before, jobs());
    DivisionFixtures.assertSpoolEmpty(node);
    assertEquals(303, anonymous.get("/admin/divisions").statusCode());
  }
}
