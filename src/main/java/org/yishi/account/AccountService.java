package org.yishi.account;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import org.yishi.account.AccountStore.AccountRow;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.StaleConflict;
import org.yishi.platform.security.HashingLimit;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.LoginThrottle;
import org.yishi.platform.security.PasswordHasher;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.PageRequest;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Accounts: sign-in (with cluster-wide throttling), API tokens, creation and editing by admins,
 * password resets and changes, and the bootstrap admin. Every write runs in one transaction with
 * its audit entry, then tells every node (event bus) to drop cached copies of the account.
 */
public final class AccountService {
  /** Event-bus address published after an account or its tokens change (body: account id). */
  public static final String CHANGED = org.yishi.platform.security.Authenticator.ACCOUNT_CHANGED;
  private static final Logger LOG = Logger.getLogger(AccountService.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String USERNAME = "[A-Za-z0-9][A-Za-z0-9._-]{1,63}";
  private static final int MIN_PASSWORD = 10;
  /** An e-mail address as SMTP servers take it: one @, a dot in the domain, no spaces or angle brackets. */
  public static final String EMAIL = "[^@\\s<>()\\[\\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+";

  private final Vertx vertx;
  private final Pool pool;
  private final AccountStore store;
  private final PasswordHasher hasher;
  private final LoginThrottle throttle;
  private final HashingLimit hashing;
  private final AppConfig.SecuritySettings settings;
  private final List<java.util.function.LongConsumer> localListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public AccountService(Vertx vertx, Pool pool, HazelcastInstance hazelcast, AppConfig.SecuritySettings settings, java.time.ZoneId zone) {
    this.vertx = vertx;
    this.pool = pool;
    this.store = new AccountStore(pool, zone);
    this.hasher = new PasswordHasher(settings.passwordIterations());
    this.throttle = new LoginThrottle(hazelcast, settings.loginMaxAttempts(), settings.loginMaxPerAddress(),
        settings.loginWindowSeconds());
    this.hashing = new HashingLimit(settings.loginMaxHashingPerAddress());
    this.settings = settings;
  }

  public AccountStore store() {
    return store;
  }

  /** The account names (lower case) locked by sign-in throttling right now, across the cluster. */
  public Future<java.util.Set<String>> lockedAccountNames() {
    return vertx.executeBlocking(throttle::lockedAccountNames, false);
  }

  // ---------------------------------------------------------------- sign-in and tokens

  /**
   * Checks a user name and password. Fails with 429 while throttled, or while this address already
   * has its maximum of password checks running on this node ({@link SignInBusy}); 401 with the same
   * message for an unknown user and a wrong password (and in the same time), 401 for a disabled
   * account. The attempt is counted before the password is checked (see {@link LoginThrottle}).
   */
  public Future<Principal> signIn(String username, String password, String address) {
    if (!hashing.tryAcquire(address)) {
      return Future.failedFuture(new SignInBusy());
    }
    return throttle.reserve(username, address).compose(counted -> {
      if (!counted) {
        return Future.failedFuture(new AppException.RetryLater(ErrorKind.TOO_MANY_REQUESTS,
            "Too many failed sign-ins; try again in " + throttle.windowMinutes() + " minutes", throttle.windowSeconds()));
      }
      return store.byUsername(username)
          .compose(row -> vertx.executeBlocking(() -> {
            if (row == null) {
              hasher.verifyDummy(password);
              return null;
            }
            return hasher.verify(password, row.passwordHash()) ? row : null;
          }, false))
          .compose(row -> {
            if (row == null) {
              // the attempt stays counted: it was a failure
              return Future.failedFuture(AppException.unauthorized("Wrong user name or password"));
            }
            if (row.disabled()) {
              return throttle.released(username, address)
                  .compose(v -> Future.failedFuture(AppException.unauthorized("This account is disabled; ask your administrator")));
            }
            return throttle.succeeded(username, address).map(v -> row.principal());
          });
    }).onComplete(done -> hashing.release(address));
  }

  /** 429: this address already has its maximum of password checks running on this node. */
  public static final class SignInBusy extends AppException.RetryLater {
    public SignInBusy() {
      super(ErrorKind.TOO_MANY_REQUESTS, "Too many sign-ins at once from this address; try again in a moment", 2);
    }
  }

  public long throttleMinutes() {
    return throttle.windowMinutes();
  }

  /** Issues a bearer token: {@code {"token", "tokenType", "expiresAt"}}. Only its SHA-256 is stored. */
  public Future<JsonObject> issueToken(Principal p) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = "yst_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    OffsetDateTime expires = OffsetDateTime.now().plusHours(settings.tokenTtlHours()).withNano(0);
    return store.insertToken(p.id(), sha256(token), expires)
        .map(v -> new JsonObject().put("token", token).put("tokenType", "Bearer").put("expiresAt", expires.toString()));
  }

