package org.yishi.platform.division;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/** One page of a longer, ordered result: the items, the total across all pages, and where the page starts. */
public record Page<T>(List<T> items, long total, int limit, int offset) {

  /** {@code {"items":[…],"total","limit","offset"}}. */
  public JsonObject toJson(Function<T, JsonObject> item) {
    JsonArray array = new JsonArray();
    items.forEach(i -> array.add(item.apply(i)));
    return new JsonObject().put("items", array).put("total", total).put("limit", limit).put("offset", offset);
  }
}
