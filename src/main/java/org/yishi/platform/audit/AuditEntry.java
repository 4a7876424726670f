package org.yishi.platform.audit;

import io.vertx.core.json.JsonObject;
import org.yishi.platform.security.Principal;

/**
 * One change to record: who did what to which entity, where (division code, for jurisdiction
 * filtering) and the entity before and after (null for creations and deletions).
 */
public record AuditEntry(Long actorId, String actorName, String action, String entityType, String entityId,
                         String divisionCode, JsonObject before, JsonObject after) {

  /** An entry made by a signed-in user. */
  public static AuditEntry by(Principal actor, String action, String entityType, Object entityId,
                              String divisionCode, JsonObject before, JsonObject after) {
    return new AuditEntry(actor == null ? null : actor.id(), actor == null ? "system" : actor.username(),
        action, entityType, String.valueOf(entityId), divisionCode, before, after);
  }
}
