package org.yishi.platform.reliability;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;

import java.util.UUID;

/**
 * All SQL of idempotency keys (table {@code idempotency_key}). It runs on the node's raw pool: these
 * statements are the bookkeeping around a request's work, never fenced themselves.
 */
final class IdempotencyStore {
  /** A key's row as a retry finds it. */
  record Existing(byte[] requestHash, String state, String ownerNode, UUID ownerToken, boolean workCommitted,
                  long ageSeconds, Integer status, JsonObject headers, Buffer body) {
  }

  /** The outcome of trying to take over an abandoned reservation. */
  enum TakeOver { TAKEN, CHANGED, LOCKED }

  private final Pool pool;

  IdempotencyStore(Pool pool) {
    this.pool = pool;
  }

  /** A key's row as {@link #existing} reads it. */
  private static final String EXISTING = """
      SELECT request_hash, state, owner_node, owner_token, work_committed,
             extract(epoch FROM now() - updated_at)::bigint, status, headers, body
        FROM idempotency_key WHERE account_id = $1 AND key = $2""";
  private static final String FIND = Kept.sql(EXISTING);

  /**
   * Reserves the key for this attempt; null when reserved, else the row already there. One
   * statement: the row is looked for first, and inserted only when there is none (an insert that
   * meets a row whose transaction is still running, the first attempt's fenced write, would wait
   * for that transaction, where a read answers at once).
   */
  Future<Existing> reserve(long accountId, String key, byte[] hash, String method, String path, String node, UUID token) {
    return pool.preparedQuery("WITH found AS (" + EXISTING + """
            ),
            reserved AS (
              INSERT INTO idempotency_key (account_id, key, request_hash, method, path, owner_node, owner_token)
              SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM found)
              ON CONFLICT (account_id, key) DO NOTHING RETURNING 1)
            SELECT f.*, (SELECT count(*) FROM reserved) FROM (SELECT 1) one LEFT JOIN found f ON true""")
        .execute(Tuple.of(accountId, key, Buffer.buffer(hash), method, path, node, token))
        .compose(rows -> {
          Row r = rows.iterator().next();
          if (r.getLong(9) == 1) {
            return Future.succeededFuture(null);
          }
          // inserted by another attempt meanwhile (or deleted again): read it, or try again
          return r.getValue(0) != null ? Future.succeededFuture(existing(r)) : find(accountId, key)
              .compose(e -> e != null ? Future.succeededFuture(e) : reserve(accountId, key, hash, method, path, node, token));
        });
  }

  Future<Existing> find(long accountId, String key) {
    return pool.preparedQuery(FIND)
        .execute(Tuple.of(accountId, key))
        .map(rows -> rows.size() == 0 ? null : existing(rows.iterator().next()));
  }

  private static Existing existing(Row r) {
    Object headers = r.getValue(7);
    return new Existing(r.getBuffer(0).getBytes(), r.getString(1), r.getString(2), r.getUUID(3), r.getBoolean(4),
        r.getLong(5), r.getInteger(6), headers instanceof JsonObject h ? h : null, r.getBuffer(8));
  }

  /**
   * Moves an abandoned reservation (its node died or froze) to a new attempt, unless its work has
   * committed meanwhile. The row lock of a transaction still running on the old owner (frozen
   * mid-transaction) is waited for briefly only: {@code LOCKED} then means "still in progress".
   */
  Future<TakeOver> takeOver(long accountId, String key, UUID from, UUID to, String node) {
    return pool.withTransaction(tx -> tx.query("SET LOCAL lock_timeout = '1s'").execute()
            .compose(v -> tx.preparedQuery("""
                    UPDATE idempotency_key SET owner_token = $4, owner_node = $5, updated_at = now()
                     WHERE account_id = $1 AND key = $2 AND owner_token = $3 AND state = 'pending' AND NOT work_committed""")
                .execute(Tuple.of(accountId, key, from, to, node))))
        .map(rows -> rows.rowCount() == 1 ? TakeOver.TAKEN : TakeOver.CHANGED)
        .recover(err -> err instanceof PgException pg && "55P03".equals(pg.getSqlState())
            ? Future.succeededFuture(TakeOver.LOCKED) : Future.failedFuture(err));
  }

  /** Stores the answer of the attempt that owns the key. */
  Future<Void> fill(Attempt a, int status, JsonObject headers, Buffer body) {
    return pool.preparedQuery(Kept.sql("""
            UPDATE idempotency_key SET state = 'done', status = $4, headers = $5, body = $6, updated_at = now()
             WHERE account_id = $1 AND key = $2 AND owner_token = $3"""))
        .execute(Tuple.of(a.accountId, a.key, a.token, status, headers, body))
        .mapEmpty();
  }

  /**
   * Gives the key up after a failed attempt, so that a retry runs afresh; when the attempt's work
   * did commit (its answer is an error nonetheless) the key is marked 'lost' instead.
   */
  Future<Void> release(Attempt a, int status) {
    return pool.preparedQuery(Kept.sql("""
            DELETE FROM idempotency_key WHERE account_id = $1 AND key = $2 AND owner_token = $3 AND NOT work_committed"""))
        .execute(Tuple.of(a.accountId, a.key, a.token))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture() : pool.preparedQuery("""
                UPDATE idempotency_key SET state = 'lost', status = $4, updated_at = now()
                 WHERE account_id = $1 AND key = $2 AND owner_token = $3 AND state = 'pending'""")
            .execute(Tuple.of(a.accountId, a.key, a.token, status)).mapEmpty());
  }

  /** Marks an abandoned key whose work committed as 'lost' (its answer can no longer be given). */
  Future<Void> markLost(long accountId, String key, UUID owner) {
    return pool.preparedQuery("""
            UPDATE idempotency_key SET state = 'lost', updated_at = now()
             WHERE account_id = $1 AND key = $2 AND owner_token = $3 AND state = 'pending' AND work_committed""")
        .execute(Tuple.of(accountId, key, owner)).mapEmpty();
  }

  /** Deletes keys older than {@code hours}, a batch at a time; answers how many went. */
  Future<Integer> expire(int hours) {
    return pool.preparedQuery("""
            DELETE FROM idempotency_key WHERE ctid IN (
              SELECT ctid FROM idempotency_key WHERE created_at < now() - make_interval(hours => $1) LIMIT 5000)""")
        .execute(Tuple.of(hours))
        .map(rows -> rows.rowCount());
  }
}
