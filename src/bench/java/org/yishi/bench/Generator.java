package org.yishi.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates a benchmark data set as PostgreSQL COPY text, table by table, from the division file:
 * committees, members, stations, topics, meetings, records, attendees and outcomes with realistic
 * mixes of kinds, formats, roles and follow-up states. Deterministic: each station draws from its
 * own random stream seeded from (seed, station ordinal), ids are assigned in station order, and
 * times are derived from the anchor day, so the same inputs give byte-identical output.
 *
 * <p>Rows satisfy the schema's checks and the meeting exclusion constraint (a station's meetings
 * fall on distinct days); foreign keys hold by construction (the loader disables triggers, FK
 * checks included, during COPY, then rebuilds the roll-ups).
 */
public final class Generator {
  /** The tables written, with their COPY column lists, in load order. */
  public enum Table {
    COMMITTEE("committee", "id, name, level, division_code, parent_id"),
    MEMBER("member", "id, name, sector, committee_id"),
    STATION("station", "id, name, type, level, division_code, district_code, committee_id, address, status, founded_on, "
        + "created_at, updated_at"),
    STATION_MEMBER("station_member", "station_id, member_id"),
    TOPIC("topic", "id, station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, "
        + "status, decision_reason, created_at, updated_at"),
    MEETING("meeting", "id, topic_id, station_id, division_code, starts_at, ends_at, venue, format, online_link, kind, "
        + "status, cancel_reason, created_at, updated_at"),
    MEETING_RECORD("meeting_record", "meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members, "
        + "attendance_residents, attendance_departments, attendance_experts, attendance_others, suggestions_count, consensus, "
        + "filed_at, updated_at"),
    MEETING_ATTENDEE("meeting_attendee", "meeting_id, member_id"),
    OUTCOME("outcome", "id, meeting_id, station_id, division_code, content, form, responsible_unit, due_on, status, answer, "
        + "reply, answered_at, implementation_evidence, implemented_at, satisfaction, rated_at, effectiveness, closed_at, "
        + "typical_case, typical_marked_at, overdue_escalated_at, created_at, updated_at");

    public final String table;
    public final String columns;

    Table(String table, String columns) {
      this.table = table;
      this.columns = columns;
    }

    public String copySql() {
      return "COPY " + table + " (" + columns + ") FROM STDIN";
    }
  }

  /** Receives COPY text (UTF-8, whole rows, newline-terminated) in chunks, per table. */
  public interface Sink {
    void write(Table table, byte[] chunk) throws IOException;
  }

  /** How many rows of each table, and the ids that sequences must continue after. */
  public record Counts(Map<Table, Long> rows, long stations, long historyMeetings, long pendingMeetings) {
    public long of(Table t) {
      return rows.getOrDefault(t, 0L);
    }
  }

  static final String[] ISSUES = {"老旧小区加装电梯", "背街小巷路灯修缮", "农村饮水安全提升", "社区养老服务站建设", "垃圾分类投放点设置",
      "小区停车位规划", "学校周边交通安全", "农田水利设施维修", "物业管理纠纷调解", "口袋公园建设", "冬季供暖保障", "农产品电商销售",
      "雨污分流改造", "小区消防通道整治", "乡村旅游发展", "婴幼儿托育服务", "医保政策宣传", "留守儿童关爱", "农村道路硬化", "家庭医生签约"};
  static final String[] CATEGORIES = {"livelihood", "urban_management", "rural_revitalisation", "elderly_children", "ecology",
      "urban_management", "education", "rural_revitalisation", "livelihood", "ecology", "livelihood", "economy",
      "urban_management", "urban_management", "economy", "elderly_children", "health", "elderly_children",
      "rural_revitalisation", "health"};
  static final String[] UNITS = {"区住建局", "区城管局", "区民政局", "区教育局", "区卫健局", "区农业农村局", "区交通运输局", "街道办事处",
      "供热公司", "区生态环境分局"};
  static final String[] SECTORS = {"经济界", "教育界", "农业界", "医药卫生界", "社会福利和社会保障界", "科技界", "文化艺术界", "无党派人士"};
  private static final int CHUNK_CHARS = 1 << 18;

