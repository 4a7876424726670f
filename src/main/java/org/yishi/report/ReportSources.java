package org.yishi.report;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.YearMonth;

/**
 * What a report is made of, from the features that own it: the statistics roll-ups and dormant
 * stations, the outcome lists, the committees (the units reports are issued for). Implemented by
 * those features' services, wired by the composition root; a report reads the primary database as
 * it is (no cache).
 */
public interface ReportSources {
  /** Every roll-up counter of the unit over the months {@code from}..{@code to}. */
  Future<JsonObject> rollup(String unitCode, YearMonth from, YearMonth to);

  /** Stations of the unit without a meeting in the months up to {@code to}, at most {@code limit}. */
  Future<JsonObject> dormantStations(String unitCode, YearMonth to, int limit);

  /** Overdue outcomes of the unit, the first {@code limit} ({@code {"items", "total"}}). */
  Future<JsonObject> overdueOutcomes(String unitCode, int limit);

  /** Outcomes marked typical inside the prefix between the two instants, at most {@code limit}. */
  Future<JsonObject> typicalOutcomes(String prefix, Instant from, Instant until, int limit);

  /** The committees whose division code starts with {@code prefix} ("" for all). */
  Future<JsonArray> committees(String prefix);
}
