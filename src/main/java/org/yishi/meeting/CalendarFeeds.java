package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;

import java.util.HashSet;
import java.util.List;

/**
 * Personal calendar feed links: a random token (only its SHA-256 is stored) tied to one account and
 * one unit, a station or a division (district, city). A link is made only for a unit inside the
 * caller's jurisdiction; the feed is read with the owner's jurisdiction as it is at fetch time; and a
 * link is dead once the account is disabled, its role, scope or stations change, or its password
 * changes (the account as it was when the link was made is kept with the link and compared with the
 * account row at every fetch). Owners revoke their links on {@code /account/feeds}, admins on the
 * account's page.
 */
public final class CalendarFeeds {
  /** The characters of a token: 32 random bytes, base64url without padding. */
  static final String TOKEN_PATTERN = "[A-Za-z0-9_-]{43}";
  private static final String STATIONS_OF_A = """
      COALESCE((SELECT array_agg(s.station_id ORDER BY s.station_id) FROM account_station s WHERE s.account_id = a.id),
               '{}')::bigint[]""";
  /** True while the link's owner is the account the link was made for (same role, scope, stations, password). */
  private static final String ALIVE = """
      (t.revoked_at IS NULL AND NOT a.disabled AND a.role = t.owner_role
       AND a.scope_code IS NOT DISTINCT FROM t.owner_scope
       AND sha256(convert_to(a.password_hash, 'UTF8')) = t.owner_password
       AND %s = t.owner_stations)""".formatted(STATIONS_OF_A);

  private final Pool pool;

  private final java.time.ZoneId zone;

