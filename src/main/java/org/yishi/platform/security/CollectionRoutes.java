package org.yishi.platform.security;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Consumer;

/**
 * How a collection (stations, topics, plans, outcomes, members, ...) lays out its routes, in one
 * place instead of in every feature: the API under {@code /api/v1/<name>} and the pages under
 * {@code /<name>}. {@code any} guards the collection, {@code one} a member of it ({@code :id}, usually
 * {@code any} scoped to the member's jurisdiction). A null handler: the collection has no such route.
 * Routes with a fixed path under the collection (e.g. {@code /topics/approvals}) are registered
 * before these, so that they are never read as an {@code :id}.
 */
public final class CollectionRoutes {
  private CollectionRoutes() {
  }

  /** The API calls of a collection. */
  public record Api(Handler<RoutingContext> list, Handler<RoutingContext> create, Handler<RoutingContext> get,
                    Handler<RoutingContext> update, Handler<RoutingContext> transition) {
  }

  /** The pages of a collection. */
  public record Pages(Handler<RoutingContext> list, Handler<RoutingContext> form, Handler<RoutingContext> create,
                      Handler<RoutingContext> view, Handler<RoutingContext> edit, Handler<RoutingContext> update,
                      Handler<RoutingContext> transition) {
  }

  /**
   * {@code GET base} the list (with its declared query parameters), {@code POST base} creates one,
   * {@code GET} and {@code PUT base/:id} read and replace one, {@code POST base/:id/transitions} moves
   * it along its lifecycle.
   */
  public static void api(SecureRouter r, String base, Access any, Access one, ApiQuery listQuery, Api calls) {
    when(calls.list(), h -> r.get(base, any, listQuery, h));
    when(calls.create(), h -> r.post(base, any, h));
    when(calls.get(), h -> r.get(base + "/:id", one, h));
    when(calls.update(), h -> r.put(base + "/:id", one, h));
    when(calls.transition(), h -> r.post(base + "/:id/transitions", one, h));
  }

  /**
   * {@code GET base} the list, {@code GET base/new} the empty form, {@code POST base} creates from it,
   * {@code GET base/:id} one, {@code GET base/:id/edit} its form, {@code POST base/:id} saves it,
   * {@code POST base/:id/transition} moves it along its lifecycle.
   */
  public static void pages(SecureRouter r, String base, Access any, Access one, Pages pages) {
    when(pages.list(), h -> r.get(base, any, h));
    when(pages.form(), h -> r.get(base + "/new", any, h));
    when(pages.create(), h -> r.post(base, any, h));
    when(pages.view(), h -> r.get(base + "/:id", one, h));
    when(pages.edit(), h -> r.get(base + "/:id/edit", one, h));
    when(pages.update(), h -> r.post(base + "/:id", one, h));
    when(pages.transition(), h -> r.post(base + "/:id/transition", one, h));
  }

  private static void when(Handler<RoutingContext> handler, Consumer<Handler<RoutingContext>> register) {
    if (handler != null) {
      register.accept(handler);
    }
  }
}
