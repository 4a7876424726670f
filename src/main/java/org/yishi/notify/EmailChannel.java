package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.SMTPException;
import io.vertx.ext.mail.StartTLSOptions;
import org.yishi.platform.config.AppConfig;

/**
 * E-mail over SMTP (vertx-mail-client): STARTTLS required, implicit TLS or none; login when a user
 * name is set; UTF-8 subject and body; a Message-ID derived from the message's dedupe key, so a
 * message sent twice (a node killed after the server accepted it, before the commit) shows up as
 * two copies of one Message-ID.
 */
public final class EmailChannel implements Channel {
  private final MailClient client;
  private final AppConfig.Smtp smtp;

  public EmailChannel(Vertx vertx, AppConfig.Smtp smtp, int timeoutSeconds) {
    this.smtp = smtp;
    MailConfig config = new MailConfig().setHostname(smtp.host()).setPort(smtp.port())
        .setStarttls(switch (smtp.tls()) {
          case "starttls" -> StartTLSOptions.REQUIRED;
          default -> StartTLSOptions.DISABLED;
        })
        .setSsl("tls".equals(smtp.tls()))
        .setConnectTimeout(timeoutSeconds * 1000)
        .setIdleTimeout(timeoutSeconds)
        .setKeepAlive(true)
        .setMaxPoolSize(4)
        .setUserAgent("Yishi");
    if (!smtp.username().isEmpty()) {
      config.setLogin(LoginOption.REQUIRED).setUsername(smtp.username()).setPassword(smtp.password());
    } else {
      config.setLogin(LoginOption.DISABLED);
    }
    this.client = MailClient.create(vertx, config);
  }

  /** {@code <reminder.12.72h.account.5@domain-of-from>}: the dedupe key made safe for a Message-ID. */
  public static String messageId(String dedupeKey, String from) {
    String local = dedupeKey.replaceAll("[^A-Za-z0-9_-]", ".");
    return "<" + local + "@" + from.substring(from.indexOf('@') + 1) + ">";
  }

  @Override
  public Future<String> send(Outgoing m) {
    MailMessage mail = new MailMessage().setFrom(smtp.from()).setTo(m.recipient())
        .setSubject(m.subject()).setText(m.body())
        .setHeaders(MultiMap.caseInsensitiveMultiMap().set("Message-ID", messageId(m.dedupeKey(), smtp.from())));
    return client.sendMail(mail)
        .map(r -> "250 accepted " + r.getMessageID())
        .recover(e -> Future.failedFuture(classify(e)));
  }

  private static DeliveryFailure classify(Throwable e) {
    if (e instanceof SMTPException s) {
      // 4xx: the server asks to try again later; 5xx: it refuses this message for good
      return new DeliveryFailure("SMTP " + s.getReplyCode() + " " + s.getReplyMessage(), !s.isPermanent());
    }
    return DeliveryFailure.transport("SMTP server", e);
  }

  public Future<Void> close() {
    return client.close();
  }
}
