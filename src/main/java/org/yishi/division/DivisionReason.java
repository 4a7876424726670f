package org.yishi.division;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.platform.web.I18n;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Why an import refused a row or the file, or how it handled a quirk: a message key under
 * {@code division.reason.} with its arguments, so the report reads in the user's language. The
 * API's {@code reason} text is the English rendering (stable); pages render it in the page's locale.
 * Arguments that name a level are kept as {@link #level} markers and shown as the locale's level
 * name (the English text keeps the lower-case key, e.g. {@code county}).
 */
public record DivisionReason(String key, List<String> args) {
  private static final String LEVEL = "level:";

  public DivisionReason {
    args = List.copyOf(args);
  }

  static DivisionReason of(String key, Object... args) {
    return new DivisionReason(key, Arrays.stream(args).map(String::valueOf).toList());
  }

  /** An argument naming a level, rendered as the locale's name of that level. */
  static String level(DivisionLevel level) {
    return LEVEL + level.key();
  }

  /** An argument naming a level by its key (as stored in the import tables). */
  static String level(String key) {
    return LEVEL + key;
  }

  /** An argument naming several levels by key, shown as a list of the locale's level names. */
  static String levels(List<String> keys) {
    return LEVEL + String.join(",", keys);
  }

  /** The English text: the API's {@code reason}. */
  public String english() {
    return text(I18n.EN);
  }

  public String text(Locale locale) {
    List<Object> shown = new ArrayList<>(args.size());
    boolean english = I18n.tag(locale).equals("en");
    for (String a : args) {
      if (a.startsWith(LEVEL)) {
        List<String> levels = List.of(a.substring(LEVEL.length()).split(","));
        shown.add(english ? String.join(", ", levels)
            : String.join("、", levels.stream().map(l -> I18n.t(locale, "division.level." + l)).toList()));
      } else {
        shown.add(a);
      }
    }
    return I18n.t(locale, "division.reason." + key, shown.toArray());
  }

  /** Adds {@code reason} (English), {@code reason_key} and {@code reason_args} to {@code json}. */
  JsonObject into(JsonObject json, String textField) {
    return json.put(textField, english()).put("reason_key", key).put("reason_args", new JsonArray(args));
  }

  /** Reads back what {@link #into} wrote, or {@code null} for a report stored before reasons had keys. */
  static DivisionReason from(JsonObject json) {
    String key = json.getString("reason_key");
    if (key == null) {
      return null;
    }
    List<String> args = new ArrayList<>();
    json.getJsonArray("reason_args", new JsonArray()).forEach(a -> args.add(String.valueOf(a)));
    return new DivisionReason(key, args);
  }
}
