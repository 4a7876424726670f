package org.yishi.home;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's copies of the work queue's aggregate sections ({@link #KEYS}: a city's late districts and
 * plan progress, a unit's plan items behind schedule, a district's dormant stations and meetings of
 * this week), shared by every user of the same unit (division-code prefix) on this node for at most
 * {@code ttl}: they depend on the unit and the day only, and counting them from the rows is what made
 * a city or district home page cost 80-150 ms of database CPU (docs/benchmarks.md). Nothing is stored
 * but the section as it was read: the rows stay the only source of truth.
 *
 * <p>A copy is dropped when a change inside its unit is heard of: every counted {@link DomainEvent}
 * (meetings, topics, records, outcomes) and {@code station.moved}, by the {@code divisionCode} of its
 * payload (and {@code previousDivisionCode}). The events this node publishes drop it synchronously,
 * before the answer to the action is sent ({@link DomainEvents#onPublish}), so a user never sees a
 * shared section from before their own action; the other nodes' events arrive on the event bus. Changes
 * that publish no event (a station approved or registered, a rebuild, SQL) show within {@code ttl}.
 * Concurrent readers of a missing copy share one computation; a failed one is not kept.
 *
 * <p>{@code ttl} is {@code YISHI_STATS_CACHE_MAX_AGE_MILLIS} (default 5 s), the roll-up cache's bound
 * for changes without an event; the cache is off when the roll-up cache is ({@code YISHI_STATS_CACHE_MILLIS}
 * 0, as in the test run).
 */
public final class SharedSections {
  /** The sections shared by unit: none of them reads the caller's stations or account. */
  static final Set<String> KEYS = Set.of("lateDistricts", "planProgress", "planBehind", "dormantStations", "meetingsThisWeek");
  /** Copies kept at most before the expired ones are swept (units × days × sections). */
  private static final int SWEEP_ABOVE = 2_000;

  private record Entry(String prefix, Future<JsonObject> section, long at) {
  }

  private final long ttl;
  private final LongSupplier clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  SharedSections(long ttlMillis, LongSupplier nanoClock) {
    this.ttl = Math.max(0, ttlMillis) * 1_000_000L;
    this.clock = nanoClock;
  }

  /** No sharing: every page reads every section. */
  public static SharedSections off() {
    return new SharedSections(0, System::nanoTime);
  }

  /**
   * The node's copies, kept for {@code ttlMillis} (0: off), dropped on the changes this node publishes
   * ({@code events}) and those of every node (the event bus of {@code vertx}).
   */
  public static SharedSections start(Vertx vertx, DomainEvents events, long ttlMillis) {
    SharedSections shared = new SharedSections(ttlMillis, System::nanoTime);
    if (shared.ttl > 0) {
      events.onPublish(shared::heard);
      for (DomainEvent e : DomainEvent.values()) {
        if (e.counted() || e == DomainEvent.STATION_MOVED) {
          vertx.eventBus().<JsonObject>consumer(e.address(), m -> shared.heard(m.body()));
        }
      }
    }
    return shared;
  }

  /** Whether {@code section} is served from the shared copies. */
  boolean shares(QueueStore.Section section) {
    return ttl > 0 && KEYS.contains(section.key());
  }

  /**
   * {@code section} of the unit {@code prefix} on {@code today}: the copy if it is younger than the
   * ttl and no change inside the unit was heard of since it was read, else {@code read}'s answer
   * (shared with concurrent readers). Callers get their own copy of the JSON.
   */
  Future<JsonObject> get(QueueStore.Section section, String prefix, LocalDate today, Supplier<Future<JsonObject>> read) {
    String key = section.key() + '|' + prefix + '|' + today;
    long now = clock.getAsLong();
    Entry e = entries.get(key);
    if (e == null || now - e.at() >= ttl) {
      Promise<JsonObject> promise = Promise.promise();
      Entry fresh = new Entry(prefix, promise.future(), now);
      boolean mine = e == null ? entries.putIfAbsent(key, fresh) == null : entries.replace(key, e, fresh);
      if (mine) {
        read.get().onComplete(promise);
        promise.future().onFailure(err -> entries.remove(key, fresh));
        sweep(now);
        e = fresh;
      } else {
        // another reader started one first (or a change dropped the copy meanwhile): share that, or read alone
        Entry other = entries.get(key);
        return other != null ? other.section().map(JsonObject::copy) : read.get();
      }
    }
    return e.section().map(JsonObject::copy);
  }

  /** Drops the copies whose unit contains the division of {@code event} (and the one a station left). */
  void heard(JsonObject event) {
    if (event == null) {
      return;
    }
    for (String field : new String[] {"divisionCode", "previousDivisionCode"}) {
      String code = event.getString(field);
      if (code != null) {
        entries.values().removeIf(x -> code.startsWith(x.prefix()));
      }
    }
  }

  private void sweep(long now) {
    if (entries.size() > SWEEP_ABOVE) {
      entries.values().removeIf(x -> now - x.at() >= ttl);
    }
  }
}
