package org.yishi.meeting;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.Locale;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * iCalendar (RFC 5545) feeds of meetings, with times in the node's zone (YISHI_ZONE). A zone
 * without daylight saving (China's, Urumqi's, UTC) is written as a VTIMEZONE with its one offset
 * and local times; a zone with transitions ahead gets UTC times, which every client converts.
 */
final class ICal {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xx");
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private ICal() {
  }

  static String calendar(String name, List<JsonObject> meetings, Instant now, ZoneId zone) {
    boolean fixed = zone.getRules().nextTransition(now) == null;
    java.time.ZoneOffset offset = zone.getRules().getOffset(now);
    StringBuilder out = new StringBuilder();
    line(out, "BEGIN:VCALENDAR");
    line(out, "VERSION:2.0");
    line(out, "PRODID:-//Yishi//Consultation calendar//ZH");
    line(out, "CALSCALE:GREGORIAN");
    line(out, "METHOD:PUBLISH");
    line(out, "X-WR-CALNAME:" + text(name));
    line(out, "X-WR-TIMEZONE:" + zone.getId());
    if (fixed) {
      String hhmm = OFFSET.format(offset);
      line(out, "BEGIN:VTIMEZONE");
      line(out, "TZID:" + zone.getId());
      line(out, "BEGIN:STANDARD");
      line(out, "DTSTART:19700101T000000");
      line(out, "TZOFFSETFROM:" + hhmm);
      line(out, "TZOFFSETTO:" + hhmm);
      line(out, "TZNAME:" + zone.getDisplayName(TextStyle.SHORT, Locale.ROOT));
      line(out, "END:STANDARD");
      line(out, "END:VTIMEZONE");
    }
    for (JsonObject m : meetings) {
      line(out, "BEGIN:VEVENT");
      line(out, "UID:meeting-" + m.getLong("id") + "@yishi");
      line(out, "DTSTAMP:" + UTC.format(now.atOffset(ZoneOffset.UTC)));
      line(out, "DTSTART" + when(m.getString("startsAt"), zone, fixed));
      line(out, "DTEND" + when(m.getString("endsAt"), zone, fixed));
      line(out, "SUMMARY:" + text(m.getString("topicTitle")));
      String where = m.getString("stationName") + (m.getString("venue") == null ? "" : " " + m.getString("venue"));
      line(out, "LOCATION:" + text(where));
      String link = m.getString("onlineLink");
      line(out, "DESCRIPTION:" + text(m.getString("stationName") + (link == null ? "" : "\n" + link)));
      line(out, "STATUS:" + ("cancelled".equals(m.getString("status")) ? "CANCELLED" : "CONFIRMED"));
      line(out, "SEQUENCE:" + m.getInteger("version"));
      line(out, "END:VEVENT");
    }
    line(out, "END:VCALENDAR");
    return out.toString();
  }

  private static String when(String isoOffset, ZoneId zone, boolean fixed) {
    OffsetDateTime t = OffsetDateTime.parse(isoOffset);
    return fixed ? ";TZID=" + zone.getId() + ":" + LOCAL.format(t.atZoneSameInstant(zone))
        : ":" + UTC.format(t.atZoneSameInstant(ZoneOffset.UTC));
  }

  /** TEXT value escaping (backslash, semicolon, comma, newline). */
  static String text(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "");
  }

  /** Appends a content line folded at 75 octets without splitting a UTF-8 character. */
  private static void line(StringBuilder out, String content) {
    int octets = 0;
    for (int i = 0; i < content.length(); ) {
      int cp = content.codePointAt(i);
      int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (octets + len > 75) {
        out.append("\r\n ");
        octets = 1;
      }
      out.appendCodePoint(cp);
      octets += len;
      i += Character.charCount(cp);
    }
    out.append("\r\n");
  }
}
