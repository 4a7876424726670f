package org.yishi.division;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.division.DivisionLevel;

import java.util.List;
import java.util.Map;

/**
 * What an import did. Serialises to JSON with stable snake_case keys (see docs/divisions.md):
 * {@code rows_read, inserted, updated, unchanged, absent_kept, by_level, quirks, quirks_total,
 * errors, errors_total, file_error, applied, mode, duration_ms}.
 *
 * @param rowsRead    data rows in the file (header and empty lines excluded), good or bad
 * @param inserted    units that were not in the database
 * @param updated     units whose name, level or parent changed
 * @param unchanged   units already in the database exactly as in the file
 * @param absentKept  units in the database that the file does not mention; never deleted
 * @param byLevel     accepted units per level, one per code (quirk repeats counted once); when an
 *                    atomic import is refused, the units it would have applied
 * @param quirks      the first {@link DivisionImporter#MAX_DETAILS} known data quirks, handled, not errors
 * @param quirksTotal how many quirks there were
 * @param errors      the first {@link DivisionImporter#MAX_DETAILS} errors by line (plus the file error,
 *                    if any, always listed last)
 * @param errorsTotal how many errors there were
 * @param fileError   why the whole file was refused (header, unreadable gzip, too large), else {@code null}
 * @param applied     whether the database was changed (committed)
 */
public record DivisionImportReport(
    long rowsRead,
    long inserted,
    long updated,
    long unchanged,
    long absentKept,
    Map<DivisionLevel, Long> byLevel,
    List<Quirk> quirks,
    long quirksTotal,
    List<RowError> errors,
    long errorsTotal,
    String fileError,
    boolean applied,
    DivisionImportMode mode,
    long durationMs) {

  /** One bad row: its line in the file (header = line 1), its code when readable, and why. */
  public record RowError(long line, String code, DivisionReason why) {
    /** Why, in English (the API's text). */
    public String reason() {
      return why.english();
    }

    /**
     * {@code {"line","code","reason","reason_key","reason_args"}}; code is null when the row had no
     * readable code.
     */
    public JsonObject toJson() {
      return why.into(new JsonObject().put("line", line).put("code", code), "reason");
    }
  }

  /**
   * One code listed at several levels (东莞市 as city and county, 金门县 as county, township and
   * village): kept once, at {@code keptLevel}, from the row on the first of {@code lines}.
   */
  public record Quirk(String code, String name, List<DivisionLevel> levelsSeen, DivisionLevel keptLevel,
                      List<Long> lines, DivisionReason how) {
    /** How it was handled, in English (the API's text). */
    public String resolution() {
      return how.english();
    }

    /** {@code {"code","name","levels_seen","kept_level","lines","resolution","reason_key","reason_args"}}. */
    public JsonObject toJson() {
      JsonArray levels = new JsonArray();
      levelsSeen.forEach(l -> levels.add(l.key()));
      return how.into(new JsonObject().put("code", code).put("name", name).put("levels_seen", levels)
          .put("kept_level", keptLevel.key()).put("lines", new JsonArray(List.copyOf(lines))), "resolution");
    }
  }

  /** The report as JSON; {@code by_level} always has all five levels, in order. */
  public JsonObject toJson() {
    JsonObject levels = new JsonObject();
    for (DivisionLevel l : DivisionLevel.values()) {
      levels.put(l.key(), byLevel.getOrDefault(l, 0L));
    }
    JsonArray quirkArray = new JsonArray();
    quirks.forEach(q -> quirkArray.add(q.toJson()));
    JsonArray errorArray = new JsonArray();
    errors.forEach(e -> errorArray.add(e.toJson()));
    return new JsonObject()
        .put("rows_read", rowsRead)
        .put("inserted", inserted)
        .put("updated", updated)
        .put("unchanged", unchanged)
        .put("absent_kept", absentKept)
        .put("by_level", levels)
        .put("quirks", quirkArray)
        .put("quirks_total", quirksTotal)
        .put("errors", errorArray)
        .put("errors_total", errorsTotal)
        .put("file_error", fileError)
        .put("applied", applied)
        .put("mode", mode.key())
        .put("duration_ms", durationMs);
  }

  /** Accepted units of one level (0 when none). */
  public long count(DivisionLevel level) {
    return byLevel.getOrDefault(level, 0L);
  }
}
