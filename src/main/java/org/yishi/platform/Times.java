package org.yishi.platform;

import java.time.OffsetDateTime;
import java.time.ZoneId;

/**
 * How an instant is shown in the node's one time zone ({@code YISHI_ZONE}, {@code AppConfig#zone()}).
 * The zone itself is never named here: callers get it by constructor from the composition root.
 */
public final class Times {
  private Times() {
  }

  /** ISO-8601 with the zone's offset at that instant ({@code 2026-01-31T23:30+06:00}); null for null. */
  public static String iso(OffsetDateTime t, ZoneId zone) {
    return t == null ? null : t.atZoneSameInstant(zone).toOffsetDateTime().toString();
  }
}
