package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.division.Division;
import org.yishi.division.DivisionStore;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Jurisdiction;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * The roll-up of a unit (city, district, township) for a month range: its totals and one row per
 * child unit, with the counters of docs/statistics.md (stable snake_case keys) and the rates
 * derived from them.
 */
public final class StatsService {
  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private final StatsStore store;
  private final DivisionStore divisions;

  public StatsService(Pool pool) {
    this.store = new StatsStore(pool);
    this.divisions = new DivisionStore(pool);
  }

  public StatsStore store() {
    return store;
  }

  /** The roll-up for {@code code} over the months {@code from}..{@code to} (inclusive). */
  public Future<JsonObject> rollup(String code, YearMonth from, YearMonth to) {
    return divisions.find(code).compose(found -> {
      Division unit = found.orElse(null);
      if (unit == null) {
        return Future.failedFuture(AppException.notFound("No such division"));
      }
      String prefix = Jurisdiction.prefixOf(code);
      int self = prefix.length();
      int child = self >= 12 ? 12 : self == 2 ? 4 : self == 4 ? 6 : self == 6 ? 9 : 12;
      LocalDate first = from.atDay(1);
      LocalDate last = to.atDay(1);
      LocalDate activeFrom = to.minusMonths(2).atDay(1);
      LocalDate today = LocalDate.now(SHANGHAI);
      Future<JsonObject> totals = store.sums(prefix, self, first, last);
      Future<JsonObject> byChild = store.sums(prefix, child, first, last);
      Future<JsonObject> stationsTotal = store.stations(prefix, self, activeFrom, last);
      Future<JsonObject> stationsByChild = store.stations(prefix, child, activeFrom, last);
      Future<JsonObject> unitsTotal = store.units(prefix, self);
      Future<JsonObject> unitsByChild = store.units(prefix, child);
      Future<JsonObject> overdueTotal = store.overdue(prefix, self, today);
      Future<JsonObject> overdueByChild = store.overdue(prefix, child, today);
      Future<JsonArray> children = store.children(code);
      return Future.all(java.util.List.of(totals, byChild, stationsTotal, stationsByChild, unitsTotal, unitsByChild,
          overdueTotal, overdueByChild, children)).map(v -> {
            JsonObject result = new JsonObject()
                .put("unit", new JsonObject().put("code", unit.code()).put("name", unit.name()).put("level", unit.level().key()))
                .put("from", from.toString()).put("to", to.toString())
                .put("totals", counters(prefix, totals.result(), stationsTotal.result(), unitsTotal.result(), overdueTotal.result()));
            JsonArray rows = new JsonArray();
            for (Object o : children.result()) {
              JsonObject c = (JsonObject) o;
              String key = c.getString("code").substring(0, child);
              rows.add(c.copy().mergeIn(counters(key, byChild.result(), stationsByChild.result(), unitsByChild.result(),
                  overdueByChild.result())));
            }
            return result.put("children", rows);
          });
    });
  }

  /**
   * The dormant stations of a unit at the end of month {@code to} (no held meeting in its last three
   * calendar months, the definition of {@code stations_dormant}): {@code {"total","items"}}, at most {@code limit} items.
   */
  public Future<JsonObject> dormantStations(String code, YearMonth to, int limit) {
    return store.dormant(Jurisdiction.prefixOf(code), to.minusMonths(2).atDay(1), to.atDay(1), limit);
  }

  /** One unit's counters plus the derived rates (null when the denominator is zero). */
  static JsonObject counters(String key, JsonObject sums, JsonObject stations, JsonObject units, JsonObject overdue) {
    JsonObject c = new JsonObject();
    JsonObject s = sums.getJsonObject(key, new JsonObject());
    StatsStore.SUMS.forEach(k -> c.put(k, s.getLong(k, 0L)));
    JsonObject st = stations.getJsonObject(key, new JsonObject());
    long registered = st.getLong("stations_registered", 0L);
    long active = st.getLong("stations_active", 0L);
    c.put("stations_registered", registered).put("stations_active", active).put("stations_dormant", registered - active);
    JsonObject u = units.getJsonObject(key, new JsonObject());
    c.put("coverage_townships", rate(st.getLong("townships_covered", 0L), u.getLong("townships", 0L)));
    c.put("coverage_villages", rate(st.getLong("villages_covered", 0L), u.getLong("villages", 0L)));
    c.put("overdue_referrals", overdue.getLong(key, 0L));
    c.put("reply_rate", rate(c.getLong("outcomes_answered"), c.getLong("outcomes")));
    long rated = c.getLong("satisfied") + c.getLong("basically_satisfied") + c.getLong("dissatisfied");
    c.put("satisfaction_rate", rate(c.getLong("satisfied") + c.getLong("basically_satisfied"), rated));
    c.put("record_filing_rate", rate(c.getLong("records_filed_on_time"), c.getLong("meetings_held") + c.getLong("meetings_not_held")));
    return c;
  }

  private static Double rate(long part, long whole) {
    return whole == 0 ? null : Math.round(part * 10_000.0 / whole) / 10_000.0;
  }
}
