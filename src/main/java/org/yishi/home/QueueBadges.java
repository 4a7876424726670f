package org.yishi.home;

import org.yishi.platform.security.Principal;
import org.yishi.platform.web.NavBadges;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The header's work count, kept per account on this node for {@link #FRESH_MS}: a page shows the
 * count last known at once (never waiting for the database), and a stale or missing count starts one
 * refresh (one statement, {@link QueueStore#count}) for the next page. The home page, which reads the
 * whole queue anyway, stores its exact total. An entry is kept for the grant it was counted for, so a
 * changed role, scope or station set is counted afresh.
 */
final class QueueBadges implements NavBadges {
  static final long FRESH_MS = 30_000;
  private static final long FORGET_MS = 15 * 60_000;
  private static final Logger LOG = Logger.getLogger(QueueBadges.class.getName());

  private record Entry(Principal grant, long count, long at, boolean refreshing) {
  }

  private final QueueStore store;
  private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

  QueueBadges(QueueStore store) {
    this.store = store;
  }

  @Override
  public Long peek(Principal me) {
    long now = System.currentTimeMillis();
    Entry e = entries.get(me.id());
    boolean same = e != null && e.grant().sameGrant(me);
    if (same && now - e.at() < FRESH_MS) {
      return e.count();
    }
    if (!same || !e.refreshing()) {
      refresh(me, same ? e : null);
    }
    return same && e.at() > 0 ? e.count() : null;
  }

  /** Stores the exact count (read with the whole queue). */
  void put(Principal me, long count) {
    entries.put(me.id(), new Entry(me, count, System.currentTimeMillis(), false));
  }

  private void refresh(Principal me, Entry old) {
    entries.put(me.id(), old == null ? new Entry(me, 0, 0, true) : new Entry(me, old.count(), old.at(), true));
    if (entries.size() > 10_000) {
      long cut = System.currentTimeMillis() - FORGET_MS;
      entries.values().removeIf(x -> x.at() < cut && !x.refreshing());
    }
    store.count(me, Instant.now())
        .onSuccess(n -> put(me, n))
        .onFailure(err -> {
          // the header goes without its count; the next page tries again
          entries.remove(me.id());
          LOG.log(Level.FINE, "work count not refreshed", err);
        });
  }
}
