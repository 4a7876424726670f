package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

/** The topic categories the statistics break down by (the topic feature's, wired by the composition root). */
public interface TopicCategories {
  /** The categories, the inactive ones too when asked. */
  Future<JsonArray> categories(boolean includeInactive);
}
