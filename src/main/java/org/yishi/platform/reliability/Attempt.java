package org.yishi.platform.reliability;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.spi.context.storage.ContextLocal;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.http.AppException;

import java.util.UUID;

/**
 * One request's claim on its idempotency key. It is bound to the request's Vert.x context, so that
 * the node's pool ({@link org.yishi.platform.db.NodePool}) finds it and opens every transaction of
 * the request with {@link #fence}: the write commits only while this attempt still owns the key.
 */
public final class Attempt {
  private static final ContextLocal<Attempt> LOCAL = ContextLocal.registerLocal(Attempt.class);
  static final String CTX_KEY = "yishi.idempotency.attempt";

  final Idempotency owner;
  final long accountId;
  final String key;
  final UUID token;
  private volatile boolean committed;
  volatile boolean settled;

  Attempt(Idempotency owner, long accountId, String key, UUID token) {
    this.owner = owner;
    this.accountId = accountId;
    this.key = key;
    this.token = token;
  }

  /**
   * Registers the context-local slot. Vert.x sizes a context's local storage when the Vert.x
   * instance is built, so a node calls this before building its instance.
   */
  public static void register() {
    // the static initialiser above does the work
  }

  /** The attempt of the request running on the current context, or null. */
  public static Attempt current() {
    Context context = requestContext();
    if (context == null) {
      return null;
    }
    try {
      return context.getLocal(LOCAL);
    } catch (RuntimeException e) {
      return null; // a context of a Vert.x instance built before the slot was registered
    }
  }

  void bind(RoutingContext ctx) {
    ctx.put(CTX_KEY, this);
    Context context = requestContext();
    if (context != null) {
      context.putLocal(LOCAL, this);
    }
  }

  /**
   * The current context when it is a request's own (a duplicate of the event loop's context, which
   * Vert.x makes per HTTP request), else null: an attempt must never sit on a context that other
   * requests share, or their transactions would carry its fence.
   */
  private static Context requestContext() {
    Context context = Vertx.currentContext();
    return context instanceof io.vertx.core.internal.ContextInternal internal && internal.isDuplicate() ? context : null;
  }

  /**
   * The first statement of each transaction of this attempt: marks the key's work as committed
   * (visible once the transaction commits) and fails, rolling the transaction back, when a retry
   * has taken the key over in the meantime.
   */
  public Future<Void> fence(SqlConnection conn) {
    return conn.preparedQuery(Kept.sql("""
            UPDATE idempotency_key SET work_committed = true, updated_at = now()
             WHERE account_id = $1 AND key = $2 AND owner_token = $3 AND state = 'pending'"""))
        .execute(Tuple.of(accountId, key, token))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture()
            : Future.failedFuture(AppException.conflict(
                "This submission was taken over by a retry with the same idempotency key; nothing was saved here")));
  }

  /** Called by the pool when a fenced transaction of this attempt committed. */
  public void committed() {
    committed = true;
  }

  boolean hasCommitted() {
    return committed;
  }
}
