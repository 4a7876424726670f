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
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's copies of the work queue's sections that do not depend on who asks, only on the caller's
 * scope and the day: those of staff by unit ({@link #BY_UNIT}: a city's late districts and plan
 * progress, a unit's plan items behind schedule, a district's dormant stations, meetings of this week,
 * topics to approve, records to review and referrals), those of coordinators by station set
 * ({@link #BY_STATIONS}), shared by every user of the same scope on this node for at most {@code ttl}.
 * Counting them from the rows is what made a city or district home page cost 25-150 ms of database
 * CPU (docs/benchmarks.md). Nothing is stored but the section as it was read: the rows stay the only
 * source of truth. What no event announces is read per page (stations applying, residents' requests,
 * the caller's notifications, the admin's sections), except the accounts locked by sign-in throttling,
 * kept for the ttl ({@link #get(String, Supplier)}).
 *
 * <p>A copy is dropped when a change inside its scope is heard of: every counted {@link DomainEvent}
 * (meetings, topics, records, outcomes) and {@code station.moved}, by the {@code divisionCode} of its
 * payload (and {@code previousDivisionCode}) for a unit, by its {@code stationId} for a station set. The events this node publishes drop it synchronously,
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
  /** The sections shared by unit (division-code prefix): none of them reads the caller's stations or account. */
  static final Set<String> BY_UNIT = Set.of("lateDistricts", "planProgress", "planBehind", "dormantStations", "meetingsThisWeek",
      "topicApprovals", "recordsToReview", "referrals");
  /**
   * The coordinators' sections shared by station set: each reads the rows of the caller's stations only,
   * and every change to them publishes a domain event naming the station.
   */
  static final Set<String> BY_STATIONS = Set.of("meetings", "recordsDue", "recordsReturned", "topics", "outcomesToRate");
  /** Copies kept at most before the expired ones are swept (units × days × sections). */
  private static final int SWEEP_ABOVE = 2_000;

  /**
   * The field of a section handed out from a copy that names the copy ({@link #rendered}); the API
   * does not show it ({@link #untagged}).
   */
  static final String PART = "sharedPart";

  /**
   * A copy: its unit ({@code prefix}) or station set ({@code stations}), or neither (dropped by age only);
   * {@code tag} names this very copy, {@code rendered} holds what was rendered from it (per locale), so
   * that a rendering goes with the data it was rendered from.
   */
  private record Entry(String prefix, Set<Long> stations, Future<JsonObject> section, long at, String tag,
                       Map<String, Object> rendered) {
  }

  private final java.util.concurrent.atomic.AtomicLong copies = new java.util.concurrent.atomic.AtomicLong();

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
    return ttl > 0 && (BY_UNIT.contains(section.key()) || BY_STATIONS.contains(section.key()));
  }

  /** Whether {@code section} is shared by station set (else by unit). */
  static boolean byStations(QueueStore.Section section) {
    return BY_STATIONS.contains(section.key());
  }

  /**
   * {@code section} of the unit {@code prefix} on {@code today}: the copy if it is younger than the
   * ttl and no change inside the unit was heard of since it was read, else {@code read}'s answer
   * (shared with concurrent readers). Callers get their own copy of the JSON.
   */
  Future<JsonObject> get(QueueStore.Section section, String prefix, LocalDate today, Supplier<Future<JsonObject>> read) {
    return get(section.key() + '|' + prefix + '|' + today, prefix, null, read);
  }

  /**
   * {@code section} of the station set {@code stations} on {@code today}, as {@link #get(QueueStore.Section,
   * String, LocalDate, Supplier)}: dropped by a change naming one of the stations.
   */
  Future<JsonObject> get(QueueStore.Section section, java.util.Collection<Long> stations, LocalDate today, Supplier<Future<JsonObject>> read) {
    TreeSet<Long> sorted = new TreeSet<>(stations);
    return get(section.key() + "|s" + sorted + '|' + today, null, Set.copyOf(sorted), read);
  }

  /**
   * A node-wide {@code key} that no domain event concerns (the accounts locked by sign-in throttling,
   * which end by themselves): the copy while it is younger than the ttl.
   */
  Future<JsonObject> get(String key, Supplier<Future<JsonObject>> read) {
    return ttl > 0 ? get(key + "|*", null, null, read) : read.get();
  }

  private Future<JsonObject> get(String key, String prefix, Set<Long> stations, Supplier<Future<JsonObject>> read) {
    long now = clock.getAsLong();
    Entry e = entries.get(key);
    if (e == null || now - e.at() >= ttl) {
      Promise<JsonObject> promise = Promise.promise();
      Entry fresh = new Entry(prefix, stations, promise.future(), now, key + '#' + copies.incrementAndGet(), new ConcurrentHashMap<>());
      boolean mine = e == null ? entries.putIfAbsent(key, fresh) == null : entries.replace(key, e, fresh);
      if (mine) {
        read.get().onComplete(promise);
        promise.future().onFailure(err -> entries.remove(key, fresh));
        sweep(now);
        e = fresh;
      } else {
        // another reader started one first (or a change dropped the copy meanwhile): share that, or read alone
        Entry other = entries.get(key);
        return other != null ? other.section().map(j -> tagged(j, other)) : read.get();
      }
    }
    Entry copy = e;
    return e.section().map(j -> tagged(j, copy));
  }

  /** The caller's own copy of a section, naming the copy it came from ({@link #PART}). */
  private static JsonObject tagged(JsonObject section, Entry from) {
    return section.copy().put(PART, from.tag());
  }

  /** {@code section} without the name of the copy it came from (as the API shows it). */
  static JsonObject untagged(JsonObject section) {
    section.remove(PART);
    return section;
  }

  /**
   * What {@code render} makes of the shared section {@code section} (handed out by this node's copies)
   * for {@code locale}: kept with the copy, so that it is dropped with it (by a change heard of or by
   * age) and never outlives the data it was rendered from; rendered for this caller alone when the
   * copy has been dropped or replaced since the section was handed out.
   */
  @SuppressWarnings("unchecked")
  <T> T rendered(JsonObject section, String locale, Supplier<T> render) {
    String tag = section.getString(PART);
    Entry e = tag == null ? null : entries.get(tag.substring(0, tag.lastIndexOf('#')));
    if (e == null || !e.tag().equals(tag)) {
      return render.get();
    }
    return (T) e.rendered().computeIfAbsent(locale, l -> render.get());
  }

  /**
   * Drops the copies whose unit contains the division of {@code event} (and the one a station left),
   * and those of the station sets that hold its station ({@code stationId}; every station set's when
   * an event with a division names no station).
   */
  void heard(JsonObject event) {
    if (event == null) {
      return;
    }
    boolean inside = false;
    for (String field : new String[] {"divisionCode", "previousDivisionCode"}) {
      String code = event.getString(field);
      if (code != null) {
        inside = true;
        entries.values().removeIf(x -> x.prefix() != null && code.startsWith(x.prefix()));
      }
    }
    Object station = event.getValue("stationId");
    if (station instanceof Number n) {
      long id = n.longValue();
      entries.values().removeIf(x -> x.stations() != null && x.stations().contains(id));
    } else if (inside) {
      entries.values().removeIf(x -> x.stations() != null);
    }
  }

  /** How many renderings are kept with the copies (a test's look inside). */
  int renderings() {
    return entries.values().stream().mapToInt(e -> e.rendered().size()).sum();
  }

  /** Drops every copy (a test's fresh start). */
  void clear() {
    entries.clear();
  }

  private void sweep(long now) {
    if (entries.size() > SWEEP_ABOVE) {
      entries.values().removeIf(x -> now - x.at() >= ttl);
    }
  }
}
