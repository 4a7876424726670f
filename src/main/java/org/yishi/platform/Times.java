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

  /**
   * A SQL common table expression {@code y(from_at, to_at)}: the calendar year given by parameter
   * {@code $n} in the session's time zone (the configured zone), for {@code WITH} clauses.
   */
  public static String yearWindowSql(int n) {
    return "y AS (SELECT make_timestamptz($" + n + ", 1, 1, 0, 0, 0, current_setting('TimeZone')) AS from_at,\n"
        + "              make_timestamptz($" + n + " + 1, 1, 1, 0, 0, 0, current_setting('TimeZone')) AS to_at)";
  }
}
