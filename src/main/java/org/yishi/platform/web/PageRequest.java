package org.yishi.platform.web;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;

import java.util.Map;


/** {@code ?page=N&size=M} with bounds: pages start at 1, sizes 1-200 (default 20). */
public record PageRequest(int page, int size) {
  public static final int MAX_SIZE = 200;

  public static PageRequest from(RoutingContext ctx) {
    return new PageRequest(param(ctx, "page", 1, 1_000_000), param(ctx, "size", 20, MAX_SIZE));
  }

  private static int param(RoutingContext ctx, String name, int dflt, int max) {
    String v = ctx.request().getParam(name);
    if (Text.blank(v)) {
      return dflt;
    }
    if (!v.matches("\\d{1,7}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > max) {
      throw AppException.invalid(name, "field.range", 1, max);
    }
    return Integer.parseInt(v);
  }

  /** The {@code q} search text (trimmed; null when blank); longer than 64 characters is a 422. */
  public static String search(RoutingContext ctx) {
    return Params.search(ctx, "q");
  }

  /** The request's query string without {@code page}, for pager links that keep the filters. */
  public static String queryWithoutPage(RoutingContext ctx) {
    String q = ctx.request().query();
    return q == null ? "" : q.replaceAll("(^|&)page=[^&]*", "");
  }

  public int offset() {
    return (page - 1) * size;
  }

  /** Total number of pages for {@code total} items (at least 1). */
  public int pages(long total) {
    return (int) Math.max(1, (total + size - 1) / size);
  }

  /** The API answer for this page of a list: the store's {@code {items, total}} with {@code page} and {@code size}. */
  public JsonObject answer(JsonObject list) {
    return list.put("page", page).put("size", size);
  }

  /**
   * Puts this page of a list into a page's template model: the rows under {@code key}, and
   * {@code total}, {@code page} and {@code pages} from the store's {@code {items, total}}.
   */
  public Map<String, Object> into(Map<String, Object> model, String key, Object rows, JsonObject list) {
    long total = list.getLong("total");
    model.put(key, rows);
    model.put("total", total);
    model.put("page", page);
    model.put("pages", pages(total));
    return model;
  }
}
