package org.yishi.division;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.web.Routes;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.division.Page;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.ApiQuery;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.security.Security;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.PageRequest;
import org.yishi.platform.web.Text;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading the administrative divisions, for every signed-in user: the API
 * ({@code /api/v1/divisions}: children of a unit, search, one unit with its ancestors), the
 * drill-down page {@code /divisions}, and the {@code <option>} fragment {@code /divisions/options}
 * that cascading selects load (see docs/divisions.md). The import routes are registered on the same
 * router by {@link DivisionImportRoutes}.
 */
public record DivisionRoutes(App app, DivisionStore store, DivisionImportService imports) implements Routes {
  private static final Access SIGNED_IN = Access.signedIn();

  @Override
  public void register(SecureRouter r) {
    // the import routes first, so that /api/v1/divisions/imports is never read as a division code
    DivisionImportRoutes.register(r, app, imports);
    // parent lists a unit's direct children (a different idea from division, which bounds a search to
    // a unit's whole subtree); within is division's name of earlier releases
    r.get("/api/v1/divisions", SIGNED_IN, ApiQuery.of("parent", "q", "division").paged().alias("within", "division"),
        this::listApi);
    r.get("/api/v1/divisions/:code", SIGNED_IN, this::getApi);
    r.get("/divisions", SIGNED_IN, this::browsePage);
    r.get("/divisions/options", SIGNED_IN, this::optionsFragment);
  }

  /**
   * What a list asks for: the children of {@code parent} (the provinces when null), or the units
   * whose name contains {@code q}, optionally only below {@code within}.
   */
  record Query(String parent, String q, String within) {
    boolean search() {
      return q != null;
    }

    /** The unit the list is about (the parent, or the unit searched within), or null for the whole country. */
    String context() {
      return search() ? within : parent;
    }

    /**
     * Reads {@code parent}, {@code q} and {@code within} (422 with a message per bad field). The API
     * is strict; the page is lenient with what its own forms send (a blank search browses the unit
     * searched within, and the unit being browsed bounds a search).
     */
    static Query from(RoutingContext ctx, boolean strict) {
      Map<String, Msg> errors = new LinkedHashMap<>();
      String parent = code(ctx, "parent", errors);
      String within = code(ctx, strict ? "division" : "within", errors);
      String q = searchText(ctx, errors);
      if (!strict) {
        if (q == null && parent == null) {
          parent = within;
        } else if (q != null && within == null) {
          within = parent;
        }
        return errors.isEmpty() ? new Query(q == null ? parent : null, q, q == null ? null : within) : fail(errors);
      }
      if (q != null && parent != null) {
        errors.putIfAbsent("parent", Msg.of("division.field.parentOrQ"));
      }
      if (q == null && within != null && !errors.containsKey("q")) {
        errors.putIfAbsent("division", Msg.of("division.field.withinNeedsQ"));
      }
      return errors.isEmpty() ? new Query(parent, q, within) : fail(errors);
    }

    private static Query fail(Map<String, Msg> errors) {
      throw AppException.invalid(errors);
    }
  }

  /** An optional 12-digit code parameter; null when absent or blank. */
  static String code(RoutingContext ctx, String name, Map<String, Msg> errors) {
    String v = ctx.request().getParam(name);
    if (Text.blank(v)) {
      return null;
    }
    v = Text.strip(v);
    if (!DivisionCode.isCode(v)) {
      errors.put(name, Msg.of("division.field.code"));
      return null;
    }
    return v;
  }

  private static String searchText(RoutingContext ctx, Map<String, Msg> errors) {
    String v = ctx.request().getParam("q");
    if (Text.blank(v)) {
      return null;
    }
    v = Text.strip(v);
    if (v.codePointCount(0, v.length()) > DivisionImporter.MAX_NAME_LENGTH
        || v.chars().anyMatch(c -> Character.isISOControl(c) || c == '\uFFFD')) {
      errors.put("q", Msg.of("division.field.q", DivisionImporter.MAX_NAME_LENGTH));
      return null;
    }
    return v;
  }

  /** One page of a list, with the unit it is about (and that unit's ancestors), or null for the country. */
  private record Listing(List<Division> chain, Page<Division> page) {
    Division context() {
      return chain.isEmpty() ? null : chain.get(chain.size() - 1);
    }
  }

  private Future<Listing> find(Query query, PageRequest page) {
    Future<List<Division>> chain = query.context() == null ? Future.succeededFuture(List.of()) : chainOf(query.context());
    return chain.compose(units -> {
      Future<Page<Division>> items = query.search()
          ? store.search(query.q(), query.within() == null ? null : DivisionCode.prefix(query.within()), page.size(), page.offset())
          : store.children(query.parent(), page.size(), page.offset());
      return items.map(p -> new Listing(units, p));
    });
  }

  /** The unit with its ancestors (province first); 404 when there is no such unit. */
  private Future<List<Division>> chainOf(String code) {
    return store.ancestors(code).compose(chain -> chain.isEmpty()
        ? Future.failedFuture(AppException.notFound("No division with code " + code))
        : Future.succeededFuture(chain));
  }

