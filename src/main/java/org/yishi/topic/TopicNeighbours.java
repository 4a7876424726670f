package org.yishi.topic;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.web.PageRequest;

/**
 * What the topic feature needs of the features around it: a topic belongs to a station and may
 * carry out an item of a committee's yearly plan and name the committee member who proposed it.
 * Implemented by the station, plan and member features' stores, wired by the composition root.
 */
public interface TopicNeighbours {
  /** The station, or null. */
  Future<JsonObject> station(long stationId);

  /** The stations in a jurisdiction, one page ({@code {"items", "total"}}), for the station choice. */
  Future<JsonObject> stations(Jurisdiction jurisdiction, PageRequest page);

  /** The plan items a topic of the district may carry out, for the topic form. */
  Future<JsonArray> planItemChoices(String districtCode);

  /** The division code of the committee whose plan holds the item, or null for an unknown item. */
  Future<String> committeeCodeOfPlanItem(SqlClient client, long itemId);

  /** The active committee members who may propose a topic of the district, for the topic form. */
  Future<JsonArray> proposerChoices(String districtCode);

  /** Fails with a 422 naming {@code field} unless the member may propose a topic of the district. */
  Future<Void> requireProposer(SqlClient client, String districtCode, String field, long memberId);
}