  /** Revokes one bearer token (sign-out of an API client). */
  public Future<Void> revokeToken(String token) {
    return store.revokeToken(sha256(token)).compose(accountId -> {
      if (accountId != null) {
        announce(accountId);
      }
      return Future.succeededFuture();
    });
  }

  static byte[] sha256(String token) {
    return org.yishi.platform.security.SecretTokens.sha256(token);
  }

  // ---------------------------------------------------------------- reading

  public Future<JsonObject> list(Principal caller, String q, Role role, PageRequest page) {
    return store.list(caller.jurisdiction(), q, role, page);
  }

  /** One account (the route's scope check has already placed it inside the caller's jurisdiction). */
  public Future<AccountRow> get(long id) {
    return store.byId(id).compose(row -> row == null
        ? Future.failedFuture(AppException.notFound("No such account")) : Future.succeededFuture(row));
  }

  // ---------------------------------------------------------------- writing (admins)

  /** What an admin submits to create or edit an account (validated by {@link #readAccount}). */
  public record AccountInput(String username, String displayName, Role role, String scopeCode, String phone, String email,
                             Set<Long> stationIds, String password, Boolean disabled, Integer version) {
  }

  /**
   * Reads and validates an account form or JSON body. {@code creating} requires a user name and
   * allows an initial password; editing requires the version being edited.
   */
  public static AccountInput readAccount(Input in, boolean creating) {
    String username = null;
    String password = null;
    if (creating) {
      username = in.text("username", 64);
      if (username != null && !username.matches(USERNAME)) {
        in.reject("username", "field.username.format");
      }
      if (in.has("password")) {
        password = in.secret("password", 200);
        checkPolicy(in, "password", username, password);
      }
    }
    String displayName = in.text("displayName", 100);
    String roleKey = in.text("role", 40);
    Role role = Role.fromKey(roleKey);
    if (roleKey != null && role == null) {
      in.reject("role", "field.role.unknown");
    } else if (role == Role.MEMBER) {
      in.reject("role", "field.role.member"); // member accounts are made from the member's record
      role = null;
    }
    String scope = in.optionalText("scopeCode", 12, false);
    if (role != null) {
      checkScope(in, role, scope);
    }
    String phone = in.optionalText("phone", 30, false);
    if (phone != null && !phone.matches("[0-9+\\-() ]{3,30}")) {
      in.reject("phone", "field.phone.format");
    }
    String email = in.optionalText("email", 254, false);
    if (email != null && !email.matches(EMAIL)) {
      in.reject("email", "field.email.format");
    }
    List<Long> stations = in.longList("stationIds", 200);
    if (!stations.isEmpty() && role != null && role != Role.STATION_COORDINATOR) {
      in.reject("stationIds", "field.stations.onlyCoordinator");
    }
    Boolean disabled = creating ? Boolean.FALSE : in.optionalBool("disabled");
    Long version = creating ? null : in.version();
    in.done();
    return new AccountInput(username, displayName, role, role == Role.ADMIN ? null : scope, phone, email,
        new LinkedHashSet<>(stations), password, disabled, version == null ? null : version.intValue());
  }

