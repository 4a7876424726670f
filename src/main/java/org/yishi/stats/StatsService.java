package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.division.Division;
import org.yishi.platform.division.Divisions;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;

/**
 * The roll-up of a unit (city, district, township, village) for a month range, optionally of one
 * topic category: its totals and one row per child unit (per station below a township), with the
 * counters of docs/statistics.md (stable snake_case keys) and the rates derived from them; and the
 * dashboard's lists (dormant stations, overdue referrals, members' participation).
 */
public record StatsService(java.time.ZoneId zone, StatsStore store, Divisions divisions, TopicCategories topics,
                           RollupCache cache) {
  /** The node's time zone: "this month" and "today" of the statistics. */
  public java.time.ZoneId zone() {
    return zone;
  }

  /**
   * @param readPool where roll-up reads go (App.readPool: a replica when configured)
   * @param cache    the node's {@link RollupCache#of cache}, or {@link RollupCache#off()} to compute every answer
   */
  public StatsService(Pool pool, Pool readPool, RollupCache cache, Divisions divisions, TopicCategories topics,
                      java.time.ZoneId zone) {
    this(zone, new StatsStore(pool, readPool), divisions, topics, cache);
  }

  /** The roll-up for {@code code} over the months {@code from}..{@code to} (inclusive), all categories. */
  public Future<JsonObject> rollup(String code, YearMonth from, YearMonth to) {
    return rollup(new StatsQuery(code, from, to, null));
  }

  /** The roll-up for {@code code} over the months {@code from}..{@code to}, of one topic category (null: all). */
  public Future<JsonObject> rollup(String code, YearMonth from, YearMonth to, String category) {
    return rollup(new StatsQuery(code, from, to, category));
  }

  /**
   * The roll-up a query asks for: 404 for an unknown unit, 422 for an unknown category. From the
   * node's {@link RollupCache}; callers must not modify the answer.
   */
  public Future<JsonObject> rollup(StatsQuery q) {
    return rollup(q, false);
  }

  /**
   * The roll-up a query asks for; with {@code afterChanges} (the dashboard's live refresh, which
   * follows a committed change) one computed after the last change the node has heard of in the unit.
   */
  public Future<JsonObject> rollup(StatsQuery q, boolean afterChanges) {
    return cache.get("rollup|" + key(q), scope(q), afterChanges, () -> compute(q));
  }

  private static String key(StatsQuery q) {
    return q.division() + '|' + q.from() + '|' + q.to() + '|' + q.category();
  }

  private static String scope(StatsQuery q) {
    return Jurisdiction.prefixOf(q.division());
  }

  private Future<JsonObject> compute(StatsQuery q) {
    return check(q).compose(unit -> {
      String prefix = Jurisdiction.prefixOf(q.division());
      int self = prefix.length();
      int child = childDigits(self);
      LocalDate first = q.from().atDay(1);
      LocalDate last = q.to().atDay(1);
      LocalDate activeFrom = activeFrom(q);
      LocalDate today = LocalDate.now(zone);
      String cat = q.category();
      StatsStore.Group whole = StatsStore.Group.digits(self);
      StatsStore.Group byChild = StatsStore.Group.digits(child);
      boolean perStation = self >= 9;
      Future<JsonObject> totals = withRequests(store.sums(prefix, whole, first, last, cat),
          store.requestSums(prefix, whole, first, last, cat));
      Future<JsonObject> childSums = withRequests(store.sums(prefix, byChild, first, last, cat),
          store.requestSums(prefix, byChild, first, last, cat));
      Future<JsonObject> stationsTotal = store.stations(prefix, whole, activeFrom, last);
      Future<JsonObject> stationsByChild = store.stations(prefix, byChild, activeFrom, last);
      Future<JsonObject> unitsTotal = store.units(prefix, self);
      Future<JsonObject> unitsByChild = store.units(prefix, child);
      Future<JsonObject> overdueTotal = store.overdue(prefix, whole, today, cat);
      Future<JsonObject> overdueByChild = store.overdue(prefix, byChild, today, cat);
      Future<JsonObject> plans = store.plans(prefix, child, q.from().getYear(), q.to().getYear(), cat);
      Future<JsonArray> children = store.children(q.division());
      Future<JsonArray> stationRows = perStation ? store.stationRows(prefix, first, last) : Future.succeededFuture(new JsonArray());
      Future<JsonObject> stationSums = perStation ? withRequests(store.sums(prefix, StatsStore.Group.STATION, first, last, cat),
          store.requestSums(prefix, StatsStore.Group.STATION, first, last, cat)) : Future.succeededFuture(new JsonObject());
      Future<JsonObject> stationStations = perStation ? store.stations(prefix, StatsStore.Group.STATION, activeFrom, last)
          : Future.succeededFuture(new JsonObject());
      Future<JsonObject> stationOverdue = perStation ? store.overdue(prefix, StatsStore.Group.STATION, today, cat)
          : Future.succeededFuture(new JsonObject());
      return Future.all(List.of(totals, childSums, stationsTotal, stationsByChild, unitsTotal, unitsByChild, overdueTotal,
          overdueByChild, plans, children, stationRows, stationSums, stationStations, stationOverdue)).map(v -> {
            JsonObject planTotal = sumAll(plans.result());
            JsonObject result = new JsonObject()
                .put("unit", new JsonObject().put("code", unit.code()).put("name", unit.name()).put("level", unit.level().key()))
                .put("from", q.from().toString()).put("to", q.to().toString()).put("category", cat)
                .put("totals", counters(prefix, totals.result(), stationsTotal.result(), unitsTotal.result(),
                    overdueTotal.result(), new JsonObject().put(prefix, planTotal)));
            JsonArray rows = new JsonArray();
            for (Object o : children.result()) {
              JsonObject c = (JsonObject) o;
              String key = c.getString("code").substring(0, child);
              rows.add(c.copy().mergeIn(counters(key, childSums.result(), stationsByChild.result(), unitsByChild.result(),
                  overdueByChild.result(), plans.result())));
            }
            result.put("children", rows);
            if (perStation) {
              JsonArray st = new JsonArray();
              for (Object o : stationRows.result()) {
                JsonObject s = (JsonObject) o;
                String key = String.valueOf(s.getLong("id"));
                st.add(s.copy().mergeIn(counters(key, stationSums.result(), stationStations.result(), new JsonObject(),
                    stationOverdue.result(), new JsonObject())));
              }
              result.put("stations", st);
            }
            return result;
          });
    });
  }

  /** The roll-up sums per group with each group's residents' request counters added (groups with requests only, too). */
  private static Future<JsonObject> withRequests(Future<JsonObject> sums, Future<JsonObject> requests) {
    return Future.all(sums, requests).map(v -> {
      JsonObject out = sums.result();
      JsonObject more = requests.result();
      for (String unit : more.fieldNames()) {
        JsonObject row = out.getJsonObject(unit);
        if (row == null) {
          out.put(unit, more.getJsonObject(unit));
        } else {
          row.mergeIn(more.getJsonObject(unit));
        }
      }
      return out;
    });
  }

  /** Dormant stations of the query's unit (registered, no held meeting in the period's last three months). */
  public Future<JsonObject> dormant(StatsQuery q, PageRequest page, boolean afterChanges) {
    return cache.get("dormant|" + key(q) + '|' + page, scope(q), afterChanges, () -> check(q)
        .compose(unit -> store.dormant(scope(q), activeFrom(q), q.to().atDay(1), page)).map(r -> paged(r, page)));
  }

  /** Overdue referrals of the query's unit today (of its category, when given). */
  public Future<JsonObject> overdue(StatsQuery q, PageRequest page, boolean afterChanges) {
    LocalDate today = LocalDate.now(zone);
    return cache.get("overdue|" + key(q) + '|' + today + '|' + page, scope(q), afterChanges, () -> check(q)
        .compose(unit -> store.overdueList(scope(q), today, q.category(), page)).map(r -> paged(r, page)));
  }

  /**
   * Members' participation in the query's unit and period; {@code visible} is the caller's
   * jurisdiction (members of committees outside it are not listed).
   */
  public Future<JsonObject> members(StatsQuery q, Jurisdiction visible, PageRequest page, boolean afterChanges) {
    String within = visible.prefixArg();
    return cache.get("members|" + key(q) + '|' + within + '|' + page, scope(q), afterChanges, () -> check(q)
        .compose(unit -> store.members(scope(q), within, q.from().atDay(1), q.to().atDay(1), q.category(), page))
        .map(r -> paged(r, page)));
  }

  /** The topic categories (key, names), for the category filter (changes show within the cache's maximum age). */
  public Future<JsonArray> categories() {
    return cache.get("categories", null, () -> topics.categories(true));
  }

  /** The unit of the query (404 when unknown), after checking its category exists (422). */
  private Future<Division> check(StatsQuery q) {
    Future<Boolean> category = q.category() == null ? Future.succeededFuture(true)
        : categories().map(all -> all.stream().anyMatch(c -> q.category().equals(((JsonObject) c).getString("key"))));
    return category.compose(known -> known ? divisions.find(q.division())
            : Future.failedFuture(AppException.invalid("category", "field.stats.category")))
        .compose(found -> found.isPresent() ? Future.succeededFuture(found.get())
            : Future.failedFuture(AppException.notFound("No such division")));
  }

  private static JsonObject paged(JsonObject r, PageRequest page) {
    return page.answer(r);
  }

  /** The first month of the last three of the period: a station is active with a held meeting since. */
  static LocalDate activeFrom(StatsQuery q) {
    return q.to().minusMonths(2).atDay(1);
  }

  /** The digits that identify the child units: city 4 → districts 6 → townships 9 → villages 12. */
  static int childDigits(int self) {
    return self >= 12 ? 12 : self == 2 ? 4 : self == 4 ? 6 : self == 6 ? 9 : 12;
  }

  private static JsonObject sumAll(JsonObject groups) {
    JsonObject out = new JsonObject();
    for (String g : groups.fieldNames()) {
      JsonObject row = groups.getJsonObject(g);
      for (String k : row.fieldNames()) {
        out.put(k, out.getLong(k, 0L) + row.getLong(k));
      }
    }
    return out;
  }

  /**
   * The dormant stations of a unit at the end of month {@code to} (no held meeting in its last three
   * calendar months, the definition of {@code stations_dormant}): {@code {"total","items"}}, at most
   * {@code limit} items.
   */
  public Future<JsonObject> dormantStations(String code, YearMonth to, int limit) {
    return store.dormant(Jurisdiction.prefixOf(code), to.minusMonths(2).atDay(1), to.atDay(1), new PageRequest(1, limit));
  }

  /** One unit's counters plus the derived rates (null when the denominator is zero). */
  static JsonObject counters(String key, JsonObject sums, JsonObject stations, JsonObject units, JsonObject overdue,
                             JsonObject plans) {
    JsonObject c = new JsonObject();
    JsonObject s = sums.getJsonObject(key, new JsonObject());
    StatsStore.SUMS.forEach(k -> c.put(k, s.getLong(k, 0L)));
    StatsStore.REQUESTS.forEach(k -> c.put(k, s.getLong(k, 0L)));
    JsonObject st = stations.getJsonObject(key, new JsonObject());
    long registered = st.getLong("stations_registered", 0L);
    long active = st.getLong("stations_active", 0L);
    c.put("stations_registered", registered).put("stations_active", active).put("stations_dormant", registered - active);
    JsonObject u = units.getJsonObject(key, new JsonObject());
    c.put("coverage_townships", rate(st.getLong("townships_covered", 0L), u.getLong("townships", 0L)));
    c.put("coverage_villages", rate(st.getLong("villages_covered", 0L), u.getLong("villages", 0L)));
    c.put("overdue_referrals", overdue.getLong(key, 0L));
    JsonObject p = plans.getJsonObject(key, new JsonObject());
    long items = p.getLong("plan_items", 0L);
    long held = p.getLong("plan_items_held", 0L);
    long scheduled = p.getLong("plan_items_scheduled", 0L);
    c.put("plan_items", items).put("plan_items_held", held).put("plan_items_scheduled", scheduled)
        .put("plan_items_planned", items - held - scheduled);
    c.put("reply_rate", rate(c.getLong("outcomes_answered"), c.getLong("outcomes")));
    long rated = c.getLong("satisfied") + c.getLong("basically_satisfied") + c.getLong("dissatisfied");
    c.put("satisfaction_rate", rate(c.getLong("satisfied") + c.getLong("basically_satisfied"), rated));
    c.put("record_filing_rate", rate(c.getLong("records_filed_on_time"), c.getLong("meetings_held") + c.getLong("meetings_not_held")));
    c.put("plan_progress_rate", rate(held, items));
    return c;
  }

  private static Double rate(long part, long whole) {
    return whole == 0 ? null : Math.round(part * 10_000.0 / whole) / 10_000.0;
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link StatsStore#rebuild}, for the routes. */
  public Future<Integer> rebuild() {
    return store().rebuild();
  }
}
