package org.yishi.bench;

import java.time.LocalDate;

/**
 * What a benchmark data set holds. Rows are a pure function of these values, the division file
 * and the anchor day (the "today" the history ends at), so two runs on the same day produce the
 * same database.
 *
 * @param name            {@code city} or {@code national} (or a test's own)
 * @param prefix          division-code prefix of the units taken ({@code ""} = the whole country)
 * @param villageStride   a station in every n-th village/community (every township has one)
 * @param historyMeetings meetings of the 24 months of history (held, not held or cancelled)
 * @param outcomesPerMeeting outcomes per history meeting on average (given to the held ones)
 * @param pendingMeetings scheduled meetings of the last 40 days with no record yet: the write benchmark's fixture
 * @param membersPerCommittee committee members of each district/county committee
 * @param seed            the fixed seed
 * @param anchor          the day the history is generated up to (normally today in Asia/Shanghai)
 */
public record DataSet(String name, String prefix, int villageStride, long historyMeetings, int outcomesPerMeeting,
                      int pendingMeetings, int membersPerCommittee, long seed, LocalDate anchor) {
  public static final long SEED = 20_260_101L;
  /** The city the read benchmarks look at in both scales: 天津市 (its city-level unit 市辖区, 16 districts). */
  public static final String FOCUS_CITY = "120100000000";

  public DataSet {
    if (villageStride < 1 || historyMeetings < 0 || outcomesPerMeeting < 0 || pendingMeetings < 0 || membersPerCommittee < 2) {
      throw new IllegalArgumentException("bad data set " + name);
    }
  }

  /** 天津市: every street and community has a station; about as many meetings per station as nationally. */
  public static DataSet city(LocalDate anchor) {
    return new DataSet("city", "12", 1, 286_000, 3, 60_000, 60, SEED, anchor);
  }

  /** The whole country: every township plus every tenth village/community, 5 M meetings, 15 M outcomes. */
  public static DataSet national(LocalDate anchor) {
    return new DataSet("national", "", 10, 5_000_000, 3, 100_000, 20, SEED, anchor);
  }

  public static DataSet byName(String name, LocalDate anchor) {
    return switch (name) {
      case "city" -> city(anchor);
      case "national" -> national(anchor);
      default -> throw new IllegalArgumentException("unknown scale '" + name + "' (city or national)");
    };
  }
}
