package org.yishi.demo;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Twelve months of plausible history for the demo city, so that every page has content: topics in
 * every state, past meetings (mostly held, some not held or cancelled) with records, outcomes at
 * every step of the follow-up loop (some overdue, some typical cases), and meetings in the coming
 * weeks. History cannot go through the services (they refuse times in the past), so it is written
 * here directly, in one transaction, with a fixed seed: every demo database is the same.
 */
final class DemoHistory {
  /** The node's time zone (YISHI_ZONE), for calendar days and the times shown. */
  private final ZoneId zone;
  private static final String[][] ISSUES = {
      {"老旧小区加装电梯", "livelihood"}, {"背街小巷路灯修缮", "urban_management"}, {"农村饮水安全提升", "rural_revitalisation"},
      {"社区养老服务站建设", "elderly_children"}, {"垃圾分类投放点设置", "ecology"}, {"小区停车位规划", "urban_management"},
      {"学校周边交通安全", "education"}, {"农田水利设施维修", "rural_revitalisation"}, {"物业管理纠纷调解", "livelihood"},
      {"口袋公园建设", "ecology"}, {"冬季供暖保障", "livelihood"}, {"农产品电商销售", "economy"}, {"雨污分流改造", "urban_management"},
      {"小区消防通道整治", "urban_management"}, {"乡村旅游发展", "economy"}, {"婴幼儿托育服务", "elderly_children"},
      {"医保政策宣传", "health"}, {"留守儿童关爱", "elderly_children"}, {"盐碱地改良", "rural_revitalisation"}, {"家庭医生签约", "health"}};
  private static final String[] UNITS = {"区住建局", "区城管局", "区民政局", "区教育局", "区卫健局", "区农业农村局",
      "区交通运输局", "街道办事处", "供热公司", "区生态环境分局"};
  private static final String[] KINDS = {"grassroots", "forum", "thematic_consultation", "counterpart", "sector", "proposal_handling"};
  private static final String[] FORMS = {"minutes", "suggestion_letter", "research_report", "proposal", "bulletin"};
  private static final String[] SOURCES = {"residents", "member", "party_government", "bulletin"};

