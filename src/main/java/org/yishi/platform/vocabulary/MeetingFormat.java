package org.yishi.platform.vocabulary;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How a meeting is held; the order of the statistics' counters ({@code meetings_held_format_<key>}) and of the form. */
public enum MeetingFormat {
  ON_SITE, ONLINE, HYBRID;

  private static final List<String> KEYS = Arrays.stream(values()).map(MeetingFormat::key).toList();

  /** The stored value, e.g. {@code on_site}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every key, in catalogue order. */
  public static List<String> keys() {
    return KEYS;
  }

  /** Whether {@code key} is a format. */
  public static boolean isKey(String key) {
    return key != null && KEYS.contains(key);
  }
}
