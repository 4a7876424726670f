package org.yishi.notify;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;

import java.util.Map;

/** The JSON object body of this feature's API calls: anything else (no body, not JSON, not an object) is a 422. */
final class JsonBody {
  private JsonBody() {
  }

  static JsonObject of(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      throw new AppException(ErrorKind.INVALID, "The body must be a JSON object", Map.of());
    }
    return body;
  }
}