  private static void checkScope(Input in, Role role, String scope) {
    if (role == Role.ADMIN) {
      return;
    }
    if (scope == null) {
      in.reject("scopeCode", "field.required");
      return;
    }
    String prefix;
    try {
      prefix = Jurisdiction.prefixOf(scope);
    } catch (IllegalArgumentException e) {
      in.reject("scopeCode", "field.scope.format");
      return;
    }
    int wanted = role == Role.CITY_STAFF ? 4 : 6;
    if (prefix.length() != wanted) {
      in.reject("scopeCode", role == Role.CITY_STAFF ? "field.scope.city" : "field.scope.district");
    }
  }

  /** Password rules: 10-200 characters, not the user name, not one repeated character. */
  static void checkPolicy(Input in, String field, String username, String password) {
    if (password == null) {
      return;
    }
    if (password.length() < MIN_PASSWORD) {
      in.reject(field, "field.password.tooShort", MIN_PASSWORD);
    } else if (username != null && password.equalsIgnoreCase(username)) {
      in.reject(field, "field.password.sameAsUsername");
    } else if (password.chars().distinct().count() < 4) {
      in.reject(field, "field.password.weak");
    }
  }

  /** Creates an account; answers the account and, when no password was given, a one-time temporary one. */
  public Future<JsonObject> create(Principal actor, AccountInput in) {
    boolean generated = in.password() == null;
    String password = generated ? temporaryPassword() : in.password();
    return vertx.executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> pool.withTransaction(tx -> checkStations(tx, in).compose(ok -> store.insert(tx, in.username(),
                in.displayName(), hash, in.role(), in.scopeCode(), in.phone(), in.email(), generated))
            .compose(id -> store.setStations(tx, id, in.role() == Role.STATION_COORDINATOR ? in.stationIds() : Set.of())
                .compose(v -> store.byId(tx, id)))
            .compose(row -> AuditLog.record(tx, AuditEntry.by(actor, "account.create", "account", row.id(),
                    row.scopeCode(), null, row.toJson()))
                .map(v -> row))))
        .recover(AccountService::duplicateUsername)
        .map(row -> {
          JsonObject out = row.toJson();
          if (generated) {
            out.put("temporaryPassword", password);
          }
          return out;
        });
  }

  private static <T> Future<T> duplicateUsername(Throwable err) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "This user name is taken",
          java.util.Map.of("username", org.yishi.platform.http.Msg.of("field.username.taken"))));
    }
    return Future.failedFuture(err);
  }

  /**
   * Edits profile, role, scope, stations and the disabled flag, if {@code in.version()} is the
   * current version (else 409 with the current values). Admins cannot disable or demote themselves.
   */
  public Future<JsonObject> update(Principal actor, long id, AccountInput in) {
    return pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such account"));
      }
      if (before.version() != in.version()) {
        return Future.failedFuture(new StaleVersion(before.toJson()));
      }
      boolean disabled = in.disabled() == null ? before.disabled() : in.disabled();
      if (before.id() == actor.id() && (disabled || in.role() != before.role())) {
        return Future.failedFuture(AppException.invalid(disabled ? "disabled" : "role", "field.account.self"));
      }
      return checkStations(tx, in)
          .compose(ok -> store.update(tx, id, in.version(), in.displayName(), in.role(), in.scopeCode(), in.phone(), in.email(), disabled))
          .compose(v -> store.setStations(tx, id, in.role() == Role.STATION_COORDINATOR ? in.stationIds() : Set.of()))
          .compose(v -> disabled && !before.disabled()
              ? store.revokeAllTokens(tx, id).compose(n -> store.endSessions(tx, id)) : Future.<Void>succeededFuture())
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor,
                  disabled != before.disabled() ? (disabled ? "account.disable" : "account.enable") : "account.update",
                  "account", id, after.scopeCode() != null ? after.scopeCode() : before.scopeCode(),
                  before.toJson(), after.toJson()))
              .map(v -> after.toJson()));
    })).onSuccess(v -> announce(id));
  }

  /** A coordinator's stations must exist and lie in the account's district (422 otherwise). */
  private Future<Void> checkStations(io.vertx.sqlclient.SqlClient tx, AccountInput in) {
    if (in.role() != Role.STATION_COORDINATOR || in.stationIds().isEmpty()) {
      return Future.succeededFuture();
    }
    return store.countStationsWithin(tx, in.stationIds(), Jurisdiction.prefixOf(in.scopeCode())).compose(n -> n == in.stationIds().size()
        ? Future.succeededFuture()
        : Future.failedFuture(AppException.invalid("stationIds", "field.stations.outside")));
  }

  /** 409 for an edit based on an old version; carries the current values to show the user. */
  public static final class StaleVersion extends StaleConflict {
    public StaleVersion(JsonObject current) {
      super(current, "Someone changed this account meanwhile; review the current values and try again");
    }
  }

  /** Sets a one-time temporary password (shown once to the admin), revoking the account's tokens. */
  public Future<String> resetPassword(Principal actor, long id) {
    String password = temporaryPassword();
    return vertx.executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> pool.withTransaction(tx -> store.byIdForUpdate(tx, id).compose(row -> {
          if (row == null) {
            return Future.failedFuture(AppException.notFound("No such account"));
          }
          return store.setPassword(tx, id, hash, true)
              .compose(v -> store.revokeAllTokens(tx, id))
              .compose(n -> AuditLog.record(tx, AuditEntry.by(actor, "account.password_reset", "account", id,
                  row.scopeCode(), null, new JsonObject().put("tokensRevoked", n))));
        })))
        .onSuccess(v -> announce(id))
        .map(v -> password);
  }

  /**
   * The user changes their own password after proving the current one. The account's API tokens are
   * revoked and its sign-in generation raised, which ends every browser session of the account; the
   * answer is the new generation, which the session that made the change records to stay signed in.
   */
  public Future<Long> changePassword(Principal me, String current, String next, String confirm) {
    return store.byId(me.id()).compose(row -> vertx.executeBlocking(() -> {
      Input check = Input.empty();
      if (!hasher.verify(current, row.passwordHash())) {
        check.reject("currentPassword", "field.password.wrongCurrent");
      }
      checkPolicy(check, "newPassword", row.username(), next);
      if (next != null && next.equals(current)) {
        check.reject("newPassword", "field.password.unchanged");
      }
      if (confirm != null && next != null && !confirm.equals(next)) {
        check.reject("confirmPassword", "field.password.mismatch");
      }
      check.done();
      return hasher.hash(next);
    }, false)).compose(hash -> pool.withTransaction(tx -> store.setPassword(tx, me.id(), hash, false)
            .compose(epoch -> store.revokeAllTokens(tx, me.id())
                .compose(n -> AuditLog.record(tx, AuditEntry.by(me, "account.password_change", "account", me.id(),
                    me.scopeCode(), null, null)))
                .map(epoch))))
        .onSuccess(v -> announce(me.id()));
  }

  /** Remembers the user's language choice. */
  public Future<Void> setLocale(Principal me, String tag) {
    return store.setLocale(me.id(), tag).onSuccess(v -> announce(me.id()));
  }

  /**
   * Creates the {@code admin} account on first start: with {@code YISHI_ADMIN_PASSWORD}, or a
   * random password that is printed once (and must be changed at first sign-in). Several nodes
   * starting at once are safe: only the insert that wins prints its password.
   */
  public Future<Void> bootstrapAdmin(String configuredPassword) {
    boolean random = configuredPassword == null || configuredPassword.isEmpty();
    String password = random ? temporaryPassword() : configuredPassword;
    return vertx.executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> store.insertAdminIfAbsent(hash, random))
        .map(inserted -> {
          if (inserted) {
            LOG.info("Created the bootstrap admin account 'admin'");
            if (random) {
              System.out.println("\n  Bootstrap admin account: admin / " + password
                  + "\n  (shown only now; you will be asked to change it at first sign-in)\n");
            }
          }
          return null;
        });
  }

  /**
   * Creates the account of a committee member (role member, scope the member's committee), linked to
   * the member record in the same transaction; answers it with a one-time temporary password.
   */
  public Future<JsonObject> createMemberAccount(Principal actor, String username, String displayName, String scopeCode,
                                                long memberId) {
    return createMemberAccount(actor, username, displayName, scopeCode, memberId, (tx, id) -> Future.succeededFuture());
  }

  /** {@link #createMemberAccount(Principal, String, String, String, long)}, running {@code alsoInTx} (with the new id) in its transaction. */
  public Future<JsonObject> createMemberAccount(Principal actor, String username, String displayName, String scopeCode,
                                                long memberId, java.util.function.BiFunction<SqlClient, Long, Future<?>> alsoInTx) {
    String password = temporaryPassword();
    return vertx.executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> pool.withTransaction(tx -> store.insert(tx, username, displayName, hash, Role.MEMBER, scopeCode,
                null, null, true)
            .compose(id -> tx.preparedQuery("UPDATE account SET member_id = $2 WHERE id = $1")
                .execute(io.vertx.sqlclient.Tuple.of(id, memberId)).map(id))
            .compose(id -> alsoInTx.apply(tx, id).map(id))
            .compose(id -> store.byId(tx, id))
            .compose(row -> AuditLog.record(tx, AuditEntry.by(actor, "account.create", "account", row.id(),
                    row.scopeCode(), null, row.toJson().put("memberId", memberId)))
                .map(v -> row))))
        .recover(AccountService::duplicateUsername)
        .map(row -> row.toJson().put("memberId", memberId).put("temporaryPassword", password));
  }

  /**
   * Sets the password of an account that proved itself another way (a member's invitation link): the
   * password rules first (422 on {@code password} / {@code confirmPassword}), then one transaction that
   * runs {@code claim} (answering the account, or failing) and sets the password with no change required
   * at sign-in, ending every session and token of the account, audited as the account's own action.
   */
  public Future<Void> setPasswordByClaim(String username, String password, String confirm,
                                         java.util.function.Function<SqlClient, Future<Long>> claim) {
    return vertx.executeBlocking(() -> {
      Input check = Input.empty();
      checkPolicy(check, "password", username, password);
      if (password != null && !password.equals(confirm)) {
        check.reject("confirmPassword", "field.password.mismatch");
      }
      check.done();
      return hasher.hash(password);
    }, false).compose(hash -> pool.withTransaction(tx -> claim.apply(tx).compose(id -> store.setPassword(tx, id, hash, false)
            .compose(epoch -> store.revokeAllTokens(tx, id))
            .compose(n -> store.byId(tx, id))
            .compose(row -> AuditLog.record(tx, AuditEntry.by(row.principal(), "account.password_set", "account", id,
                row.scopeCode(), null, new JsonObject().put("by", "invitation"))))
            .map(id))))
        .onSuccess(this::announce)
        .mapEmpty();
  }

  /** Creates an account directly (demo data and tests); returns its id. */
  public Future<Long> createSystemAccount(String username, String displayName, String password, Role role,
                                          String scopeCode, Set<Long> stationIds) {
    return vertx.executeBlocking(() -> hasher.hash(password), false)
        .compose(hash -> pool.withTransaction(tx -> store.insert(tx, username, displayName, hash, role, scopeCode, null, null, false)
            .compose(id -> store.setStations(tx, id, stationIds).map(id))));
  }

  private static String temporaryPassword() {
    // no look-alike characters: temporary passwords are read aloud and typed on phones
    String alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 14; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  /**
   * Runs {@code listener} for every account change: at once for changes made on this node (before
   * the change is acknowledged), and via the event bus for changes made on other nodes.
   */
  public void onChange(java.util.function.LongConsumer listener) {
    localListeners.add(listener);
    vertx.eventBus().<Long>consumer(CHANGED, msg -> listener.accept(msg.body()));
  }

  /** Tells every node that an account changed outside this service (e.g. a coordinator's stations). */
  public void changed(long accountId) {
    announce(accountId);
  }

  private void announce(long accountId) {
    localListeners.forEach(l -> l.accept(accountId));
    vertx.eventBus().publish(CHANGED, accountId);
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link AccountStore#scopeOf}, for the routes. */
  public Future<String[]> scopeOf(long id) {
    return store().scopeOf(id);
  }
}
