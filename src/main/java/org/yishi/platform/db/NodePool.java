package org.yishi.platform.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.TransactionPropagation;
import org.yishi.platform.reliability.Attempt;
import org.yishi.platform.reliability.ReferenceCache;

import java.util.function.Function;

/**
 * The node's pool as features see it ({@code app.pool()}): the shared reactive pool, plus two
 * things every feature gets without asking. A transaction begun while a request holds an
 * idempotency key ({@link Attempt}) starts with that key's fence, so that the write and the
 * key's "work committed" mark commit together, and a retry that took the key over elsewhere makes
 * this attempt roll back instead of writing twice. And the node's {@link ReferenceCache}.
 */
public final class NodePool implements Pool {
  private final Pool pool;
  private final ReferenceCache referenceCache;

  public NodePool(Vertx vertx, Pool pool) {
    this.pool = pool;
    this.referenceCache = new ReferenceCache(vertx);
  }

  /** The pool without the fence, for the idempotency bookkeeping itself. */
  public Pool raw() {
    return pool;
  }

  public ReferenceCache referenceCache() {
    return referenceCache;
  }

  @Override
  public <T> Future<T> withTransaction(Function<SqlConnection, Future<T>> function) {
    Attempt attempt = Attempt.current();
    if (attempt == null) {
      return pool.withTransaction(function);
    }
    return pool.withTransaction(conn -> fenced(attempt, conn, function)).onSuccess(v -> attempt.committed());
  }

  /**
   * The fence and the work sent together: the fence goes first on the connection, and the work's
   * statements follow without waiting for its answer (one round trip fewer). Both are answered
   * before the transaction ends; a failed fence is the answer (and rolls the work back).
   */
  private static <T> Future<T> fenced(Attempt attempt, SqlConnection conn, Function<SqlConnection, Future<T>> function) {
    Future<Void> fence = attempt.fence(conn);
    Future<T> work;
    try {
      work = function.apply(conn);
    } catch (RuntimeException e) {
      work = Future.failedFuture(e);
    }
    Future<T> done = work;
    return Future.join(fence, done).map(v -> done.result());
  }

  @Override
  public <T> Future<T> withTransaction(TransactionPropagation propagation, Function<SqlConnection, Future<T>> function) {
    Attempt attempt = Attempt.current();
    if (attempt == null) {
      return pool.withTransaction(propagation, function);
    }
    return pool.withTransaction(propagation, conn -> fenced(attempt, conn, function)).onSuccess(v -> attempt.committed());
  }

  @Override
  public <T> Future<T> withConnection(Function<SqlConnection, Future<T>> function) {
    return pool.withConnection(function);
  }

  @Override
  public Future<SqlConnection> getConnection() {
    return pool.getConnection();
  }

  @Override
  public Query<RowSet<Row>> query(String sql) {
    return pool.query(sql);
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
    return pool.preparedQuery(sql);
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
    return pool.preparedQuery(sql, options);
  }

  @Override
  public int size() {
    return pool.size();
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