  private final DataSet set;
  private final List<Divisions.Unit> units;
  private final Sink sink;
  private final Map<Table, StringBuilder> buffers = new EnumMap<>(Table.class);
  private final Map<Table, Long> rowCounts = new EnumMap<>(Table.class);
  private final long anchorDay;
  private final long windowStart;
  private final long historyEnd;
  private final Map<Long, String> dayText = new HashMap<>();

  private long topicId;
  private long meetingId;
  private long outcomeId;
  private long historyMeetings;
  private long pendingMeetings;

  public Generator(DataSet set, List<Divisions.Unit> allUnits, Sink sink) {
    this.set = set;
    this.units = allUnits.stream().filter(u -> u.code().startsWith(set.prefix())).toList();
    this.sink = sink;
    for (Table t : Table.values()) {
      buffers.put(t, new StringBuilder(CHUNK_CHARS + 4096));
    }
    LocalDate anchor = set.anchor();
    this.anchorDay = anchor.toEpochDay();
    this.windowStart = anchor.withDayOfMonth(1).minusMonths(24).toEpochDay();
    this.historyEnd = anchorDay - 42;
  }

  /** Writes every table; answers the row counts. */
  public Counts run() throws IOException {
    Map<String, Long> cityCommittee = new HashMap<>();
    Map<String, Long> districtCommittee = new HashMap<>();
    Map<Long, long[]> membersOf = new HashMap<>(); // committee id -> {first member id, count}
    long committeeId = 0;
    long memberId = 0;
    Set<String> committeeCodes = new HashSet<>();
    for (Divisions.Unit u : units) {
      if (u.level().equals("city") && committeeCodes.add(u.code())) {
        committeeId++;
        cityCommittee.put(u.code(), committeeId);
        row(Table.COMMITTEE, committeeId, name(u.name(), "政协"), "city", u.code(), null);
      }
    }
    for (Divisions.Unit u : units) {
      if (u.level().equals("county") && committeeCodes.add(u.code())) {
        committeeId++;
        districtCommittee.put(u.code(), committeeId);
        row(Table.COMMITTEE, committeeId, name(u.name(), "政协"), "district", u.code(),
            cityCommittee.get(u.code().substring(0, 4) + "00000000"));
        membersOf.put(committeeId, new long[] {memberId + 1, set.membersPerCommittee()});
        SplittableRandom r = new SplittableRandom(set.seed() * 31 + committeeId);
        for (int i = 0; i < set.membersPerCommittee(); i++) {
          memberId++;
          row(Table.MEMBER, memberId, "委员" + memberId, SECTORS[r.nextInt(SECTORS.length)], committeeId);
        }
      }
    }

    List<Divisions.Unit> stationUnits = new ArrayList<>();
    Set<String> stationCodes = new HashSet<>();
    long village = 0;
    for (Divisions.Unit u : units) {
      boolean take = u.level().equals("township") || (u.level().equals("village") && village++ % set.villageStride() == 0);
      if (take && stationCodes.add(u.code())) {
        stationUnits.add(u);
      }
    }
    int n = stationUnits.size();
    for (int i = 0; i < n; i++) {
      Divisions.Unit u = stationUnits.get(i);
      String district = u.code().substring(0, 6) + "000000";
      Long committee = districtCommittee.get(district);
      station(i, n, u, district, committee, committee == null ? null : membersOf.get(committee));
    }
    flushAll();
    return new Counts(new EnumMap<>(rowCounts), n, historyMeetings, pendingMeetings);
  }

  private static String name(String base, String suffix) {
    String s = base + suffix;
    return s.length() > 100 ? s.substring(0, 100) : s;
  }

