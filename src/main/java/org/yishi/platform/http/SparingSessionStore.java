package org.yishi.platform.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.sstore.SessionStore;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The cluster-wide session store ({@code ClusteredSessionStore}, a Hazelcast map) without the write
 * of every request. Vert.x's session handler stores an accessed session at the end of each request,
 * only to move its {@code lastAccessed} (and so the map entry's time to live): for a signed-in page
 * that was a second and third Hazelcast operation (the store reads the entry again to compare
 * versions, then writes it) on top of the read that finds the session. This store lets that write
 * through only when it matters:
 * <ul>
 *   <li>the session's data differ from what was read (sign-in, the CSRF token made, a sign-out of the
 *       account's generation, a password change), or it is new, regenerated or not read here;</li>
 *   <li>or its stored {@code lastAccessed} is older than {@code refreshMillis} (at most a tenth of the
 *       timeout and a minute), so the entry's time to live is renewed at least that often while the
 *       session is used.</li>
 * </ul>
 * Reads and deletes go to the cluster map every time, so a sign-out (the session deleted) and an
 * account's locking or disabling (checked against the account on every request by the guard) take
 * effect on every node at once. An idle session still ends on every node when the map entry expires:
 * {@code timeout} after its last write, that is between {@code timeout - refreshMillis} and
 * {@code timeout} after its last use.
 */
public final class SparingSessionStore implements SessionStore {
  private final SessionStore delegate;
  private final long refreshMillis;
  /** Each session object read here, with its data and lastAccessed as read (weak: gone with the request). */
  private final Map<Session, Seen> seen = Collections.synchronizedMap(new WeakHashMap<>());

  private record Seen(Map<String, Object> data, long lastAccessed) {
  }

  /**
   * @param refreshMillis how old a stored session's {@code lastAccessed} may get before a request that
   *                      changed nothing writes it back all the same (0: every time, as Vert.x does)
   */
  public SparingSessionStore(SessionStore delegate, long refreshMillis) {
    this.delegate = delegate;
    this.refreshMillis = Math.max(0, refreshMillis);
  }

  /** The refresh interval for sessions of {@code timeoutMillis}: a tenth of it, at most a minute. */
  public static long refreshFor(long timeoutMillis) {
    return Math.min(60_000L, timeoutMillis / 10);
  }

  @Override
  public SessionStore init(Vertx vertx, JsonObject options) {
    delegate.init(vertx, options);
    return this;
  }

  @Override
  public long retryTimeout() {
    return delegate.retryTimeout();
  }

  @Override
  public Session createSession(long timeout) {
    return delegate.createSession(timeout);
  }

  @Override
  public Session createSession(long timeout, int length) {
    return delegate.createSession(timeout, length);
  }

  @Override
  public Future<Session> get(String id) {
    return delegate.get(id).onSuccess(s -> {
      if (s != null) {
        seen.put(s, new Seen(new HashMap<>(s.data()), s.lastAccessed()));
      }
    });
  }

  @Override
  public Future<Void> delete(String id) {
    return delegate.delete(id);
  }

  @Override
  public Future<Void> put(Session session) {
    Seen before = seen.remove(session);
    if (before != null && unchanged(session, before, System.currentTimeMillis())) {
      return Future.succeededFuture();
    }
    return delegate.put(session);
  }

  /** Whether writing {@code session} back would only move its lastAccessed, and not by enough to matter. */
  private boolean unchanged(Session session, Seen before, long now) {
    return !session.isRegenerated() && !session.isDestroyed() && now - before.lastAccessed() < refreshMillis
        && before.data().equals(session.data());
  }

  @Override
  public Future<Void> clear() {
    return delegate.clear();
  }

  @Override
  public Future<Integer> size() {
    return delegate.size();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
