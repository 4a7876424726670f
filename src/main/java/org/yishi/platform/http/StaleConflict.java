package org.yishi.platform.http;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The one answer to an optimistic version conflict (or another change the stored state no longer
 * allows): 409 with the usual error body plus {@code current}, the values as stored now, so that the
 * client can show them and let the user decide. Services fail with a subclass; routes just pass the
 * failure on ({@code ctx::fail}) and {@link ErrorHandler#body} adds {@code current} to the API's answer.
 */
public class StaleConflict extends AppException {
  private final transient JsonObject current;

  public StaleConflict(JsonObject current, String message, Map<String, Msg> fields) {
    super(ErrorKind.CONFLICT, message, fields);
    this.current = current == null ? new JsonObject() : current.copy();
  }

  public StaleConflict(JsonObject current, String message) {
    this(current, message, Map.of());
  }

  /** The values as stored now. */
  public JsonObject current() {
    return current;
  }
}
