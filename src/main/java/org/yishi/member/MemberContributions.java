package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * What a member's record needs of the topic and outcome features, which own those tables: per member
 * and year, {@code proposed} (topics naming them as proposing member, put forward that year),
 * {@code suggested} (outcomes of the year's meetings naming them as having made the suggestion),
 * {@code adopted} (of those, adopted or partly adopted, or implemented) and {@code typical} (typical
 * cases naming them). Implemented in the composition root with the topic and outcome stores.
 */
public interface MemberContributions {
  /** The counts of each of {@code memberIds} that has any; members with none may be absent. */
  Future<Map<Long, JsonObject>> counts(List<Long> memberIds, int year);

  /** The fields of the counts, each 0 when absent. */
  List<String> FIELDS = List.of("proposed", "suggested", "adopted", "typical");

  /** Puts the counts of {@code memberId} (0 when absent) into {@code record}. */
  static JsonObject into(JsonObject record, Map<Long, JsonObject> counts, long memberId) {
    JsonObject c = counts.getOrDefault(memberId, new JsonObject());
    FIELDS.forEach(f -> record.put(f, c.getLong(f, 0L)));
    return record;
  }
}
