package org.yishi.account;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.db.Like;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.PageRequest;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** All SQL of accounts and API tokens. Writes take the caller's transaction. */
public final class AccountStore {
  /** The node's time zone (YISHI_ZONE), for calendar days and the times shown. */
  private final ZoneId zone;
  private static final String COLUMNS = """
      a.id, a.username, a.display_name, a.password_hash, a.role, a.scope_code, a.phone, a.email, a.locale,
      a.disabled, a.must_change_password, a.created_at, a.updated_at, a.version, a.session_epoch,
      COALESCE((SELECT array_agg(s.station_id ORDER BY s.station_id) FROM account_station s WHERE s.account_id = a.id),
               '{}') AS station_ids""";

  private final Pool pool;

  public AccountStore(Pool pool, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  /** One account row as read from the database (the password hash never leaves the service). */
  public record AccountRow(long id, String username, String displayName, String passwordHash, Role role,
                           String scopeCode, String phone, String email, String locale, boolean disabled,
                           boolean mustChangePassword, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                           int version, List<Long> stationIds, long sessionEpoch) {

    public Principal principal() {
      return new Principal(id, username, displayName, role, scopeCode, new HashSet<>(stationIds), locale,
          mustChangePassword, sessionEpoch);
    }

    /** The API/audit view (no password hash). */
    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id).put("username", username).put("displayName", displayName)
          .put("role", role.key()).put("scopeCode", scopeCode)
          .put("stationIds", new JsonArray(stationIds))
          .put("phone", phone).put("email", email).put("locale", locale)
          .put("disabled", disabled).put("mustChangePassword", mustChangePassword)
          .put("createdAt", createdAt.toString())
          .put("updatedAt", updatedAt.toString())
          .put("version", version);
    }
  }

  private OffsetDateTime inZone(OffsetDateTime t) {
    return t.atZoneSameInstant(zone).toOffsetDateTime();
  }

  private AccountRow map(Row r) {
    Long[] stations = r.getArrayOfLongs("station_ids");
    String scope = r.getString("scope_code");
    return new AccountRow(r.getLong("id"), r.getString("username"), r.getString("display_name"),
        r.getString("password_hash"), Role.fromKey(r.getString("role")), scope == null ? null : scope.trim(),
        r.getString("phone"), r.getString("email"), r.getString("locale"), r.getBoolean("disabled"), r.getBoolean("must_change_password"),
        inZone(r.getOffsetDateTime("created_at")), inZone(r.getOffsetDateTime("updated_at")), r.getInteger("version"),
        stations == null ? List.of() : List.of(stations), r.getInteger("session_epoch"));
  }

  private AccountRow first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? map(it.next()) : null;
  }

  /** By id, or null. */
  public Future<AccountRow> byId(SqlClient client, long id) {
    return client.preparedQuery("SELECT " + COLUMNS + " FROM account a WHERE a.id = $1")
        .execute(Tuple.of(id)).map(this::first);
  }

  public Future<AccountRow> byId(long id) {
    return byId(pool, id);
  }

  /** By id, locked for update within {@code tx}. */
  public Future<AccountRow> byIdForUpdate(SqlClient tx, long id) {
    return tx.preparedQuery("SELECT " + COLUMNS + " FROM account a WHERE a.id = $1 FOR UPDATE")
        .execute(Tuple.of(id)).map(this::first);
  }

  /** By user name (case-insensitive), or null. */
  public Future<AccountRow> byUsername(String username) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM account a WHERE lower(a.username) = lower($1)")
        .execute(Tuple.of(username)).map(this::first);
  }

  /** The account holding an unexpired, unrevoked token with this SHA-256, or null. */
  public Future<AccountRow> byTokenHash(byte[] tokenHash) {
    return pool.preparedQuery("SELECT " + COLUMNS + """
             FROM api_token t JOIN account a ON a.id = t.account_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()""")
        .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(tokenHash))).map(this::first);
  }

  /** Where an account lies (its scope code), or null when there is no such account. */
  public Future<String[]> scopeOf(long id) {
    return pool.preparedQuery(Kept.sql("SELECT scope_code FROM account WHERE id = $1")).execute(Tuple.of(id))
        .map(rows -> {
          var it = rows.iterator();
          if (!it.hasNext()) {
            return null;
          }
          String code = it.next().getString(0);
          return new String[] {code == null ? null : code.trim()};
        });
  }

  /**
   * Accounts inside a jurisdiction (by scope code), filtered by a text fragment of user or display
   * name and by role, ordered by user name; returns {@code {"items": [...], "total": N}}.
   */
  public Future<JsonObject> list(Jurisdiction j, String q, Role role, PageRequest page) {
    String prefix = j.isAll() ? "" : j.sqlPrefix();
    String like = Like.contains(q);
    String where = """
        WHERE """ + Jurisdiction.sqlInside("a.scope_code", 1) + """
          AND ($2::text IS NULL OR a.username ILIKE $2 OR a.display_name ILIKE $2)
          AND ($3::text IS NULL OR a.role = $3)""";
    Tuple filter = Tuple.of(prefix, like, role == null ? null : role.key());
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM account a " + where).execute(filter)
        .map(rows -> rows.iterator().next().getLong(0));
    Future<JsonArray> items = pool.preparedQuery("SELECT " + COLUMNS + " FROM account a " + where
            + " ORDER BY lower(a.username) LIMIT $4 OFFSET $5")
        .execute(Tuple.of(prefix, like, filter.getValue(2), page.size(), page.offset()))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(map(r).toJson()));
          return out;
        });
    return Future.all(total, items).map(v -> new JsonObject().put("items", items.result()).put("total", total.result()));
  }

  /** Inserts an account; the unique index on lower(username) turns a duplicate into SQLSTATE 23505. */
  public Future<Long> insert(SqlClient tx, String username, String displayName, String passwordHash, Role role,
                             String scopeCode, String phone, String email, boolean mustChangePassword) {
    return tx.preparedQuery("""
            INSERT INTO account (username, display_name, password_hash, role, scope_code, phone, must_change_password, email)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id""")
        .execute(Tuple.of(username, displayName, passwordHash, role.key(), scopeCode, phone, mustChangePassword).addString(email))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Inserts the bootstrap admin unless an account named admin exists; true when inserted. */
  public Future<Boolean> insertAdminIfAbsent(String passwordHash, boolean mustChange) {
    return pool.preparedQuery("""
            INSERT INTO account (username, display_name, password_hash, role, must_change_password)
            VALUES ('admin', 'Administrator', $1, 'admin', $2)
            ON CONFLICT ((lower(username))) DO NOTHING RETURNING id""")
        .execute(Tuple.of(passwordHash, mustChange))
        .map(rows -> rows.size() == 1);
  }

  /** Updates profile, role and scope if {@code version} is current; false when stale. */
  public Future<Boolean> update(SqlClient tx, long id, int version, String displayName, Role role, String scopeCode,
                                String phone, String email, boolean disabled) {
    return tx.preparedQuery("""
            UPDATE account SET display_name = $3, role = $4, scope_code = $5, phone = $6, disabled = $7, email = $8,
                   updated_at = now(), version = version + 1
             WHERE id = $1 AND version = $2""")
        .execute(Tuple.of(id, version, displayName, role.key(), scopeCode, phone, disabled).addString(email))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * How many of these stations exist inside a district prefix (reads the station registry's table:
   * an account's stations must lie in its own district).
   */
  public Future<Long> countStationsWithin(SqlClient client, Set<Long> stationIds, String prefix) {
    return client.preparedQuery("SELECT count(*) FROM station WHERE id = ANY($1) AND division_code LIKE $2 || '%'")
        .execute(Tuple.tuple().addArrayOfLong(stationIds.toArray(new Long[0])).addString(prefix))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Replaces the stations of a coordinator. */
  public Future<Void> setStations(SqlClient tx, long id, Set<Long> stationIds) {
    return tx.preparedQuery("DELETE FROM account_station WHERE account_id = $1").execute(Tuple.of(id))
        .compose(v -> stationIds.isEmpty() ? Future.succeededFuture()
            : tx.preparedQuery("INSERT INTO account_station (account_id, station_id) SELECT $1, unnest($2::bigint[])")
                .execute(Tuple.tuple().addLong(id).addArrayOfLong(stationIds.toArray(new Long[0]))))
        .mapEmpty();
  }

  /** Sets a new password hash and raises the sign-in generation (ending other sessions); answers the new generation. */
  public Future<Long> setPassword(SqlClient tx, long id, String passwordHash, boolean mustChange) {
    return tx.preparedQuery("""
            UPDATE account SET password_hash = $2, must_change_password = $3, updated_at = now(), version = version + 1,
                   session_epoch = session_epoch + 1
             WHERE id = $1 RETURNING session_epoch""")
        .execute(Tuple.of(id, passwordHash, mustChange))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /** Raises the sign-in generation: every browser session of the account ends (disabling). */
  public Future<Void> endSessions(SqlClient tx, long id) {
    return tx.preparedQuery("UPDATE account SET session_epoch = session_epoch + 1 WHERE id = $1")
        .execute(Tuple.of(id)).mapEmpty();
  }

  public Future<Void> setLocale(long id, String locale) {
    return pool.preparedQuery("UPDATE account SET locale = $2 WHERE id = $1").execute(Tuple.of(id, locale)).mapEmpty();
  }

  public Future<Void> insertToken(long accountId, byte[] tokenHash, OffsetDateTime expiresAt) {
    return pool.preparedQuery("INSERT INTO api_token (account_id, token_hash, expires_at) VALUES ($1, $2, $3)")
        .execute(Tuple.of(accountId, io.vertx.core.buffer.Buffer.buffer(tokenHash), expiresAt)).mapEmpty();
  }

  /** Revokes one token; the account id it belonged to, or null. */
  public Future<Long> revokeToken(byte[] tokenHash) {
    return pool.preparedQuery("""
            UPDATE api_token SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING account_id""")
        .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(tokenHash)))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** Revokes every live token of an account (password reset, disabling). */
  public Future<Integer> revokeAllTokens(SqlClient tx, long accountId) {
    return tx.preparedQuery("UPDATE api_token SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(accountId)).map(RowSet::rowCount);
  }
}
