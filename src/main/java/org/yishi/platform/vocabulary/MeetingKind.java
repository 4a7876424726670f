package org.yishi.platform.vocabulary;

import org.yishi.platform.web.Keyed;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kinds of consultation (协商形式), in the order of docs/statistics.md: the order of the statistics'
 * counters ({@code meetings_held_kind_<key>}) and of the database's CHECK list on {@code meeting.kind}.
 */
public enum MeetingKind implements Keyed {
  STANDING_COMMITTEE_SESSION, THEMATIC_CONSULTATION, FORUM, COUNTERPART, PROPOSAL_HANDLING, SECTOR, GRASSROOTS;

  private static final List<String> KEYS = Arrays.stream(values()).map(MeetingKind::key).toList();

  /** Every key, in catalogue order. */
  public static List<String> keys() {
    return KEYS;
  }

  /**
   * The keys in the order the scheduling form offers them: the usual choice of a station
   * (thematic consultation) first, the standing committee's session, rarest there, last.
   */
  public static List<String> formOrder() {
    List<String> out = new ArrayList<>(KEYS.subList(1, KEYS.size()));
    out.add(KEYS.get(0));
    return List.copyOf(out);
  }

  /** Whether {@code key} is a kind. */
  public static boolean isKey(String key) {
    return key != null && KEYS.contains(key);
  }
}
