package org.yishi.member;

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
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.SecretTokens;

import java.util.Map;

/**
 * Invitation links for members' accounts: staff invite a member (opening the account when it does not
 * exist yet); the link, with 32 random bytes in it, goes through the outbox to the member record's
 * mobile number and e-mail address; the member opens it on a phone and sets their password. Only the
 * SHA-256 of the secret is stored. A link works once and for {@link #DAYS} days; inviting again ends
 * the earlier links. Every link that cannot be used (unknown, altered, used, expired, ended by a newer
 * one, of a disabled account) gets the same answer, so an answer tells nothing about a link.
 */
public record InvitationService(Pool pool, InvitedAccounts accounts, InvitedPasswords passwords) {
  /** How long a link works. */
  public static final int DAYS = 7;

  /** The one answer for a link that cannot be used: 422 on {@code token}. */
  public static AppException unusable() {
    return new AppException(ErrorKind.INVALID, "This invitation link is not valid or has expired",
        Map.of("token", Msg.of("join.invalid")));
  }

  /** A link's path (what the message carries) for a token. */
  public static String path(String token) {
    return "/join/" + token;
  }

  /**
   * Invites a member inside the caller's jurisdiction (the route checks it): opens their account with
   * {@code username} when they have none (then {@code username} is required), queues the link to their
   * contacts, all in one transaction. Answers {@code {memberId, accountId, username, expiresAt, channels}}.
   */
  public Future<JsonObject> invite(Principal actor, long memberId, String username) {
    return Future.all(new MemberStore(pool).byId(pool, memberId), new MemberAccountStore(pool).accountOf(pool, memberId)).compose(all -> {
      JsonObject member = all.resultAt(0);
      JsonObject account = all.resultAt(1);
      if (member == null) {
        return Future.failedFuture(AppException.notFound("No such member"));
      }
      if (!member.getBoolean("active")) {
        return Future.failedFuture(AppException.invalid("member", "my.account.inactive"));
      }
      JsonArray channels = new JsonArray(Outbox.memberChannels(member.getString("phone"), member.getString("email")));
      if (channels.isEmpty()) {
        return Future.failedFuture(AppException.invalid("member", "my.invite.noContact"));
      }
      String token = SecretTokens.newToken();
      if (account != null) {
        if (account.getBoolean("disabled")) {
          return Future.failedFuture(new AppException(ErrorKind.CONFLICT, "This member's account is disabled",
              Map.of("member", Msg.of("my.invite.disabled"))));
        }
        return pool.withTransaction(tx -> record(tx, actor, member, account.getLong("id"), account.getString("username"), token))
            .map(out -> out.put("accountId", account.getLong("id")).put("username", account.getString("username")).put("channels", channels));
      }
      if (username == null) {
        return Future.failedFuture(AppException.invalid("username", "field.required"));
      }
      JsonObject[] made = new JsonObject[1];
      return accounts.open(actor, username, member.getString("name"), member.getString("divisionCode"), memberId,
              (tx, accountId) -> record(tx, actor, member, accountId, username, token).onSuccess(out -> made[0] = out))
          .map(a -> made[0].put("accountId", a.getLong("id")).put("username", a.getString("username")).put("channels", channels));
    });
  }

  /** Ends the member's open links, stores the new one's hash, queues its messages and audits it. */
  private Future<JsonObject> record(SqlClient tx, Principal actor, JsonObject member, long accountId, String username, String token) {
    long memberId = member.getLong("id");
    return tx.preparedQuery("UPDATE member_invitation SET expires_at = now() WHERE member_id = $1 AND used_at IS NULL AND expires_at > now()")
        .execute(Tuple.of(memberId))
        .compose(v -> tx.preparedQuery("""
                INSERT INTO member_invitation (member_id, account_id, token_hash, expires_at, created_by)
                VALUES ($1, $2, $3, now() + make_interval(days => $4), $5) RETURNING id, expires_at""")
            .execute(Tuple.of(memberId, accountId, Buffer.buffer(SecretTokens.sha256(token)), DAYS, actor.id())))
        .compose(rows -> {
          Row r = rows.iterator().next();
          long id = r.getLong("id");
          JsonObject out = new JsonObject().put("memberId", memberId).put("expiresAt", r.getOffsetDateTime("expires_at").toString());
          return Outbox.queue(tx, Notices.memberInvitation(id, memberId, path(token), username, DAYS))
              .compose(n -> AuditLog.record(tx, AuditEntry.by(actor, "member.invite", "member", memberId,
                  member.getString("divisionCode"), null, new JsonObject().put("accountId", accountId).put("invitationId", id)
                      .put("expiresAt", out.getString("expiresAt")))))
              .map(out);
        });
  }

  /** The account a usable link opens, as {@code {accountId, username, memberName}}; else {@link #unusable()}. */
  public Future<JsonObject> lookup(String token) {
    if (!wellFormed(token)) {
      return Future.failedFuture(unusable());
    }
    return pool.preparedQuery("""
            SELECT a.id, a.username, mb.name FROM member_invitation i
              JOIN account a ON a.id = i.account_id JOIN member mb ON mb.id = i.member_id
             WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now() AND NOT a.disabled AND mb.active""")
        .execute(Tuple.of(Buffer.buffer(SecretTokens.sha256(token))))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(unusable()) : Future.succeededFuture(new JsonObject()
            .put("accountId", rows.iterator().next().getLong(0)).put("username", rows.iterator().next().getString(1))
            .put("memberName", rows.iterator().next().getString(2))));
  }

  /**
   * Uses a link: checks the password against the rules, then in one transaction claims the link (it
   * must still be usable: of two uses at once, one wins and the other gets {@link #unusable()}) and
   * sets the password. Answers {@code {username}}.
   */
  public Future<JsonObject> accept(String token, String password, String confirm) {
    return lookup(token).compose(found -> passwords.set(found.getString("username"), password, confirm, tx -> tx.preparedQuery("""
                UPDATE member_invitation i SET used_at = now() FROM account a
                 WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now() AND a.id = i.account_id AND NOT a.disabled
                RETURNING i.account_id""")
            .execute(Tuple.of(Buffer.buffer(SecretTokens.sha256(token))))
            .compose(rows -> rows.size() == 0 ? Future.failedFuture(unusable()) : Future.succeededFuture(rows.iterator().next().getLong(0))))
        .map(v -> new JsonObject().put("username", found.getString("username"))));
  }

  /** A link's secret as it may look: 43 base64url characters (32 bytes). */
  static boolean wellFormed(String token) {
    return token != null && token.matches("[A-Za-z0-9_-]{43}");
  }
}
