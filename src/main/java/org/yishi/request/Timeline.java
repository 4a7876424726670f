package org.yishi.request;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps of a request on its public status page, in plain words (the template names each step
 * by its key): received, then accepted into a topic, meeting held, outcome, implemented, rated; or
 * answered directly, or declined with the reason. A merged request follows the one it joined.
 */
final class Timeline {
  private Timeline() {
  }

  static List<Map<String, Object>> steps(JsonObject t, ZoneId zone) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(step(zone, "received", t.getInstant("receivedAt"), null));
    if ("merged".equals(t.getString("status"))) {
      out.add(step(zone, "merged", t.getInstant("triagedAt"), null));
    }
    String status = t.getString("effectiveStatus");
    switch (status) {
      case "answered" -> out.add(step(zone, "answered", t.getInstant("effectiveTriagedAt"), t.getString("effectiveReply")));
      case "declined" -> out.add(step(zone, "declined", t.getInstant("effectiveTriagedAt"), t.getString("effectiveReply")));
      case "hidden" -> out.add(step(zone, "closed", t.getInstant("effectiveTriagedAt"), null));
      default -> {
        // received (waiting) or accepted: the consultation path, each step done or still to come
        out.add(step(zone, "accepted", t.getInstant("acceptedAt"), null));
        out.add(step(zone, "held", t.getInstant("heldAt"), null));
        out.add(step(zone, "outcome", t.getInstant("outcomeAt"), null));
        out.add(step(zone, "implemented", t.getInstant("implementedAt"), null));
        out.add(step(zone, "rated", t.getInstant("ratedAt"), t.getString("satisfaction")));
      }
    }
    return out;
  }

  private static Map<String, Object> step(ZoneId zone, String key, Instant at, String detail) {
    Map<String, Object> s = new HashMap<>();
    s.put("key", key);
    s.put("done", at != null);
    s.put("on", at == null ? null : LocalDate.ofInstant(at, zone).toString());
    s.put("detail", detail);
    return s;
  }
}
