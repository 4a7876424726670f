package org.yishi.division;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.division.DivisionLevel;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * An import job as plain text for terminals ({@code Accept: text/plain}, used by
 * {@code scripts/import-divisions.sh}): the state, the counts, the quirks and the bad rows. Text
 * from the file (codes, names inside reasons) may hold anything, so control characters are shown
 * as {@code \\uXXXX} and can never drive the terminal.
 */
final class DivisionImportText {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx");

  private DivisionImportText() {
  }

  private static String time(OffsetDateTime t, ZoneId zone) {
    return t == null ? "-" : t.atZoneSameInstant(zone).format(TIME);
  }

  static String render(DivisionImportJob job, ZoneId zone) {
    StringBuilder out = new StringBuilder(1024);
    out.append("Import ").append(job.id()).append(": ").append(job.status())
        .append(" (mode ").append(job.mode().key()).append(")\n");
    line(out, "File", (job.filename() == null ? "-" : clean(job.filename()))
        + (job.bytesTotal() == null ? "" : ", " + number(job.bytesTotal()) + " bytes"));
    line(out, "Started", time(job.startedAt(), zone) + " by " + clean(String.valueOf(job.startedBy())));
    if (job.finishedAt() != null) {
      line(out, "Finished", time(job.finishedAt(), zone));
    } else {
      line(out, "Progress", (job.phase() == null ? "waiting" : job.phase()) + ", " + number(job.bytesRead())
          + (job.bytesTotal() == null ? "" : " of " + number(job.bytesTotal())) + " bytes read, "
          + number(job.rowsRead()) + " rows");
    }
    if (job.failure() != null) {
      line(out, "Failure", clean(job.failure()));
    }
    JsonObject r = job.report();
    if (r == null) {
      return out.toString();
    }
    out.append('\n');
    line(out, "Applied", r.getBoolean("applied", false) ? "yes" : "no, nothing was changed");
    if (r.getString("file_error") != null) {
      line(out, "File refused", clean(r.getString("file_error")));
    }
    line(out, "Rows read", number(r.getLong("rows_read", 0L)));
    line(out, "Inserted", number(r.getLong("inserted", 0L)));
    line(out, "Updated", number(r.getLong("updated", 0L)));
    line(out, "Unchanged", number(r.getLong("unchanged", 0L)));
    line(out, "Kept (not in file)", number(r.getLong("absent_kept", 0L)));
    JsonObject levels = r.getJsonObject("by_level", new JsonObject());
    StringBuilder byLevel = new StringBuilder();
    for (DivisionLevel l : DivisionLevel.values()) {
      byLevel.append(byLevel.length() == 0 ? "" : ", ").append(l.key()).append(' ').append(number(levels.getLong(l.key(), 0L)));
    }
    line(out, r.getBoolean("applied", false) ? "Units by level" : "Valid units by level", byLevel.toString());
    line(out, "Duration", String.format(Locale.ROOT, "%.1f s", r.getLong("duration_ms", 0L) / 1000.0));

    JsonArray quirks = r.getJsonArray("quirks", new JsonArray());
    out.append("\nQuirks (handled): ").append(number(r.getLong("quirks_total", 0L))).append('\n');
    for (int i = 0; i < quirks.size(); i++) {
      JsonObject q = quirks.getJsonObject(i);
      out.append("  ").append(q.getString("code")).append(' ').append(clean(q.getString("name"))).append(": ")
          .append(clean(q.getString("resolution"))).append('\n');
    }
    JsonArray errors = r.getJsonArray("errors", new JsonArray());
    long total = r.getLong("errors_total", 0L);
    out.append("\nBad rows: ").append(number(total));
    if (total > errors.size()) {
      out.append(" (the first ").append(errors.size()).append(" listed)");
    }
    out.append('\n');
    for (int i = 0; i < errors.size(); i++) {
      JsonObject e = errors.getJsonObject(i);
      out.append("  line ").append(e.getLong("line"));
      if (e.getString("code") != null) {
        out.append(" (").append(clean(e.getString("code"))).append(')');
      }
      out.append(": ").append(clean(e.getString("reason"))).append('\n');
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append("  ").append(label).append(": ").append(value).append('\n');
  }

  private static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Control characters (C0, DEL, C1, line and paragraph separators, bidi controls) as visible escapes. */
  static String clean(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
          || cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069) {
        b.append(String.format(Locale.ROOT, "\\u%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }
}
