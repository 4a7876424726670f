package org.yishi.platform.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.reliability.Idempotency;

/** JSON responses of the API. */
public final class Json {
  private Json() {
  }

  public static void ok(RoutingContext ctx, JsonObject body) {
    send(ctx, 200, body);
  }

  public static void created(RoutingContext ctx, String location, JsonObject body) {
    ctx.response().putHeader("Location", location);
    send(ctx, 201, body);
  }

  /** Answers 200 with what {@code result} finds, or fails the request with its error. */
  public static void answer(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(body -> ok(ctx, body)).onFailure(ctx::fail);
  }

  /** Answers 201 with what {@code result} created, located at {@code collection} followed by its {@code id}. */
  public static void createdIn(RoutingContext ctx, String collection, Future<JsonObject> result) {
    result.onSuccess(body -> created(ctx, collection + body.getLong("id"), body)).onFailure(ctx::fail);
  }

  /** Ends the response; a submission with an idempotency key stores the answer first (for its retries). */
  public static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store");
    Idempotency.end(ctx, body.toBuffer());
  }

  public static void noContent(RoutingContext ctx) {
    ctx.response().setStatusCode(204);
    Idempotency.end(ctx, null);
  }
}
