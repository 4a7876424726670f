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
import java.util.concurrent.atomic.AtomicReference;
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
 * that publish no event (a rebuild, SQL) show within {@code ttl} and one read: a copy that only aged
 * is still handed out while its replacement is read (so that no page waits for the age limit's
 * re-read), never one that a change dropped.
 * Concurrent readers of a missing copy share one computation; a failed one is not kept.
 *
 * <p>{@code ttl} is {@code YISHI_STATS_CACHE_MAX_AGE_MILLIS} (default 5 s), the roll-up cache's bound
 * for changes without an event; the cache is off when the roll-up cache is ({@code YISHI_STATS_CACHE_MILLIS}
 * 0, as in the test run).
 */
public final class SharedSections {
  /** The sections shared by unit (division-code prefix): none of them reads the caller's stations or account. */
  static final Set<String> BY_UNIT = Set.of("lateDistricts", "planProgress", "planBehind", "dormantStations", "meetingsThisWeek",
      "topicApprovals", "recordsToReview", "referrals", "stationApprovals", "reports");
  /**
   * The coordinators' sections shared by station set: each reads the rows of the caller's stations only,
   * and every change to them publishes a domain event naming the station.
   */
  static final Set<String> BY_STATIONS = Set.of("meetings", "recordsDue", "recordsReturned", "topics", "outcomesToRate",
      "residentRequests");
  /**
   * The caller's own sections, kept per account: dropped by {@code notifications.changed} naming the
   * account ({@code accountId}), or every account's when it names none (a job that notified many).
   */
  static final Set<String> BY_ACCOUNT = Set.of("notifications");
  /**
   * The events that announce a change of a section no counted event concerns: stations applying or
   * decided, residents' requests received or triaged, reports issued, notifications queued or read.
   */
  static final Set<DomainEvent> ANNOUNCING = java.util.EnumSet.of(DomainEvent.STATION_MOVED, DomainEvent.STATION_STATUS,
      DomainEvent.REQUEST_CHANGED, DomainEvent.REPORT_ISSUED, DomainEvent.NOTIFICATIONS_CHANGED,
      DomainEvent.DIVISION_IMPORT_CHANGED, DomainEvent.DELIVERY_FAILED, DomainEvent.REPORT_SCHEDULES_CHANGED);
  /** What stands for an account's change (disabled, enabled) in {@link #BY_EVENT}: announced by the account feature. */
  static final String ACCOUNT_CHANGED = "account.changed";
  /**
   * The administrators' sections, kept once per node (they do not depend on who asks) and dropped by
   * the one event that announces their change.
   */
  static final Map<String, String> BY_EVENT = Map.of("imports", DomainEvent.DIVISION_IMPORT_CHANGED.type(),
      "failedNotifications", DomainEvent.DELIVERY_FAILED.type(), "disabledAccounts", ACCOUNT_CHANGED,
      "reportsNext", DomainEvent.REPORT_SCHEDULES_CHANGED.type());
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
  /**
   * The events after which accounts' notifications changed: read by one account (named), queued by the
   * reminders' job for many (none named), or queued for several with the change (a report issued to its
   * readers, an outcome escalated to its district's staff). Every writer of {@code notification} rows
   * announces so after its commit (InAppNotificationWritersTest); messages queued in the outbox (e-mail,
   * SMS, robots) are not in-app notifications.
   */
  static final Set<String> NOTIFYING = Set.of(DomainEvent.NOTIFICATIONS_CHANGED.type(),
      DomainEvent.REPORT_ISSUED.type(), DomainEvent.OUTCOME_ESCALATED.type());

