package org.yishi.notify;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The time rules of notification preferences, in the node's local time: the daily digest goes
 * out at {@link #DIGEST_HOUR}:00 with every message queued since the previous one; quiet hours
 * hold SMS (not urgent ones) until they end. Pure functions of the instant given, so the delivery
 * job's clock (and a test's) decides.
 */
public final class PreferenceRules {
  public static final int DIGEST_HOUR = 8;

  private PreferenceRules() {
  }

  /** The first digest time strictly after {@code queued}. */
  public static OffsetDateTime nextDigest(OffsetDateTime queued, ZoneId zone) {
    ZonedDateTime local = queued.atZoneSameInstant(zone);
    ZonedDateTime today = local.toLocalDate().atTime(DIGEST_HOUR, 0).atZone(zone);
    return (local.isBefore(today) ? today : today.plusDays(1)).toOffsetDateTime();
  }

  /**
   * When the quiet hours {@code from}–{@code to} (local; {@code to} before {@code from} spans
   * midnight) that contain {@code now} end; null when {@code now} is not in them.
   */
  public static OffsetDateTime quietUntil(LocalTime from, LocalTime to, Instant now, ZoneId zone) {
    if (from == null || to == null) {
      return null;
    }
    ZonedDateTime local = now.atZone(zone);
    LocalTime t = local.toLocalTime();
    LocalDate day = local.toLocalDate();
    boolean quiet;
    LocalDate endDay;
    if (from.isBefore(to)) { // e.g. 12:00–14:00
      quiet = !t.isBefore(from) && t.isBefore(to);
      endDay = day;
    } else { // e.g. 22:00–07:00
      quiet = !t.isBefore(from) || t.isBefore(to);
      endDay = t.isBefore(to) ? day : day.plusDays(1);
    }
    return quiet ? endDay.atTime(to).atZone(zone).toOffsetDateTime() : null;
  }
}
