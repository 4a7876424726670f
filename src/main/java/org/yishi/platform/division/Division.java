package org.yishi.platform.division;

import io.vertx.core.json.JsonObject;

/** One administrative unit as stored. {@code parentCode} is {@code null} for a province. */
public record Division(String code, String name, DivisionLevel level, String parentCode) {

  /** {@code {"code","name","level","parent_code"}}, the shape API callers see. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("code", code)
        .put("name", name)
        .put("level", level.key())
        .put("parent_code", parentCode);
  }
}
