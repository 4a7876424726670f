package org.yishi.platform.security;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;
import org.yishi.platform.web.Params;

/**
 * The access policy every route declares when it is registered through {@link SecureRouter}:
 * who may call it, and (for routes about one resource) how to find where that resource lies so
 * the jurisdiction check runs before the handler.
 */
public final class Access {
  /** Where a resource lies: its division code and, when it belongs to one station, the station. */
  public record Scope(String divisionCode, Long stationId) {
    public static Scope division(String code) {
      return new Scope(code, null);
    }

    public static Scope station(long stationId, String code) {
      return new Scope(code, stationId);
    }

    /** The station scope from the first row's {@code (station_id, division_code)}; null when there is no row. */
    public static Scope ofStationRow(RowSet<Row> rows) {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return station(r.getLong(0), r.getString(1));
    }
  }

  /** Finds the scope of the resource a request is about (404 when there is none). */
  public interface ScopeResolver extends Function<RoutingContext, Future<Scope>> {
  }

  /**
   * A resolver for routes whose path has {@code :id}: a malformed id is "no such resource" (404),
   * otherwise {@code lookup} finds the scope of the resource with that id (null when missing).
   */
  public static ScopeResolver byId(Function<Long, Future<Scope>> lookup) {
    return ctx -> {
      Long id = pathId(ctx);
      return id == null ? Future.succeededFuture() : lookup.apply(id);
    };
  }

  /** {@link #byId} for resources that belong to a division: {@code divisionOf} finds its code (null when missing). */
  public static ScopeResolver divisionById(Function<Long, Future<String>> divisionOf) {
    return byId(id -> divisionOf.apply(id).map(code -> code == null ? null : Scope.division(code)));
  }

  /** {@link #byId} for stations: {@code divisionOf} finds the station's division code (null when missing). */
  public static ScopeResolver stationById(Function<Long, Future<String>> divisionOf) {
    return byId(id -> divisionOf.apply(id).map(code -> code == null ? null : Scope.station(id, code)));
  }

  /** The {@code :id} path parameter as a number, or null when it is not one. */
  public static Long pathId(RoutingContext ctx) {
    String raw = ctx.pathParam("id");
    return Params.isId(raw) ? Long.valueOf(raw) : null;
  }

  private final boolean open;
  private final String reason;
  private final Set<Role> roles;
  private final ScopeResolver resolver;

  private Access(boolean open, String reason, Set<Role> roles, ScopeResolver resolver) {
    this.open = open;
    this.reason = reason;
    this.roles = roles;
    this.resolver = resolver;
  }

  /** No sign-in needed (sign-in page, probes). The reason is kept for the route inventory. */
  public static Access open(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("an open route must say why it is open");
    }
    return new Access(true, reason, EnumSet.allOf(Role.class), null);
  }

  /**
   * Any signed-in staff account (every role but {@link Role#MEMBER}); the handler may only touch the
   * caller's own data or filter by jurisdiction. Members reach only routes that name them.
   */
  public static Access signedIn() {
    return new Access(false, null, EnumSet.complementOf(EnumSet.of(Role.MEMBER)), null);
  }

  /** Every signed-in account, members included (sign-out, own password, own profile). */
  public static Access anyAccount() {
    return new Access(false, null, EnumSet.allOf(Role.class), null);
  }

  /** Signed-in users with one of these roles; lists filter by the caller's jurisdiction. */
  public static Access roles(Role first, Role... more) {
    return new Access(false, null, EnumSet.of(first, more), null);
  }

  /** Like {@link #roles}, plus the jurisdiction check on the resource found by {@code resolver}. */
  public Access scoped(ScopeResolver resolver) {
    if (open) {
      throw new IllegalStateException("an open route has no jurisdiction");
    }
    return new Access(false, null, roles, resolver);
  }

  public boolean isOpen() {
    return open;
  }

  public Set<Role> roles() {
    return roles;
  }

  public ScopeResolver resolver() {
    return resolver;
  }

  /** One line for the route inventory: {@code open (why)}, {@code roles [..] scoped}. */
  public String describe() {
    if (open) {
      return "open (" + reason + ")";
    }
    return "roles " + roles + (resolver != null ? " + jurisdiction of the resource" : "");
  }
}