  /** Descriptions of a topic ({0}: the issue), so that topics do not all read alike. */
  private static final String[] DESCRIPTIONS = {
      "居民反映{0}问题较为集中，希望通过协商推动解决。",
      "社区走访中，二十多户居民提到{0}，网格员已汇总具体点位和诉求。",
      "{0}涉及多个部门职责，居民多次向社区反映，单靠社区难以协调。",
      "政协委员在联系群众时收集到关于{0}的意见，建议搭台协商。",
      "去年已初步处理{0}，但部分居民仍不满意，需要再次听取各方意见。",
      "村（居）民代表会议提出{0}，希望相关部门到场说明计划和资金安排。"};
  private static final String[] HOSTS = {"街道政协委员工作联络组", "社区党委", "镇政协工作联络组", "区政协社会和法制委员会",
      "界别委员活动组", "乡镇人大政协工作办公室"};
  private static final String[] SURNAMES = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
      "高", "林", "何", "罗"};
  private static final String[] GIVEN = {"建华", "淑芬", "志刚", "凤英", "玉兰", "德明", "春梅", "国华", "丽娟", "海涛", "宝山", "秀云",
      "立新", "晓东", "桂芝", "长青"};
  private static final String[] PROPOSER_ROLES = {"居民代表", "楼长", "村民小组长", "业委会主任", "退休职工", "个体商户"};
  private static final String[] RELATED = {"物业服务企业", "驻区单位", "供热公司", "社区社会组织", "施工单位", "村股份经济合作社"};
  private static final String[] EXPERTS = {"执业律师", "注册规划师", "退休教师", "社区医生", "农技推广研究员", "注册造价工程师"};
  private static final String[] MINUTES = {
      "与会各方围绕议题充分协商，形成{0}条意见建议。",
      "部门负责人现场答复居民提问，会议梳理出{0}条需要跟进的事项。",
      "居民代表逐一发言，委员归纳各方意见，共形成{0}条建议并明确牵头部门。",
      "经过两轮讨论，各方就主要分歧达成一致，提出{0}条具体措施。"};

  /** Outcomes ({issue}: the meeting's topic, {unit}: a department), so that they do not all read alike. */
  private static final String[] OUTCOMES = {
      "由{unit}牵头，三个月内拿出{issue}整改方案，并在社区公示栏公开。",
      "建议{unit}对{issue}涉及的点位逐一摸排，建立问题清单和销号台账。",
      "{issue}所需资金纳入明年部门预算，{unit}会同街道分步实施。",
      "请{unit}就{issue}召开现场会，明确责任分工和完成时限。",
      "针对{issue}，先在一个小区（村）试点，总结经验后再逐步推开。",
      "成立{issue}居民监督小组，{unit}每月向小组通报进展。",
      "把{issue}列入今年民生实事项目，{unit}每季度向议事室反馈办理情况。",
      "{unit}简化{issue}相关审批流程，公布办理指南和咨询电话。",
      "组织居民代表、物业和{unit}签订{issue}共建协议，约定各自责任。",
      "{issue}中群众反映最集中的三个问题，由{unit}在汛期前优先解决。"};
  private static final String[] REPLIES = {
      "已研究，将结合年度计划办理。", "已列入下季度工作计划，专人负责跟进。", "经实地查看，同意建议，已安排资金。",
      "部分内容涉及市级权限，已向上级部门报告，其余事项本单位办理。", "已与街道、社区会商，明确了实施步骤。",
      "建议合理，已纳入明年预算申报。"};
  private static final String[] EVIDENCE = {
      "已完成施工并经居民验收。", "整改前后照片已上传社区公示栏。", "第三方评估报告显示问题已解决。",
      "居民代表参加了验收并签字确认。", "办理情况已在居民议事会上通报。"};
  private static final String[] COMMENTS = {
      "居民反映效果良好", "办得实在，希望保持", "总体满意，个别点位还需完善", "问题解决得比较及时", "希望今后多听听老年人的意见"};
  private static final String[] EFFECTS = {
      "问题基本解决，群众满意度较高", "建立了长效管理机制", "相关投诉明显减少", "带动周边小区开展同类整治", "形成了可推广的经验做法"};

  private final Pool pool;
  private final Random random = new Random(220800);
  /** For names and texts only: the history's own sequence (and so every figure of the demo) stays as it was. */
  private final Random texts = new Random(2208);

  DemoHistory(Pool pool, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  /** Writes the history for the active stations; answers how many meetings it created. */
  Future<Integer> write(long coordinatorId) {
    return pool.withTransaction(tx -> tx.query("""
            SELECT s.id, s.division_code, s.name, (SELECT array_agg(sm.member_id) FROM station_member sm WHERE sm.station_id = s.id)
              FROM station s WHERE s.status = 'active' ORDER BY s.id""").execute()
        .compose(rows -> {
          List<Object[]> stations = new ArrayList<>();
          rows.forEach(r -> stations.add(new Object[] {r.getLong(0), r.getString(1), r.getString(2), r.getArrayOfLongs(3)}));
          Future<Integer> chain = Future.succeededFuture(0);
          for (Object[] s : stations) {
            chain = chain.compose(n -> station(tx, coordinatorId, s).map(m -> n + m));
          }
          return chain;
        }));
  }

  private Future<Integer> station(SqlConnection tx, long author, Object[] s) {
    long stationId = (Long) s[0];
    String division = (String) s[1];
    Long[] members = (Long[]) s[3];
    int topics = random.nextInt(4); // 0-3 topics per station
    Set<LocalDate> days = new HashSet<>();
    Future<Integer> chain = Future.succeededFuture(0);
    for (int i = 0; i < topics; i++) {
      String[] issue = ISSUES[random.nextInt(ISSUES.length)];
      int roll = random.nextInt(20);
      String status = roll < 15 ? "approved" : roll < 17 ? "submitted" : roll < 19 ? "rejected" : "draft";
      LocalDate day = meetingDay(days, status);
      chain = chain.compose(n -> topic(tx, author, stationId, division, issue, status)
          .compose(topicId -> "approved".equals(status) ? meeting(tx, author, stationId, division, topicId, day, members)
              : Future.succeededFuture(0))
          .map(m -> n + m));
    }
    return chain;
  }

  /** A weekday in the last year (or the next month for some approved topics), one per station. */
  private LocalDate meetingDay(Set<LocalDate> taken, String status) {
    LocalDate today = LocalDate.now(zone);
    for (;;) {
      LocalDate d = random.nextInt(8) == 0 ? today.plusDays(2 + random.nextInt(28)) : today.minusDays(3 + random.nextInt(360));
      if (d.getDayOfWeek() != DayOfWeek.SATURDAY && d.getDayOfWeek() != DayOfWeek.SUNDAY && taken.add(d)) {
        return d;
      }
    }
  }

  private Future<Long> topic(SqlConnection tx, long author, long stationId, String division, String[] issue, String status) {
    String source = SOURCES[random.nextInt(SOURCES.length)];
    return tx.preparedQuery("""
            INSERT INTO topic (station_id, division_code, title, description, category, source, proposer, q1_answer, q1_reason,
                               q2_answer, q2_reason, status, decision_reason, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, true, $9, $10, $11, $12) RETURNING id""")
        .execute(Tuple.tuple().addLong(stationId).addString(division).addString(issue[0])
            .addString(java.text.MessageFormat.format(DESCRIPTIONS[texts.nextInt(DESCRIPTIONS.length)], issue[0])).addString(issue[1]).addString(source)
            .addString("居民代表").addString("属于群众普遍关心的民生热点问题").addString("可由政协搭台、相关部门参与协商解决")
            .addString(status).addString("rejected".equals(status) ? "建议先由社区自行协调" : null).addLong(author))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private Future<Integer> meeting(SqlConnection tx, long author, long stationId, String division, long topicId, LocalDate day,
                                  Long[] members) {
    OffsetDateTime start = day.atTime(random.nextBoolean() ? 9 : 14, random.nextBoolean() ? 0 : 30).atZone(zone).toOffsetDateTime();
    boolean upcoming = day.isAfter(LocalDate.now(zone));
    int roll = random.nextInt(20);
    String status = upcoming ? "scheduled" : roll == 0 ? "cancelled" : roll == 1 ? "not_held" : "held";
    boolean online = random.nextInt(6) == 0;
    return tx.preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, online_link, kind,
                                 research_plan, capacity_assessment, status, cancel_reason, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id""")
        .execute(Tuple.tuple().addLong(topicId).addLong(stationId).addString(division).addOffsetDateTime(start)
            .addOffsetDateTime(start.plusHours(2)).addString("议事室会议室").addString(online ? "hybrid" : "on_site")
            .addString(online ? "https://meeting.example.invalid/yishi" : null).addString(KINDS[random.nextInt(KINDS.length)])
            .addString("走访居民、召开座谈，收集意见").addString("参与人员熟悉情况，具备协商能力").addString(status)
            .addString("cancelled".equals(status) ? "承办部门另有安排" : null).addLong(author))
        .map(rows -> rows.iterator().next().getLong(0))
        .compose(id -> parties(tx, id))
        .compose(id -> members == null || members.length == 0 || "cancelled".equals(status) ? Future.succeededFuture(id)
            : tx.preparedQuery("""
                    INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at)
                    SELECT $1, m, $2, $3 FROM unnest($4::bigint[]) m ON CONFLICT DO NOTHING""")
                .execute(Tuple.tuple().addLong(id).addOffsetDateTime(start).addOffsetDateTime(start.plusHours(2))
                    .addArrayOfLong(members))
                .map(id))
        .compose(id -> "held".equals(status) || "not_held".equals(status)
            ? record(tx, author, id, start, "held".equals(status), members).map(1) : Future.succeededFuture(1));
  }

  /** The meeting's five parties (主持方, 提出方, 答复方, 相关方, 专家和群众代表), with varied names. */
  private Future<Long> parties(SqlConnection tx, long meetingId) {
    String unit = UNITS[texts.nextInt(UNITS.length)];
    List<Tuple> rows = List.of(
        Tuple.of(meetingId, "host", HOSTS[texts.nextInt(HOSTS.length)], "街道办事处"),
        Tuple.of(meetingId, "proposer", PROPOSER_ROLES[texts.nextInt(PROPOSER_ROLES.length)] + person(), "社区居委会"),
        Tuple.of(meetingId, "responder", unit + "分管负责人", unit),
        Tuple.of(meetingId, "related", RELATED[texts.nextInt(RELATED.length)], "相关单位"),
        Tuple.of(meetingId, "expert_resident", EXPERTS[texts.nextInt(EXPERTS.length)] + person(), "群众代表"));
    return tx.preparedQuery("INSERT INTO meeting_participant (meeting_id, role, name, organisation) VALUES ($1, $2, $3, $4)")
        .executeBatch(rows).map(meetingId);
  }

  private String person() {
    return SURNAMES[texts.nextInt(SURNAMES.length)] + GIVEN[texts.nextInt(GIVEN.length)];
  }

  private Future<Void> record(SqlConnection tx, long author, long meetingId, OffsetDateTime start, boolean held, Long[] members) {
    int late = random.nextInt(10) == 0 ? 9 + random.nextInt(10) : random.nextInt(6); // most filed within a week
    int suggestions = held ? 2 + random.nextInt(11) : 0;
    Future<Void> rec = tx.preparedQuery("""
            INSERT INTO meeting_record (meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members,
                   attendance_residents, attendance_departments, attendance_experts, attendance_others, minutes,
                   suggestions_count, consensus, filed_by, filed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""")
        .execute(Tuple.tuple().addLong(meetingId).addBoolean(held).addString(held ? null : "天气原因，改期另行安排")
            .addOffsetDateTime(held ? start : null).addOffsetDateTime(held ? start.plusMinutes(100 + random.nextInt(40)) : null)
            .addInteger(held ? 1 + random.nextInt(5) : 0).addInteger(held ? 5 + random.nextInt(36) : 0)
            .addInteger(held ? 1 + random.nextInt(4) : 0).addInteger(held ? random.nextInt(3) : 0).addInteger(held ? random.nextInt(4) : 0)
            .addString(held ? java.text.MessageFormat.format(MINUTES[texts.nextInt(MINUTES.length)], suggestions) : null).addInteger(suggestions)
            .addBoolean(held ? random.nextInt(10) > 0 : null).addLong(author).addOffsetDateTime(start.plusDays(late).plusHours(3)))
        .mapEmpty();
    if (!held) {
      return rec;
    }
    Future<Void> attendees = members == null || members.length == 0 ? rec : rec.compose(v -> tx.preparedQuery(
            "INSERT INTO meeting_attendee (meeting_id, member_id) SELECT $1, unnest($2::bigint[])")
        .execute(Tuple.tuple().addLong(meetingId).addArrayOfLong(members)).mapEmpty());
    int outcomes = 1 + random.nextInt(3);
    Future<Void> chain = attendees;
    for (int i = 0; i < outcomes; i++) {
      chain = chain.compose(v -> outcome(tx, author, meetingId, start));
    }
    return chain;
  }

  /** One outcome, as far along the loop as its age makes plausible. */
  private Future<Void> outcome(SqlConnection tx, long author, long meetingId, OffsetDateTime held) {
    LocalDate due = held.toLocalDate().plusDays(30 + random.nextInt(60));
    long age = java.time.Duration.between(held, OffsetDateTime.now(zone)).toDays();
    int roll = random.nextInt(10);
    String status = age < 20 || roll == 0 ? "referred" : age < 60 || roll == 1 ? "answered" : age < 120 || roll == 2 ? "implemented" : "closed";
    String answer = "referred".equals(status) ? null : random.nextInt(8) == 0 ? "partly_adopted" : random.nextInt(12) == 0 ? "not_adopted" : "adopted";
    if ("implemented".equals(status) && "not_adopted".equals(answer)) {
      answer = "adopted";
    }
    boolean implemented = ("implemented".equals(status) || "closed".equals(status)) && !"not_adopted".equals(answer);
    boolean closed = "closed".equals(status);
    int s = random.nextInt(20);
    String satisfaction = closed ? (s < 14 ? "satisfied" : s < 19 ? "basically_satisfied" : "dissatisfied") : null;
    OffsetDateTime answeredAt = held.plusDays(10 + random.nextInt(20));
    // drawn from the history's sequence in the order they always were, so that every figure stays as it was
    String lead = UNITS[random.nextInt(UNITS.length)];
    String form = FORMS[random.nextInt(FORMS.length)];
    String unit = UNITS[random.nextInt(UNITS.length)];
    String content = OUTCOMES[texts.nextInt(OUTCOMES.length)].replace("{unit}", lead);
    String reply = REPLIES[texts.nextInt(REPLIES.length)];
    String evidence = EVIDENCE[texts.nextInt(EVIDENCE.length)];
    String comment = COMMENTS[texts.nextInt(COMMENTS.length)];
    String effect = EFFECTS[texts.nextInt(EFFECTS.length)];
    return tx.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, application, due_on, status,
                                 answer, reply, answered_at, implementation_evidence, implemented_at, satisfaction,
                                 satisfaction_comment, rated_at, effectiveness, closed_at, typical_case, created_by, created_at)
            SELECT m.id, m.station_id, m.division_code, replace($2, '{issue}', t.title), $3, $4, '纳入年度工作计划推进', $5, $6, $7,
                   $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19
              FROM meeting m JOIN topic t ON t.id = m.topic_id WHERE m.id = $1""")
        .execute(Tuple.tuple().addLong(meetingId).addString(content)
            .addString(form).addString(unit).addLocalDate(due)
            .addString(status).addString(answer).addString(answer == null ? null : reply)
            .addOffsetDateTime(answer == null ? null : answeredAt).addString(implemented ? evidence : null)
            .addOffsetDateTime(implemented ? answeredAt.plusDays(20) : null).addString(satisfaction)
            .addString(closed ? comment : null).addOffsetDateTime(closed ? answeredAt.plusDays(40) : null)
            .addString(closed ? effect : null).addOffsetDateTime(closed ? answeredAt.plusDays(40) : null)
            .addBoolean(closed && random.nextInt(12) == 0).addLong(author).addOffsetDateTime(held.plusDays(1)))
        .mapEmpty();
  }
}
