package org.yishi.platform.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The two answers of a paged, filtered list (the audit log, the delivery log): the API's JSON
 * ({@code items, total, page, size}) and the page ({@code entries, total, page, pages} plus the
 * filters). {@code query} reads the filters from the request and answers the store's {@code {items, total}}.
 */
public final class PagedList {
  private PagedList() {
  }

  /** Answers the API call with the requested page of the list. */
  public static void api(RoutingContext ctx, BiFunction<RoutingContext, PageRequest, Future<JsonObject>> query) {
    PageRequest page = PageRequest.from(ctx);
    query.apply(ctx, page).onFailure(ctx::fail).onSuccess(result -> Json.ok(ctx, page.answer(result)));
  }

  /** Renders {@code template} with the requested page of the list under {@code entries}, then what {@code filters} adds. */
  public static void page(Web web, RoutingContext ctx, String template,
                          BiFunction<RoutingContext, PageRequest, Future<JsonObject>> query, Consumer<Map<String, Object>> filters) {
    PageRequest page = PageRequest.from(ctx);
    query.apply(ctx, page).onFailure(ctx::fail).onSuccess(result -> {
      Map<String, Object> model = page.into(new HashMap<>(), "entries", Web.rows(result.getJsonArray("items")), result);
      filters.accept(model);
      web.page(ctx, template, model);
    });
  }
}
