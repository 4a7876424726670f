package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** The link between a member's account and their member record ({@code account.member_id}). */
public final class MemberAccountStore {
  private final Pool pool;

  public MemberAccountStore(Pool pool) {
    this.pool = pool;
  }

  /** The member record an account belongs to, or null (staff accounts). */
  public Future<Long> memberOf(long accountId) {
    return pool.preparedQuery("SELECT member_id FROM account WHERE id = $1").execute(Tuple.of(accountId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  /** The account of a member, as {id, username, disabled}, or null. */
  public Future<JsonObject> accountOf(SqlClient client, long memberId) {
    return client.preparedQuery("SELECT id, username, disabled FROM account WHERE member_id = $1").execute(Tuple.of(memberId))
        .map(rows -> rows.size() == 0 ? null : new JsonObject().put("id", rows.iterator().next().getLong(0))
            .put("username", rows.iterator().next().getString(1)).put("disabled", rows.iterator().next().getBoolean(2)));
  }

  /** Links a freshly made account to its member record. */
  public Future<Void> link(SqlClient tx, long accountId, long memberId) {
    return tx.preparedQuery("UPDATE account SET member_id = $2 WHERE id = $1").execute(Tuple.of(accountId, memberId)).mapEmpty();
  }
}