  private void station(int i, int n, Divisions.Unit u, String district, Long committee, long[] members) throws IOException {
    long stationId = i + 1L;
    SplittableRandom r = new SplittableRandom(mix(set.seed(), i));
    boolean township = u.level().equals("township");
    String type = township ? pick(r, new String[] {"consultation_room", "liaison_station", "work_station"}, 70, 20, 10)
        : pick(r, new String[] {"consultation_room", "members_home", "sector_station"}, 85, 10, 5);
    boolean active = r.nextInt(100) >= 3;
    String created = time(windowStart - 30 - r.nextInt(300), 10, 0);
    row(Table.STATION, stationId, name(u.name(), township ? "协商议事室" : "议事点"), type, township ? "township" : "village",
        u.code(), district, committee, u.name() + "党群服务中心", active ? "active" : "suspended",
        date(windowStart - 30 - r.nextInt(300)), created, created);
    long[] assigned = new long[0];
    if (members != null) {
      long a = members[0] + r.nextInt((int) members[1]);
      long b = members[0] + (a - members[0] + 1 + r.nextInt((int) members[1] - 1)) % members[1];
      assigned = new long[] {a, b};
      row(Table.STATION_MEMBER, stationId, a);
      row(Table.STATION_MEMBER, stationId, b);
    }

    // history: the total is exact; neighbouring stations trade a random amount so counts vary
    long base = set.historyMeetings() / n;
    long count = base + (i < set.historyMeetings() % n ? 1 : 0);
    int pair = i / 2;
    if (!(n % 2 == 1 && i == n - 1) && base > 1) {
      long d = new SplittableRandom(mix(set.seed() + 1, pair)).nextLong(-(base / 2), base / 2 + 1);
      count += i % 2 == 0 ? d : -d;
    }
    int days = (int) (historyEnd - windowStart);
    count = Math.min(count, days / 2);
    long[] meetingDays = distinct(r, (int) count, days, windowStart);
    String[] status = new String[meetingDays.length];
    int held = 0;
    for (int k = 0; k < meetingDays.length; k++) {
      int roll = r.nextInt(100);
      status[k] = roll < 86 ? "held" : roll < 90 ? "not_held" : "cancelled";
      if (status[k].equals("held")) {
        held++;
      }
    }
    int[] outcomes = new int[held];
    if (held > 0) {
      java.util.Arrays.fill(outcomes, 1);
      long extra = (long) set.outcomesPerMeeting() * meetingDays.length - held;
      for (long k = 0; k < extra; k++) {
        outcomes[r.nextInt(held)]++;
      }
    }
    int h = 0;
    for (int k = 0; k < meetingDays.length; k++) {
      int issue = r.nextInt(ISSUES.length);
      long topic = topic(r, stationId, u.code(), issue, meetingDays[k] - 7 - r.nextInt(24), "approved");
      long meeting = meeting(r, stationId, u.code(), township, topic, meetingDays[k], r.nextBoolean() ? 9 : 14, status[k]);
      historyMeetings++;
      if (!status[k].equals("cancelled")) {
        record(r, meeting, meetingDays[k], status[k].equals("held"), assigned);
      }
      if (status[k].equals("held")) {
        for (int o = 0; o < outcomes[h]; o++) {
          outcome(r, meeting, stationId, u.code(), issue, meetingDays[k]);
        }
        h++;
      }
      if (r.nextInt(100) < 12) { // topics that never became meetings
        int roll = r.nextInt(10);
        topic(r, stationId, u.code(), r.nextInt(ISSUES.length), windowStart + r.nextInt(days),
            roll < 3 ? "submitted" : roll < 7 ? "rejected" : roll < 9 ? "draft" : "withdrawn");
      }
    }

    // the write benchmark's fixture: scheduled meetings of the last 40 days, no record yet
    if (active) {
      long pending = set.pendingMeetings() / n + (i < set.pendingMeetings() % n ? 1 : 0);
      pending = Math.min(pending, 80);
      long[] slots = distinct(r, (int) pending, 80, 0);
      for (long slot : slots) {
        long day = anchorDay - 40 + slot / 2;
        long topic = topic(r, stationId, u.code(), r.nextInt(ISSUES.length), day - 10, "approved");
        meeting(r, stationId, u.code(), township, topic, day, slot % 2 == 0 ? 9 : 14, "scheduled");
        pendingMeetings++;
      }
    }
  }