  public CalendarFeeds(Pool pool, java.time.ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  /** A feed's unit: exactly one of a station and a division code. */
  public record Unit(Long stationId, String divisionCode) {
    public static Unit of(Long stationId, String divisionCode) {
      if ((stationId == null) == (divisionCode == null)) {
        throw AppException.invalid(stationId == null ? "station" : "district", "meeting.feed.unit");
      }
      return new Unit(stationId, divisionCode);
    }
  }

  /** Where a unit lies and what it is called; null when there is no such station. */
  public record Place(Unit unit, String divisionCode, String name) {
    boolean coveredBy(Jurisdiction j) {
      return unit.stationId() != null ? j.coversStation(unit.stationId(), divisionCode) : j.coversDivision(divisionCode);
    }
  }

  public Future<Place> place(Unit unit) {
    if (unit.stationId() != null) {
      return pool.preparedQuery("SELECT division_code, name FROM station WHERE id = $1").execute(Tuple.of(unit.stationId()))
          .map(rows -> rows.size() == 0 ? null
              : new Place(unit, rows.iterator().next().getString(0).trim(), rows.iterator().next().getString(1)));
    }
    // a division is judged by its code alone (a jurisdiction is a code prefix, whether or not the
    // division table holds the unit), so an answer never tells whether a division outside exists
    return pool.preparedQuery("SELECT name FROM division WHERE code = $1").execute(Tuple.of(unit.divisionCode()))
        .map(rows -> new Place(unit, unit.divisionCode(), rows.size() == 0 ? unit.divisionCode() : rows.iterator().next().getString(0)));
  }

  /**
   * The unit a caller named, checked against the caller's jurisdiction: 404 when there is no such
   * station, 403 when it lies outside (the same answers as for a resource in a path).
   */
  public Future<Place> visibleTo(Principal me, Unit unit) {
    return place(unit).map(p -> {
      if (p == null) {
        throw AppException.notFound("No such station");
      }
      if (!p.coveredBy(me.jurisdiction())) {
        throw AppException.forbidden("Outside your jurisdiction");
      }
      return p;
    });
  }

  /** A new link: its row id and the token, which is shown once and never stored. */
  public record Issued(long id, String token, boolean replaced) {
    public String path() {
      return "/calendar/feed/" + token + ".ics";
    }
  }

  /**
   * Makes the caller's link for a unit inside their jurisdiction (403 outside, nothing written). The
   * caller has one link per unit: asking again gives the same row a new token, and the old link stops
   * working.
   */
  public Future<Issued> issue(Principal me, Unit unit) {
    return visibleTo(me, unit).compose(place -> {
      String token = org.yishi.platform.security.SecretTokens.newToken();
      return pool.withTransaction(tx -> tx.preparedQuery("""
                  INSERT INTO calendar_feed_token (account_id, token_hash, station_id, division_code,
                                                   owner_role, owner_scope, owner_stations, owner_password)
                  SELECT a.id, $2, $3, $4, a.role, a.scope_code, %s, sha256(convert_to(a.password_hash, 'UTF8'))
                    FROM account a WHERE a.id = $1 AND NOT a.disabled
                  ON CONFLICT (account_id, (COALESCE(station_id, 0)), (COALESCE(division_code, ''))) WHERE revoked_at IS NULL
                  DO UPDATE SET token_hash = EXCLUDED.token_hash, owner_role = EXCLUDED.owner_role,
                                owner_scope = EXCLUDED.owner_scope, owner_stations = EXCLUDED.owner_stations,
                                owner_password = EXCLUDED.owner_password, created_at = now()
                  RETURNING id, (xmax <> 0) AS replaced""".formatted(STATIONS_OF_A))
              .execute(Tuple.of(me.id(), Buffer.buffer(sha256(token)), unit.stationId(), unit.divisionCode()))
              .compose(rows -> {
                if (rows.size() == 0) {
                  return Future.failedFuture(AppException.forbidden("This account is disabled"));
                }
                Row r = rows.iterator().next();
                Issued issued = new Issued(r.getLong(0), token, r.getBoolean(1));
                return AuditLog.record(tx, AuditEntry.by(me, issued.replaced() ? "calendar_feed.renew" : "calendar_feed.create",
                        "calendar_feed", issued.id(), place.divisionCode(), null, describe(me.id(), unit)))
                    .map(issued);
              }));
    });
  }

  private static JsonObject describe(long accountId, Unit unit) {
    return new JsonObject().put("accountId", accountId).put("stationId", unit.stationId())
        .put("divisionCode", unit.divisionCode());
  }

  /** What a live token gives: the unit and its owner's current jurisdiction. */
  public record Feed(Place place, Jurisdiction jurisdiction) {
  }

  /**
   * The feed a token opens, or null when the token is malformed, unknown, revoked or dead (owner
   * disabled, re-scoped or with a changed password), or when its unit no longer lies inside the
   * owner's current jurisdiction. Callers answer every null the same way.
   */
  public Future<Feed> open(String token) {
    if (token == null || !token.matches(TOKEN_PATTERN)) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("SELECT t.station_id, t.division_code, a.id, a.username, a.role, a.scope_code, "
            + STATIONS_OF_A + " FROM calendar_feed_token t JOIN account a ON a.id = t.account_id"
            + " WHERE t.token_hash = $1 AND " + ALIVE)
        .execute(Tuple.of(Buffer.buffer(sha256(token))))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          Row r = rows.iterator().next();
          String division = r.getString(1);
          Long[] stations = r.getArrayOfLongs(6);
          String scope = r.getString(5);
          Principal owner = new Principal(r.getLong(2), r.getString(3), null, Role.fromKey(r.getString(4)),
              scope == null ? null : scope.trim(), new HashSet<>(stations == null ? List.of() : List.of(stations)), null, false, 0);
          Jurisdiction j = owner.jurisdiction();
          return place(new Unit(r.getLong(0), division == null ? null : division.trim()))
              .map(p -> p != null && p.coveredBy(j) ? new Feed(p, j) : null);
        });
  }

  /** An account's links that are not revoked, newest first, each with whether it still works. */
  public Future<JsonArray> of(SqlClient client, long accountId) {
    return client.preparedQuery("SELECT t.id, t.station_id, t.division_code, t.created_at, " + ALIVE + """
             AS alive,
                   COALESCE(st.name, d.name) AS unit_name
              FROM calendar_feed_token t JOIN account a ON a.id = t.account_id
              LEFT JOIN station st ON st.id = t.station_id
              LEFT JOIN division d ON d.code = t.division_code
             WHERE t.account_id = $1 AND t.revoked_at IS NULL
             ORDER BY t.created_at DESC, t.id DESC""")
        .execute(Tuple.of(accountId))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            String division = r.getString(2);
            out.add(new JsonObject().put("id", r.getLong(0)).put("stationId", r.getLong(1))
                .put("divisionCode", division == null ? null : division.trim())
                .put("createdAt", org.yishi.platform.Times.iso(r.getOffsetDateTime(3), zone))
                .put("alive", r.getBoolean(4)).put("unitName", r.getString(5)));
          }
          return out;
        });
  }

  public Future<JsonArray> of(long accountId) {
    return of(pool, accountId);
  }

  /**
   * Revokes one link of {@code accountId} (its owner, or an admin on the account's page): false when
   * the account has no such live link.
   */
  public Future<Boolean> revoke(Principal actor, long accountId, long feedId) {
    return pool.withTransaction(tx -> tx.preparedQuery("""
            UPDATE calendar_feed_token t SET revoked_at = now(), revoked_by = $3
             WHERE t.id = $1 AND t.account_id = $2 AND t.revoked_at IS NULL
            RETURNING t.station_id, t.division_code,
                      COALESCE(t.division_code, (SELECT s.division_code FROM station s WHERE s.id = t.station_id))""")
        .execute(Tuple.of(feedId, accountId, actor.id()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(false);
          }
          Row r = rows.iterator().next();
          String division = r.getString(1);
          String where = r.getString(2);
          return AuditLog.record(tx, AuditEntry.by(actor, "calendar_feed.revoke", "calendar_feed", feedId,
                  where == null ? null : where.trim(),
                  describe(accountId, new Unit(r.getLong(0), division == null ? null : division.trim())), null))
              .map(true);
        }));
  }

  static byte[] sha256(String token) {
    return org.yishi.platform.security.SecretTokens.sha256(token);
  }
}