  private record Entry(String prefix, Set<Long> stations, Long account, String droppedBy, Future<JsonObject> section, long at, String tag,
                       Map<String, Object> rendered, AtomicReference<Entry> aged) {
    /**
     * What a reader is handed: this copy once read, else the copy it replaces because that one only
     * aged (no change was heard of since it was read: a change removes the copy, and what replaces a
     * removed copy stands on its own), so that a page does not wait for the age limit's re-read.
     */
    Entry served() {
      Entry before = aged.get();
      return before == null || section.isComplete() ? this : before;
    }
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
        if (e.counted() || ANNOUNCING.contains(e)) {
          vertx.eventBus().<JsonObject>consumer(e.address(), m -> shared.heard(m.body()));
        }
      }
    }
    return shared;
  }

  /** Whether {@code section} is served from the shared copies. */
  boolean shares(QueueStore.Section section) {
    return ttl > 0 && (BY_UNIT.contains(section.key()) || BY_STATIONS.contains(section.key()) || BY_ACCOUNT.contains(section.key())
        || BY_EVENT.containsKey(section.key()));
  }

  /** Whether {@code section} is kept once per node, dropped by its event ({@link #BY_EVENT}). */
  static boolean byEvent(QueueStore.Section section) {
    return BY_EVENT.containsKey(section.key());
  }

  /** An account was changed (on any node: the account feature's announcement): drops the copies that list accounts. */
  public void accountChanged() {
    heard(new JsonObject().put("type", ACCOUNT_CHANGED));
  }

  /** Whether {@code section} is kept per account. */
  static boolean byAccount(QueueStore.Section section) {
    return BY_ACCOUNT.contains(section.key());
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
    return get(section.key() + '|' + prefix + '|' + today, prefix, null, null, null, read);
  }

  /**
   * {@code section} of the station set {@code stations} on {@code today}, as {@link #get(QueueStore.Section,
   * String, LocalDate, Supplier)}: dropped by a change naming one of the stations.
   */
  Future<JsonObject> get(QueueStore.Section section, java.util.Collection<Long> stations, LocalDate today, Supplier<Future<JsonObject>> read) {
    TreeSet<Long> sorted = new TreeSet<>(stations);
    return get(section.key() + "|s" + sorted + '|' + today, null, Set.copyOf(sorted), null, null, read);
  }

  /**
   * {@code section} of the account {@code account} (the caller's own), as {@link #get(QueueStore.Section,
   * String, LocalDate, Supplier)}: dropped by a {@code notifications.changed} naming the account or none.
   */
  Future<JsonObject> get(QueueStore.Section section, long account, Supplier<Future<JsonObject>> read) {
    return get(section.key() + "|a" + account, null, null, account, null, read);
  }

  /**
   * The node-wide {@code section} on {@code today} ({@link #BY_EVENT}): dropped by the event that
   * announces its change (and by age, as every copy).
   */
  Future<JsonObject> get(QueueStore.Section section, LocalDate today, Supplier<Future<JsonObject>> read) {
    return get(section.key() + "|" + today, null, null, null, BY_EVENT.get(section.key()), read);
  }

  /**
   * A node-wide {@code key} that no domain event concerns (the accounts locked by sign-in throttling,
   * which end by themselves): the copy while it is younger than the ttl.
   */
  Future<JsonObject> get(String key, Supplier<Future<JsonObject>> read) {
    return ttl > 0 ? get(key + "|*", null, null, null, null, read) : read.get();
  }

  private Future<JsonObject> get(String key, String prefix, Set<Long> stations, Long account, String droppedBy,
                                 Supplier<Future<JsonObject>> read) {
    long now = clock.getAsLong();
    Entry e = entries.get(key);
    if (e == null || now - e.at() >= ttl) {
      Promise<JsonObject> promise = Promise.promise();
      Entry aged = e != null && e.section().succeeded() ? e : null;
      Entry fresh = new Entry(prefix, stations, account, droppedBy, promise.future(), now, key + '#' + copies.incrementAndGet(),
          new ConcurrentHashMap<>(), new AtomicReference<>(aged));
      boolean mine = e == null ? entries.putIfAbsent(key, fresh) == null : entries.replace(key, e, fresh);
      if (mine) {
        promise.future().onComplete(done -> fresh.aged().set(null));
        read.get().onComplete(promise);
        promise.future().onFailure(err -> entries.remove(key, fresh));
        sweep(now);
        e = fresh;
      } else {
        // another reader started one first (or a change dropped the copy meanwhile): share that, or read alone
        e = entries.get(key);
        if (e == null) {
          return read.get();
        }
      }
    }
    Entry copy = e.served();
    return copy.section().map(j -> tagged(j, copy));
  }

  /**
   * The caller's own copy of a section, naming the copy it came from ({@link #PART}): its top level only
   * (the caller may add or remove fields there); the items are shared, read-only, with the kept copy
   * (a deep copy per page was 4% of the home page's CPU).
   */
  private static JsonObject tagged(JsonObject section, Entry from) {
    return new JsonObject(new java.util.LinkedHashMap<>(section.getMap())).put(PART, from.tag());
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
    String type = event.getString("type");
    if (type != null) {
      entries.values().removeIf(x -> type.equals(x.droppedBy()));
    }
    if (type != null && NOTIFYING.contains(type)) {
      // a notification queued or read: the account's copies, or every account's when it names none
      Object account = DomainEvent.NOTIFICATIONS_CHANGED.type().equals(type) ? event.getValue("accountId") : null;
      entries.values().removeIf(x -> x.account() != null && (!(account instanceof Number n) || x.account() == n.longValue()));
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