  private long topic(SplittableRandom r, long stationId, String code, int issue, long day, String status) throws IOException {
    topicId++;
    int src = r.nextInt(100);
    String source = src < 45 ? "residents" : src < 75 ? "member" : src < 92 ? "party_government" : "bulletin";
    String created = time(day, 9 + r.nextInt(8), r.nextInt(60));
    row(Table.TOPIC, topicId, stationId, code, ISSUES[issue], CATEGORIES[issue], source, true, "群众反映集中的民生问题", true,
        "属于政协协商范围", status, status.equals("rejected") ? "不属于本级协商范围" : null, created, created);
    return topicId;
  }

  private long meeting(SplittableRandom r, long stationId, String code, boolean township, long topic, long day, int hour,
                       String status) throws IOException {
    meetingId++;
    int f = r.nextInt(100);
    String format = status.equals("scheduled") || f < 72 ? "on_site" : f < 90 ? "hybrid" : "online";
    String kind = township
        ? pick(r, new String[] {"forum", "thematic_consultation", "counterpart", "grassroots", "sector", "proposal_handling"},
            30, 20, 15, 20, 10, 5)
        : pick(r, new String[] {"grassroots", "forum", "counterpart", "sector", "proposal_handling", "thematic_consultation"},
            60, 15, 10, 5, 5, 5);
    String start = time(day, hour, hour == 9 ? 0 : 30);
    String end = time(day, hour + 2, hour == 9 ? 0 : 30);
    String created = time(day - 5, 10, 0);
    row(Table.MEETING, meetingId, topic, stationId, code, start, end, "议事室", format,
        format.equals("on_site") ? null : "https://meet.yishi.invalid/" + meetingId, kind, status,
        status.equals("cancelled") ? "议题已由相关部门解决" : null, created, created);
    return meetingId;
  }

  private void record(SplittableRandom r, long meeting, long day, boolean held, long[] members) throws IOException {
    long filedDay = r.nextInt(100) < 88 ? day + r.nextInt(7) : day + 8 + r.nextInt(13);
    String filed = time(Math.min(filedDay, anchorDay - 1), 18, 0);
    if (held) {
      row(Table.MEETING_RECORD, meeting, true, null, time(day, 9, 0), time(day, 11, 0), 1 + r.nextInt(5),
          5 + r.nextInt(36), 1 + r.nextInt(4), r.nextInt(3), r.nextInt(6), 1 + r.nextInt(10), r.nextInt(100) < 80,
          filed, filed);
      int attendees = members.length == 0 ? 0 : r.nextInt(3);
      for (int a = 0; a < attendees; a++) {
        row(Table.MEETING_ATTENDEE, meeting, members[a]);
      }
    } else {
      row(Table.MEETING_RECORD, meeting, false, "天气原因未能举行", null, null, 0, 0, 0, 0, 0, 0, null, filed, filed);
    }
  }

