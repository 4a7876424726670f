package org.yishi.platform.security;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters an API route accepts, declared where the route is registered
 * ({@link SecureRouter#get(String, Access, ApiQuery, io.vertx.core.Handler)} and its siblings). One
 * spelling per idea across {@code /api/v1}: a division filter is {@code division}, a station
 * {@code stationId}, a meeting {@code meetingId}, a page {@code page}/{@code size}. Spellings of
 * earlier releases are kept as {@linkplain #alias aliases} for one release: a request using one is
 * answered as if it had used the current name (with a {@code Deprecation: true} header).
 *
 * <p>Before the route's guard runs, {@link #check} refuses with 400 (naming it) any query parameter
 * the route does not declare, and a current name given together with its alias. An API route
 * registered without a declaration accepts no query parameters at all. Pages are not checked.
 */
public final class ApiQuery {
  /** No query parameters (the default of an API route registered without a declaration). */
  public static final ApiQuery NONE = new ApiQuery(Set.of(), Map.of());

  private final Set<String> names;            // current names, in declaration order
  private final Map<String, String> aliases;  // old name -> current name

  private ApiQuery(Set<String> names, Map<String, String> aliases) {
    this.names = Collections.unmodifiableSet(new LinkedHashSet<>(names));
    this.aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
  }

  /** These query parameters (current names). */
  public static ApiQuery of(String... names) {
    return NONE.and(names);
  }

  /** This declaration plus {@code more} names. */
  public ApiQuery and(String... more) {
    Set<String> n = new LinkedHashSet<>(names);
    for (String name : more) {
      if (name == null || name.isBlank() || aliases.containsKey(name)) {
        throw new IllegalArgumentException("bad query parameter name: " + name);
      }
      n.add(name);
    }
    return new ApiQuery(n, aliases);
  }

  /** This declaration plus the list paging parameters {@code page} and {@code size}. */
  public ApiQuery paged() {
    return and("page", "size");
  }

  /**
   * {@code old} (a spelling of an earlier release) is read as {@code current}, which must be
   * declared. Kept for one release, then removed; documented as deprecated in openapi.yaml.
   */
  public ApiQuery alias(String old, String current) {
    if (!names.contains(current) || names.contains(old) || aliases.containsKey(old)) {
      throw new IllegalArgumentException("alias " + old + " -> " + current + " does not fit " + names);
    }
    Map<String, String> a = new LinkedHashMap<>(aliases);
    a.put(old, current);
    return new ApiQuery(names, a);
  }

  /** The current names. */
  public Set<String> names() {
    return names;
  }

  /** Old name → current name. */
  public Map<String, String> aliases() {
    return aliases;
  }

  /** Every accepted spelling (current names and aliases). */
  public Set<String> accepted() {
    Set<String> all = new LinkedHashSet<>(names);
    all.addAll(aliases.keySet());
    return all;
  }

  /**
   * Checks the request's query string against this declaration and rewrites aliases to their
   * current names, so that handlers read only current names. Throws a 400 (JSON error with the
   * parameter in {@code fields}) for an unknown parameter or a parameter given under two names.
   */
  void check(RoutingContext ctx) {
    MultiMap query = ctx.queryParams();
    if (query.isEmpty()) {
      return;
    }
    Map<String, Msg> problems = new LinkedHashMap<>();
    for (String name : new TreeSet<>(query.names())) {
      if (names.contains(name)) {
        continue;
      }
      String current = aliases.get(name);
      if (current == null) {
        problems.put(name, Msg.of("field.unknownParameter",
            names.isEmpty() ? "-" : String.join(", ", names)));
      } else if (query.contains(current)) {
        problems.put(name, Msg.of("field.aliasTwice", current));
      }
    }
    if (!problems.isEmpty()) {
      String first = problems.keySet().iterator().next();
      String message = problems.get(first).key().equals("field.aliasTwice")
          ? "Query parameter " + first + " is an old name of " + aliases.get(first) + "; give only " + aliases.get(first)
          : "Unknown query parameter " + String.join(", ", problems.keySet()) + " for this operation";
      throw new AppException(ErrorKind.MALFORMED, message, problems);
    }
    boolean deprecated = false;
    MultiMap params = ctx.request().params();
    for (Map.Entry<String, String> a : aliases.entrySet()) {
      List<String> values = query.getAll(a.getKey());
      if (!values.isEmpty()) {
        params.remove(a.getKey());
        params.set(a.getValue(), values);
        deprecated = true;
      }
    }
    if (deprecated) {
      ctx.response().putHeader("Deprecation", "true");
    }
  }
}
