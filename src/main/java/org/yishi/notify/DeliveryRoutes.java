package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.PagedList;
import org.yishi.platform.web.Params;
import org.yishi.platform.web.Text;

import java.util.List;

/**
 * The delivery log, for admins: every queued message with its state (queued, retrying, sent,
 * failed), attempts, the gateway's reply or last error; searchable by state and recipient, paged.
 * Robots appear by their configured name (their webhook URL carries a key and is never shown).
 */
public record DeliveryRoutes(App app) implements Routes {
  private static final Access ADMIN = Access.roles(Role.ADMIN);
  static final List<String> STATES = List.of("queued", "retrying", "sent", "failed");

  @Override
  public void register(SecureRouter r) {
    r.get("/admin/notifications", ADMIN, this::page);
    r.get("/api/v1/admin/deliveries", ADMIN, ApiQuery.of("status", "recipient").paged(), this::api);
  }

  private void api(RoutingContext ctx) {
    PagedList.api(ctx, this::query);
  }

  private void page(RoutingContext ctx) {
    PagedList.page(app.web(), ctx, "notify/deliveries", this::query, model -> {
      model.put("status", param(ctx, "status"));
      model.put("recipient", param(ctx, "recipient"));
      model.put("states", STATES);
      String tested = param(ctx, "tested"); // the outcome of a test message (TestMessageRoutes)
      model.put("tested", tested != null && STATES.contains(tested) ? tested : null);
      String testError = param(ctx, "testError");
      model.put("testError", testError == null ? null : testError.length() > 300 ? testError.substring(0, 300) : testError);
    });
  }

  private static String param(RoutingContext ctx, String name) {
    return Params.text(ctx, name);
  }

  private Future<JsonObject> query(RoutingContext ctx, PageRequest page) {
    String status = param(ctx, "status");
    String recipient = param(ctx, "recipient");
    if (status != null && !STATES.contains(status)) {
      return Future.failedFuture(AppException.invalid("status", "field.delivery.status"));
    }
    if (recipient != null && recipient.length() > 100) {
      return Future.failedFuture(AppException.invalid("recipient", "field.tooLong", 100));
    }
    if (recipient != null && Text.hasControl(recipient)) {
      return Future.failedFuture(AppException.invalid("recipient", "field.control"));
    }
    String state = """
        CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed'
             WHEN attempts > 0 THEN 'retrying' ELSE 'queued' END""";
    String where = " WHERE ($1::text IS NULL OR " + state + " = $1)"
        + " AND ($2::text IS NULL OR strpos(lower(recipient), lower($2)) > 0)";
    Tuple args = Tuple.of(status, recipient);
    return app.pool().preparedQuery("SELECT count(*) AS n FROM outbox" + where).execute(args)
        .compose(total -> app.pool().preparedQuery("SELECT id, channel, recipient, subject, kind, dedupe_key, link, "
                + state + " AS status, attempts, created_at, last_attempt_at, next_attempt_at, sent_at, sent_by, "
                + "gateway_reply, failed_at, last_error FROM outbox" + where + " ORDER BY id DESC LIMIT $3 OFFSET $4")
            .execute(Tuple.of(status, recipient, page.size(), page.offset()))
            .map(rows -> {
              JsonArray items = new JsonArray();
              for (Row r : rows) {
                items.add(new JsonObject().put("id", r.getLong("id")).put("channel", r.getString("channel"))
                    .put("recipient", r.getString("recipient")).put("subject", r.getString("subject"))
                    .put("kind", r.getString("kind")).put("key", r.getString("dedupe_key")).put("link", r.getString("link"))
                    .put("status", r.getString("status")).put("attempts", r.getInteger("attempts"))
                    .put("queuedAt", text(r, "created_at")).put("lastAttemptAt", text(r, "last_attempt_at"))
                    .put("nextAttemptAt", text(r, "next_attempt_at")).put("sentAt", text(r, "sent_at"))
                    .put("sentBy", r.getString("sent_by")).put("accepted", r.getString("gateway_reply"))
                    .put("failedAt", text(r, "failed_at")).put("lastError", r.getString("last_error")));
              }
              return new JsonObject().put("items", items).put("total", total.iterator().next().getLong("n"));
            }));
  }

  private static String text(Row r, String column) {
    var v = r.getOffsetDateTime(column);
    return v == null ? null : v.toString();
  }
}
