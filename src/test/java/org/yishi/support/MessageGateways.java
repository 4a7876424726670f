package org.yishi.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.yishi.app.Node;
import org.yishi.notify.DeliveryService;
import org.yishi.platform.config.AppConfig;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mail server and SMS gateway the notification tests deliver to, both on 127.0.0.1: GreenMail
 * (SMTP) and a {@link LocalGateway} answering {@code {"ok":true}}; with the settings of a node that
 * sends through them, its own scheduler slowed to an hour so that a test drives delivery itself
 * with chosen instants ({@link #deliverAt}), never by waiting. Registered as an extension
 * ({@code @RegisterExtension}, before the {@code NodeExtension} it gives {@link #env()}), it stops
 * after the class's nodes.
 */
public final class MessageGateways implements AutoCloseable, AfterAllCallback {
  public final GreenMail smtp;
  public final LocalGateway sms;

  public MessageGateways() {
    smtp = new GreenMail(new ServerSetup(TestNodes.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    sms = new LocalGateway("{\"ok\":true}");
  }

  /** The settings of a node that sends through these gateways (a new map: tests add their own). */
  public Map<String, String> env() {
    return new HashMap<>(Map.of("YISHI_SCHEDULER_INTERVAL_SECONDS", "3600",
        "YISHI_SMTP_HOST", "127.0.0.1", "YISHI_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()), "YISHI_SMTP_TLS", "none",
        "YISHI_SMTP_FROM", "yishi@example.org", "YISHI_SMS_URL", sms.url("/sms"), "YISHI_SMS_TOKEN", "sms-token",
        "YISHI_PUBLIC_URL", "https://yishi.example.org"));
  }

  /** One pass of the delivery job at {@code at} (its clock too), with {@code config}'s notification settings. */
  public static void deliverAt(Node node, AppConfig config, Instant at) {
    DeliveryService d = new DeliveryService(node.app().vertx(), node.app().pool(), config.notifications(), () -> at);
    try {
      d.sendDue("test-node", at).await();
    } finally {
      d.close();
    }
  }

  /** The mails received for {@code to}, in arrival order. */
  public List<MimeMessage> mailsTo(String to) {
    return List.of(smtp.getReceivedMessages()).stream().filter(m -> {
      try {
        return m.getAllRecipients()[0].toString().equals(to);
      } catch (MessagingException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    smtp.stop();
    sms.close();
  }
}
