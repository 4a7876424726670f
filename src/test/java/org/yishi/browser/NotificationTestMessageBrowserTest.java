package org.yishi.browser;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.yishi.app.Node;
import org.yishi.support.BrowserSession;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delivery log's "send a test message" in a real Chromium: an admin sends a test e-mail and
 * GreenMail (an SMTP server in the test JVM) receives it; a bad address is shown, nothing sent.
 */
class NotificationTestMessageBrowserTest {
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  private static GreenMail smtp;
  private static Node node;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    node = TestNodes.start(TestNodes.env(TestPostgres.freshDatabaseUrl(), Map.of("YISHI_SMTP_HOST", "127.0.0.1",
        "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SCHEDULER_INTERVAL_SECONDS", "3600")));
    browser.baseUrl(node.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    smtp.stop();
  }

  @Test
  void anAdminSendsATestMailThatReachesTheSmtpServer() throws Exception {
    browser.signIn("admin", TestNodes.ADMIN_PASSWORD).open("/admin/notifications", "delivery-log");
    browser.click(By.cssSelector("details summary"));
    browser.select(By.id("test-channel"), "email").type(By.id("test-to"), "not an address")
        .submit(By.id("test-send"), "test-message-refused");
    assertTrue(browser.pageText().contains("未发送：电子邮箱格式不正确"), browser.pageText());
    assertEquals(0, smtp.getReceivedMessages().length);

    browser.click(By.cssSelector("details summary"));
    browser.select(By.id("test-channel"), "email").type(By.id("test-to"), "operator@example.org")
        .submit(By.id("test-send"), "test-message-sent");
    assertTrue(browser.pageText().contains("测试消息状态：已送达网关"), browser.pageText());
    assertTrue(browser.pageText().contains("operator@example.org"), "the delivery log shows it");
    List<MimeMessage> mails = List.of(smtp.getReceivedMessages());
    assertEquals(1, mails.size());
    assertEquals("operator@example.org", mails.get(0).getAllRecipients()[0].toString());
    assertEquals("议事测试消息", mails.get(0).getSubject());
  }
}
