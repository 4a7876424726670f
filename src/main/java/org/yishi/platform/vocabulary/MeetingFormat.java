package org.yishi.platform.vocabulary;

import org.yishi.platform.web.Keyed;
import java.util.Arrays;
import java.util.List;

/** How a meeting is held; the order of the statistics' counters ({@code meetings_held_format_<key>}) and of the form. */
public enum MeetingFormat implements Keyed {
  ON_SITE, ONLINE, HYBRID;

  private static final List<String> KEYS = Arrays.stream(values()).map(MeetingFormat::key).toList();

  /** Every key, in catalogue order. */
  public static List<String> keys() {
    return KEYS;
  }

  /** Whether {@code key} is a format. */
  public static boolean isKey(String key) {
    return key != null && KEYS.contains(key);
  }
}
