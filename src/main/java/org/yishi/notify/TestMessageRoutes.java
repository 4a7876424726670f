package org.yishi.notify;

import org.yishi.platform.notify.MessageTemplates;
import org.yishi.platform.notify.Outbox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.Security;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Text;
import org.yishi.platform.web.Web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * "Send a test message" for admins: one message on a channel configured on this node (e-mail to an
 * address, SMS to a mobile number, a robot by name), queued in the delivery log (kind {@code test})
 * and handed to the gateway at once; the answer is the gateway's acceptance or its reason. A
 * channel not configured here is a 409 naming it (nothing queued).
 */
/** @param delivery the node's delivery service (its channels and clients, built once by the root) */
public record TestMessageRoutes(App app, DeliveryService delivery) implements Routes {
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  private static final List<String> CHANNELS = List.of("email", "sms", "robot");

  @Override
  public void register(SecureRouter r) {
    r.post("/api/v1/admin/notifications/test", ADMIN, this::testApi);
    r.post("/admin/notifications/test", ADMIN, this::testFromForm);
  }

  private void testApi(RoutingContext ctx) {
    JsonObject body = JsonBody.of(ctx);
    Object channel = body.getValue("channel");
    Object to = body.getValue("to");
    Json.answer(ctx, send(Security.require(ctx), channel instanceof String c ? c : null, to instanceof String t ? t : null, to != null && !(to instanceof String)));
  }

  private void testFromForm(RoutingContext ctx) {
    var form = ctx.request().formAttributes();
    String to = form.get("to");
    send(Security.require(ctx), form.get("channel"), to, false)
        .onSuccess(r -> Web.redirect(ctx, "/admin/notifications?tested=" + r.getString("status") + "&recipient="
            + URLEncoder.encode(Text.strip(to), StandardCharsets.UTF_8)))
        .onFailure(err -> {
          if (err instanceof AppException e && (e.kind() == ErrorKind.INVALID || e.kind() == ErrorKind.CONFLICT)) {
            Map<String, String> fields = app.web().messages(ctx, e.fields());
            Web.redirect(ctx, "/admin/notifications?testError=" + URLEncoder.encode(
                fields.isEmpty() ? e.getMessage() : String.join(" ", fields.values()), StandardCharsets.UTF_8));
          } else {
            ctx.fail(err);
          }
        });
  }

  /** Validates, queues and sends with the channel settings in effect; answers {@code {id, status, reply | error}}. */
  Future<JsonObject> send(Principal actor, String channel, String rawTo, boolean wrongType) {
    return delivery.refresh().compose(v -> checkedSend(actor, channel, rawTo, wrongType));
  }

  private Future<JsonObject> checkedSend(Principal actor, String channel, String rawTo, boolean wrongType) {
    Map<String, Msg> errors = new HashMap<>();
    if (channel == null || !CHANNELS.contains(channel)) {
      errors.put("channel", Msg.of("field.notify.testChannel"));
    }
    String to = rawTo == null ? null : Text.strip(rawTo);
    if (wrongType || Text.blank(to)) {
      errors.put("to", Msg.of("field.required"));
    } else if (to.length() > 100) {
      errors.put("to", Msg.of("field.tooLong", 100));
    } else if (Text.hasControl(to)) {
      errors.put("to", Msg.of("field.control"));
    } else if ("email".equals(channel) && !to.matches("[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+")) {
      errors.put("to", Msg.of("field.email.format"));
    } else if ("sms".equals(channel) && !to.matches("1[3-9][0-9]{9}")) {
      errors.put("to", Msg.of("field.notify.mobile"));
    } else if ("robot".equals(channel) && delivery.robots().stream().noneMatch(r -> r.name().equals(to))) {
      errors.put("to", Msg.of("field.notify.robot"));
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(AppException.invalid(errors));
    }
    if (!delivery.channels().contains(channel)) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "The " + channel + " channel is not configured on this node",
          Map.of("channel", Msg.of("field.notify.notConfigured", channel))));
    }
    java.util.Locale locale = I18n.ZH;
    Map<String, Object> vars = Map.of("name", actor.shownName(), "link", Outbox.link("/admin/notifications"));
    String key = "test:" + UUID.randomUUID();
    String node = app.cluster().getNodeId();
    return app.pool().preparedQuery("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, kind, link, locale, account_id, urgent)
            VALUES ($1, $2, $3, $4, $5, 'test', $6, 'zh-CN', $7, true) RETURNING id""")
        .execute(Tuple.of(channel, to, MessageTemplates.render(locale, "test", "subject", vars),
            MessageTemplates.render(locale, "test", "email".equals(channel) ? "mail" : "sms", vars), key, Outbox.link("/admin/notifications"), actor.id()))
        .map(rows -> rows.iterator().next().getLong(0))
        .compose(id -> delivery.sendOne(node, Instant.now(), id)
            .compose(counts -> app.pool().preparedQuery("""
                    SELECT CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed'
                                WHEN attempts > 0 THEN 'retrying' ELSE 'queued' END AS status, gateway_reply, last_error
                      FROM outbox WHERE id = $1""").execute(Tuple.of(id)))
            .map(rows -> {
              var r = rows.iterator().next();
              return new JsonObject().put("id", id).put("status", r.getString("status"))
                  .put("reply", r.getString("gateway_reply")).put("error", r.getString("last_error"));
            }));
  }
}
