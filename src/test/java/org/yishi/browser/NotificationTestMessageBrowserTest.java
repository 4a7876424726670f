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
import org.yishi.support.LocalGateway;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delivery log's "send a test message" in a real Chromium: an admin sends a test e-mail and
 * GreenMail (an SMTP server in the test JVM) receives it; a bad address is shown, nothing sent.
 * On the channel settings page an admin is refused bad input field by field, then points the
 * e-mail settings at a second GreenMail and a WeCom robot at a local HTTP server: the test messages
 * reach both with the settings just saved (over the environment's), and the password and webhook
 * key are never shown back.
 */
class NotificationTestMessageBrowserTest {
  @RegisterExtension
  static final BrowserSession browser = BrowserSession.perClass();
  private static final String PASSWORD = "pw-never-shown-41";
  private static final String HOOK_KEY = "hook-key-never-shown-77";
  private static GreenMail smtp;
  private static GreenMail stored;
  private static LocalGateway robot;
  private static Node node;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    stored = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    stored.start();
    robot = new LocalGateway("{\"errcode\":0,\"errmsg\":\"ok\"}");
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    node = TestNodes.start(TestNodes.env(TestPostgres.freshDatabaseUrl(), Map.of("YISHI_SMTP_HOST", "127.0.0.1",
        "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SCHEDULER_INTERVAL_SECONDS", "3600",
        "YISHI_SECRET_KEY", java.util.Base64.getEncoder().encodeToString(key))));
    browser.baseUrl(node.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    smtp.stop();
    stored.stop();
    robot.close();
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

  @Test
  void anAdminConfiguresChannelsOnThePageAndTheTestMessagesUseThem() throws Exception {
    browser.signIn("admin", TestNodes.ADMIN_PASSWORD).open("/admin/notifications", "delivery-log-before")
        .follow(By.id("channels-link"), "channel-settings");
    browser.type(By.id("email-host"), "bad host!").type(By.id("email-port"), "70000").type(By.id("email-from"), "nobody")
        .submit(By.id("email-save"), "channel-settings-refused");
    String refused = browser.pageText();
    assertTrue(refused.contains("未保存"), refused);
    assertTrue(refused.contains("应为主机名或 IP 地址"), refused);
    assertTrue(refused.contains("必须在 1 到 65,535 之间"), refused);
    assertTrue(refused.contains("电子邮箱格式不正确"), refused);

    browser.type(By.id("email-host"), "127.0.0.1").type(By.id("email-port"), String.valueOf(stored.getSmtp().getPort()))
        .select(By.id("email-tls"), "none").type(By.id("email-from"), "yishi@example.org")
        .type(By.id("email-password"), PASSWORD)
        .submit(By.id("email-save"), "channel-settings-email-saved");
    assertTrue(browser.pageText().contains("已保存"), browser.pageText());
    assertEquals("已设置", browser.text(By.id("email-password-state")));

    browser.type(By.id("robot-name"), "ops").select(By.id("robot-kind"), "wecom").type(By.id("robot-scope"), "station:1")
        .type(By.id("robot-url"), robot.url("/cgi-bin/webhook/send?key=" + HOOK_KEY))
        .submit(By.id("robot-save"), "channel-settings-robot-saved");
    String saved = browser.pageText();
    assertTrue(saved.contains("ops") && saved.contains("企业微信"), saved);
    String html = browser.driver().getPageSource();
    assertFalse(html.contains(PASSWORD) || html.contains(HOOK_KEY), "secrets are never shown back");

    browser.follow(By.linkText("投递记录与测试消息"), "delivery-log");
    browser.click(By.cssSelector("details summary"));
    browser.select(By.id("test-channel"), "email").type(By.id("test-to"), "operator@example.org")
        .submit(By.id("test-send"), "test-mail-sent");
    assertTrue(browser.pageText().contains("测试消息状态：已送达网关"), browser.pageText());
    List<MimeMessage> mails = List.of(stored.getReceivedMessages());
    assertEquals(1, mails.size(), "sent with the saved settings, not the environment's");
    assertEquals("operator@example.org", mails.get(0).getAllRecipients()[0].toString());
    assertEquals("议事测试消息", mails.get(0).getSubject());

    browser.click(By.cssSelector("details summary"));
    browser.select(By.id("test-channel"), "robot").type(By.id("test-to"), "ops")
        .submit(By.id("test-send"), "test-robot-sent");
    assertTrue(browser.pageText().contains("测试消息状态：已送达网关"), browser.pageText());
    assertEquals(1, robot.accepted().size());
    LocalGateway.Received hook = robot.accepted().get(0);
    assertEquals("/cgi-bin/webhook/send", hook.path());
    assertEquals(HOOK_KEY, hook.query().get("key"));
    assertEquals("text", hook.body().getString("msgtype"));
    assertFalse(browser.driver().getPageSource().contains(HOOK_KEY), "the delivery log names the robot, not its URL");

    // back to the environment's e-mail settings (the other test sends with them)
    browser.open("/admin/notifications/channels", "channel-settings-saved").submit(By.id("email-reset"), "channel-settings-reset");
    assertFalse(browser.present(By.id("email-reset")), "nothing saved for e-mail any more");
  }
}