  private void outcome(SplittableRandom r, long meeting, long stationId, String code, int issue, long day) throws IOException {
    outcomeId++;
    String form = pick(r, new String[] {"minutes", "suggestion_letter", "research_report", "proposal", "bulletin"},
        35, 30, 10, 15, 10);
    long last = anchorDay - 1;
    long age = anchorDay - day;
    long createdDay = Math.min(day + r.nextInt(3), last);
    String status = "referred";
    String answer = null;
    Long answered = null;
    Long implemented = null;
    Long closed = null;
    String satisfaction = null;
    if (r.nextInt(100) >= (age < 90 ? 40 : 5)) {
      answered = Math.min(createdDay + 5 + r.nextInt(21), last);
      int a = r.nextInt(100);
      answer = a < 60 ? "adopted" : a < 85 ? "partly_adopted" : "not_adopted";
      status = "answered";
      if (!answer.equals("not_adopted") && age > 60 && r.nextInt(100) < 75) {
        implemented = Math.min(answered + 20 + r.nextInt(41), last);
        status = "implemented";
        if (age > 120 && r.nextInt(100) < 80) {
          closed = Math.min(implemented + 5 + r.nextInt(16), last);
        }
      } else if (answer.equals("not_adopted") && age > 60 && r.nextInt(100) < 60) {
        closed = Math.min(answered + 5 + r.nextInt(16), last);
      }
      if (closed != null) {
        status = "closed";
        int s = r.nextInt(100);
        satisfaction = s < 68 ? "satisfied" : s < 94 ? "basically_satisfied" : "dissatisfied";
      }
    }
    boolean typical = closed != null && r.nextInt(1000) < 15;
    long due = day + 30 + r.nextInt(61);
    // the scheduler escalates an overdue referral the day after it falls due: history has had its escalations
    String escalated = status.equals("referred") && due < anchorDay ? time(due + 1, 8, 0) : null;
    long updated = closed != null ? closed : implemented != null ? implemented : answered != null ? answered : createdDay;
    String closedAt = closed == null ? null : time(closed, 16, 0);
    row(Table.OUTCOME, outcomeId, meeting, stationId, code, ISSUES[issue] + "协商成果", form, UNITS[r.nextInt(UNITS.length)],
        date(due), status, answer, answer == null ? null : "已研究办理，答复如下",
        answered == null ? null : time(answered, 15, 0), implemented == null ? null : "已完成整改并公示",
        implemented == null ? null : time(implemented, 15, 0), satisfaction, closedAt,
        closed == null ? null : "问题得到解决，群众认可", closedAt, typical, typical ? closedAt : null,
        escalated, time(createdDay, 17, 0), time(updated, 17, 0));
  }

  /** {@code count} distinct values of {@code offset + [0, range)}, ascending. */
  static long[] distinct(SplittableRandom r, int count, int range, long offset) {
    count = Math.max(0, Math.min(count, range));
    BitSet taken = new BitSet(range);
    int placed = 0;
    while (placed < count) {
      int d = r.nextInt(range);
      if (!taken.get(d)) {
        taken.set(d);
        placed++;
      }
    }
    long[] out = new long[count];
    int k = 0;
    for (int d = taken.nextSetBit(0); d >= 0; d = taken.nextSetBit(d + 1)) {
      out[k++] = offset + d;
    }
    return out;
  }

  private static String pick(SplittableRandom r, String[] values, int... weights) {
    int roll = r.nextInt(100);
    for (int i = 0; i < values.length; i++) {
      roll -= weights[i];
      if (roll < 0) {
        return values[i];
      }
    }
    return values[values.length - 1];
  }

  static long mix(long seed, long i) {
    long z = seed + i * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private String date(long epochDay) {
    return dayText.computeIfAbsent(epochDay, d -> LocalDate.ofEpochDay(d).toString());
  }

  /** A time of day in Asia/Shanghai, as PostgreSQL reads it. */
  private String time(long epochDay, int hour, int minute) {
    return date(epochDay) + (hour < 10 ? " 0" : " ") + hour + (minute < 10 ? ":0" : ":") + minute + ":00+08";
  }

  // ---------------------------------------------------------------- COPY text

  private void row(Table t, Object... values) throws IOException {
    StringBuilder b = buffers.get(t);
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        b.append('\t');
      }
      Object v = values[i];
      if (v == null) {
        b.append("\\N");
      } else if (v instanceof Boolean bool) {
        b.append(bool ? 't' : 'f');
      } else if (v instanceof String s) {
        escape(b, s);
      } else {
        b.append(v);
      }
    }
    b.append('\n');
    rowCounts.merge(t, 1L, Long::sum);
    if (b.length() >= CHUNK_CHARS) {
      flush(t);
    }
  }

  static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
  }

  private void flush(Table t) throws IOException {
    StringBuilder b = buffers.get(t);
    if (b.length() > 0) {
      sink.write(t, b.toString().getBytes(StandardCharsets.UTF_8));
      b.setLength(0);
    }
  }

  private void flushAll() throws IOException {
    for (Table t : Table.values()) {
      flush(t);
    }
  }
}