  // ------------------------------------------------------------------ API

  private void listApi(RoutingContext ctx) {
    Query query = Query.from(ctx, true);
    PageRequest page = PageRequest.from(ctx);
    find(query, page).onFailure(ctx::fail).onSuccess(listing -> {
      JsonArray items = new JsonArray();
      listing.page().items().forEach(d -> items.add(d.toJson()));
      JsonObject body = new JsonObject().put("items", items).put("total", listing.page().total())
          .put("page", page.page()).put("size", page.size());
      Division context = listing.context();
      if (query.search()) {
        body.put("q", query.q()).put("within", context == null ? null : context.toJson());
      } else {
        body.put("parent", context == null ? null : context.toJson());
      }
      Json.ok(ctx, body);
    });
  }

  private void getApi(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    if (!DivisionCode.isCode(code)) {
      throw AppException.invalid("code", "division.field.code");
    }
    chainOf(code).onFailure(ctx::fail).onSuccess(chain -> {
      JsonArray ancestors = new JsonArray();
      chain.subList(0, chain.size() - 1).forEach(d -> ancestors.add(d.toJson()));
      Json.ok(ctx, chain.get(chain.size() - 1).toJson().put("ancestors", ancestors));
    });
  }

  // ------------------------------------------------------------------ pages

  private void browsePage(RoutingContext ctx) {
    Map<String, Object> model = new HashMap<>();
    model.put("isAdmin", Security.require(ctx).is(Role.ADMIN));
    model.put("q", "");
    model.put("items", List.of());
    model.put("crumbs", List.of());
    Query query;
    PageRequest page;
    try {
      query = Query.from(ctx, false);
      page = PageRequest.from(ctx);
    } catch (AppException e) {
      if (e.kind() != ErrorKind.INVALID) {
        throw e;
      }
      model.put("errors", app.web().messages(ctx, e.fields()));
      app.web().page(ctx, 422, "division/browse", model);
      return;
    }
    find(query, page).onFailure(ctx::fail).onSuccess(listing -> {
      Division context = listing.context();
      model.put("searching", query.search());
      model.put("q", query.q() == null ? "" : query.q());
      model.put("unit", context == null ? null : view(context));
      model.put("crumbs", listing.chain().stream().map(DivisionRoutes::view).toList());
      model.put("items", listing.page().items().stream().map(DivisionRoutes::view).toList());
      model.put("total", listing.page().total());
      model.put("page", page.page());
      model.put("pages", page.pages(listing.page().total()));
      model.put("pagerBase", query.search()
          ? "/divisions?q=" + URLEncoder.encode(query.q(), StandardCharsets.UTF_8)
              + (context == null ? "" : "&within=" + context.code()) + "&"
          : "/divisions?" + (context == null ? "" : "parent=" + context.code() + "&"));
      app.web().page(ctx, "division/browse", model);
    });
  }

  /**
   * {@code <option>} elements for the children of {@code parent} (see docs/divisions.md): a first
   * empty "choose" option, then one per child in code order, {@code selected} marked. Without
   * {@code parent}, the code is read from the parameter named by htmx's {@code HX-Trigger-Name}
   * header, so a select can load its child select with no script of its own.
   */
  private void optionsFragment(RoutingContext ctx) {
    Map<String, Msg> errors = new LinkedHashMap<>();
    String parentParam = "parent";
    String trigger = ctx.request().getHeader("HX-Trigger-Name");
    if (ctx.request().getParam(parentParam) == null && !Text.blank(trigger)) {
      parentParam = trigger;
    }
    String parent = code(ctx, parentParam, errors);
    String selected = code(ctx, "selected", errors);
    if (!errors.isEmpty()) {
      throw AppException.invalid(errors);
    }
    Map<String, Object> model = new HashMap<>();
    model.put("selected", selected == null ? "" : selected);
    model.put("items", List.of());
    if (parent == null) {
      app.web().page(ctx, "division/options", model);
      return;
    }
    store.children(parent, DivisionStore.MAX_PAGE, 0)
        .compose(page -> page.total() > 0 ? Future.succeededFuture(page)
            : store.exists(parent).compose(found -> found ? Future.succeededFuture(page)
                : Future.failedFuture(AppException.notFound("No division with code " + parent))))
        .onFailure(ctx::fail)
        .onSuccess(page -> {
          model.put("items", page.items().stream().map(DivisionRoutes::view).toList());
          app.web().page(ctx, "division/options", model);
        });
  }

  /** A unit as templates read it; {@code drill}: whether it has a level below. */
  static Map<String, Object> view(Division d) {
    Map<String, Object> m = new HashMap<>();
    m.put("code", d.code());
    m.put("name", d.name());
    m.put("level", d.level().key());
    m.put("parentCode", d.parentCode() == null ? "" : d.parentCode());
    m.put("drill", d.level() != DivisionLevel.VILLAGE);
    return m;
  }
}
