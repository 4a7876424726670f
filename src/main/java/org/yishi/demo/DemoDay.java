package org.yishi.demo;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Today's work for every demo account, written after the year of history (DemoHistory) so that each
 * signs in to a realistic day (docs/work-queue.md):
 * <ul>
 *   <li>each demo coordinator's station: two meetings in the coming days (with their five parties and
 *   invited members), a meeting that ended two days ago whose record is due, a held meeting whose
 *   record the district returned for correction, a topic returned with a reason, a topic awaiting
 *   approval, an implemented outcome awaiting the station's rating, and unread reminders;</li>
 *   <li>one more running station in each demo district: a topic awaiting approval, a referral
 *   overdue and one due in a few days, and (镇赉县) a meeting whose record is a week late, so that
 *   the city sees a district that is behind;</li>
 *   <li>this year's consultation plan of the city and of each demo district, with items held, scheduled,
 *   planned and one behind schedule;</li>
 *   <li>a disabled account (a coordinator who left) for the administrator.</li>
 * </ul>
 * Times are evenings (19:00-21:00), which the history never uses, so no booking overlaps.
 */
final class DemoDay {
  /** The node's time zone (YISHI_ZONE), for calendar days and the times shown. */
  private final ZoneId zone;
  /** Per coordinator station: an upcoming topic, a second upcoming one, the record due, the returned record. */
  private static final String[][] COORDINATOR_TOPICS = {
      {"海明小区楼道堆物清理", "urban_management", "社区老年食堂运营", "elderly_children", "幸福路夜市油烟扰民", "ecology",
          "电动自行车集中充电棚", "urban_management"},
      {"长庆街学校放学时段交通疏导", "education", "老旧小区屋面防水维修", "livelihood", "社区卫生服务站延时服务", "health",
          "菜市场周边占道经营", "urban_management"},
      {"团结街道供热管网改造", "livelihood", "村屯道路冬季除雪", "rural_revitalisation", "农家书屋开放时间", "education",
          "小微企业用工对接", "economy"}};
  private static final String[][] RETURNED = {
      {"城西小区垃圾清运频次", "ecology", "没有要协商的具体事项，建议先由物业与居民沟通"},
      {"社区广场舞噪音", "urban_management", "属于治安管理事项，建议转派出所处理"},
      {"村民自建房审批", "rural_revitalisation", "涉及个案审批，不宜作为协商议题"}};
  private static final String[][] SUBMITTED = {
      {"背街小巷排水沟清淤", "urban_management"}, {"社区托育点收费标准", "elderly_children"},
      {"村级卫生室药品配备", "health"}, {"盐碱地种植补贴落实", "rural_revitalisation"},
      {"农贸市场升级改造", "economy"}, {"河道沿岸绿化养护", "ecology"}};
  private static final String[][] PARTIES = {
      {"host", "街道政协委员工作联络组", "街道办事处"}, {"proposer", "居民代表刘桂兰", "社区居委会"},
      {"responder", "区住建局城建科", "区住建局"}, {"related", "物业服务公司", "白城市安居物业"},
      {"expert_resident", "注册城市规划师王磊", "市规划设计院"}};

  private final Pool pool;

  DemoDay(Pool pool, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  Future<Void> write() {
    return pool.withTransaction(tx -> tx.query("""
            SELECT a.id, s.id, s.division_code, s.name,
                   (SELECT array_agg(sm.member_id ORDER BY sm.member_id) FROM station_member sm WHERE sm.station_id = s.id)
              FROM account a JOIN account_station x ON x.account_id = a.id JOIN station s ON s.id = x.station_id
             WHERE a.username IN ('demo-coordinator', 'demo-coordinator2', 'demo-coordinator3') AND s.status = 'active'
             ORDER BY a.username""").execute()
        .compose(rows -> {
          List<Row> list = new ArrayList<>();
          rows.forEach(list::add);
          Future<Void> chain = Future.succeededFuture();
          for (int i = 0; i < list.size(); i++) {
            Row r = list.get(i);
            int k = i;
            chain = chain.compose(v -> coordinator(tx, k, r.getLong(0), r.getLong(1), r.getString(2), r.getArrayOfLongs(4)));
          }
          return chain;
        })
        .compose(v -> tx.query("""
            SELECT DISTINCT ON (s.district_code) s.id, s.division_code, s.district_code
              FROM station s
             WHERE s.status = 'active' AND s.district_code IN ('220802000000', '220881000000', '220821000000')
               AND NOT EXISTS (SELECT 1 FROM account_station x WHERE x.station_id = s.id)
             ORDER BY s.district_code, s.id""").execute())
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          int i = 0;
          for (Row r : rows) {
            int k = i++;
            chain = chain.compose(v -> district(tx, k, r.getLong(0), r.getString(1), r.getString(2)));
          }
          return chain;
        })
        .compose(v -> plans(tx))
        .compose(v -> tx.query("""
            UPDATE account SET disabled = true, updated_at = now(), version = version + 1
             WHERE username = 'demo-former'""").execute().mapEmpty()));
  }

  /** A coordinator's day at their station. */
  private Future<Void> coordinator(SqlConnection tx, int k, long account, long station, String division, Long[] members) {
    String[] t = COORDINATOR_TOPICS[k % COORDINATOR_TOPICS.length];
    LocalDate today = LocalDate.now(zone);
    OffsetDateTime soon = evening(today.plusDays(2 + k), k);
    OffsetDateTime later = evening(today.plusDays(6 + k), k);
    OffsetDateTime ended = evening(today.minusDays(2), k);
    OffsetDateTime returnedAt = evening(today.minusDays(12 + k), k);
    return topic(tx, account, station, division, t[0], t[1], "approved", null)
        .compose(id -> meeting(tx, account, station, division, id, soon, "scheduled", members, "thematic_consultation"))
        .compose(m -> notify(tx, account, m, "meeting_reminder", t[0], "/meetings/" + m, "reminder:" + m + ":72:" + account))
        .compose(v -> topic(tx, account, station, division, t[2], t[3], "approved", null))
        .compose(id -> meeting(tx, account, station, division, id, later, "scheduled", members, "grassroots"))
        .compose(m -> topic(tx, account, station, division, t[4], t[5], "approved", null))
        .compose(id -> meeting(tx, account, station, division, id, ended, "scheduled", members, "forum"))
        .compose(m -> notify(tx, account, m, "record_reminder", t[4], "/meetings/" + m + "/record", "record:" + m + ":" + account))
        .compose(v -> topic(tx, account, station, division, t[6], t[7], "approved", null))
        .compose(id -> meeting(tx, account, station, division, id, returnedAt, "held", members, "counterpart"))
        .compose(m -> tx.preparedQuery("""
                INSERT INTO meeting_record (meeting_id, held, actual_start, actual_end, attendance_members, attendance_residents,
                       attendance_departments, attendance_experts, minutes, suggestions_count, consensus, status, return_reason,
                       filed_by, filed_at, version)
                VALUES ($1, true, $2, $3, 2, 14, 2, 1, $4, 6, true, 'returned', $5, $6, $7, 2)""")
            .execute(Tuple.tuple().addLong(m).addOffsetDateTime(returnedAt).addOffsetDateTime(returnedAt.plusMinutes(110))
                .addString("围绕" + t[6] + "听取居民和部门意见，形成6条建议。")
                .addString("参会居民人数与签到表不符，请核对后重新填报").addLong(account).addOffsetDateTime(returnedAt.plusDays(1)))
            .compose(v -> outcome(tx, account, m, "请区城管局会同社区，一个月内解决" + t[6] + "中居民反映最集中的问题", "区城管局", today.minusDays(3), "implemented")))
        .compose(v -> {
          String[] r = RETURNED[k % RETURNED.length];
          return topic(tx, account, station, division, r[0], r[1], "rejected", r[2]);
        })
        .compose(v -> {
          String[] s = SUBMITTED[k % SUBMITTED.length];
          return topic(tx, account, station, division, s[0], s[1], "submitted", null);
        })
        .mapEmpty();
  }

  /** Another running station of a demo district: a topic to approve, referrals overdue and due soon. */
  private Future<Void> district(SqlConnection tx, int k, long station, String division, String district) {
    String[] s = SUBMITTED[(3 + k) % SUBMITTED.length];
    LocalDate today = LocalDate.now(zone);
    OffsetDateTime held = evening(today.minusDays(40 + k), k);
    List<Long> items = new ArrayList<>();
    Future<Void> base = plan(tx, district, items)
        .compose(v -> pendingStation(tx, k, district))
        .compose(v -> topic(tx, null, station, division, s[0], s[1], "submitted", null))
        .compose(v -> topic(tx, null, station, division, "村集体经济发展路径", "economy", "approved", null, items.get(0)))
        .compose(id -> meeting(tx, null, station, division, id, held, "held", null, "proposal_handling"))
        .compose(m -> filedRecord(tx, m, held, "与会各方就发展路径达成共识。")
            .compose(v -> outcome(tx, null, m, "摸清闲置村集体资产底数，年内拿出盘活方案", "区农业农村局", today.minusDays(6 + k), "referred"))
            .compose(v -> outcome(tx, null, m, "在村便民服务站增设合作社服务窗口，每周固定开放两天", "乡镇人民政府", today.plusDays(3), "referred")))
        // a record filed the day before yesterday, for the district to review (and return, from its queue)
        .compose(v -> topic(tx, null, station, division, RECENT[k % RECENT.length], "livelihood", "approved", null))
        .compose(id -> meeting(tx, null, station, division, id, evening(today.minusDays(3), k), "held", null, "grassroots"))
        .compose(m -> filedRecord(tx, m, evening(today.minusDays(3), k), "居民和物业当面沟通，商定了分工和时间表。"))
        .mapEmpty();
    if (!"220821000000".equals(district)) {
      return base;
    }
    // 镇赉县 is behind: a meeting that ended ten days ago still has no record
    return base.compose(v -> topic(tx, null, station, division, "嫩江湾景区周边环境整治", "ecology", "approved", null, items.get(2)))
        .compose(id -> meeting(tx, null, station, division, id, evening(today.minusDays(10), k), "scheduled", null, "grassroots"))
        .mapEmpty();
  }

  /** Subjects of the yearly plans: title, kind, category. */
  private static final String[][] PLAN_SUBJECTS = {
      {"推进基层协商议事室规范化建设", "thematic_consultation", "other"},
      {"提升农村人居环境整治成效", "thematic_consultation", "rural_revitalisation"},
      {"优化营商环境专题协商", "standing_committee_session", "economy"},
      {"完善社区居家养老服务体系", "thematic_consultation", "elderly_children"},
      {"黑土地保护与盐碱地综合利用", "thematic_consultation", "rural_revitalisation"},
      {"城区老旧供热管网更新改造", "other", "livelihood"},
      {"中小学课后服务质量提升", "thematic_consultation", "education"},
      {"县域医共体建设进展", "other", "health"},
      {"向海湿地生态保护与旅游开发", "standing_committee_session", "ecology"},
      {"新能源产业链招商引资", "thematic_consultation", "economy"},
      {"农村客运班线与冬季出行保障", "other", "livelihood"},
      {"城市社区网格化治理", "other", "urban_management"}};

  /**
   * The plans of the city and of every district that has none yet (the demo districts' are written
   * with their day), each with items in every state: held (a held meeting's topic names it), scheduled
   * (an upcoming meeting's topic names it), planned, and behind schedule.
   */
  private Future<Void> plans(SqlConnection tx) {
    return tx.query("SELECT division_code FROM committee WHERE division_code LIKE '2208%' ORDER BY division_code").execute()
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (Row r : rows) {
            String code = r.getString(0);
            chain = chain.compose(v -> tx.preparedQuery("""
                    SELECT 1 FROM plan p JOIN committee c ON c.id = p.committee_id WHERE c.division_code = $1::text AND p.year = $2::int""")
                .execute(Tuple.of(code, LocalDate.now(zone).getYear()))
                .compose(has -> {
                  List<Long> items = new ArrayList<>();
                  Future<Void> made = has.size() > 0 ? itemsOf(tx, code, items) : plan(tx, code, items);
                  return made.compose(x -> nameItem(tx, code, items.get(0), "held"))
                      .compose(y -> nameItem(tx, code, items.get(2), "scheduled"));
                }));
          }
          return chain;
        });
  }

  private Future<Void> itemsOf(SqlConnection tx, String committeeCode, List<Long> items) {
    return tx.preparedQuery("""
            SELECT i.id FROM plan_item i JOIN plan p ON p.id = i.plan_id JOIN committee c ON c.id = p.committee_id
             WHERE c.division_code = $1::text AND p.year = $2::int ORDER BY i.sort, i.id""")
        .execute(Tuple.of(committeeCode, LocalDate.now(zone).getYear()))
        .map(rows -> {
          rows.forEach(r -> items.add(r.getLong(0)));
          return null;
        });
  }

  /**
   * Makes a plan item {@code held} or {@code scheduled} by naming it on a topic of the unit whose
   * meeting is held (or upcoming) and which names no item yet; nothing when the item already has one.
   */
  private Future<Void> nameItem(SqlConnection tx, String committeeCode, long item, String state) {
    String meeting = "held".equals(state) ? "m.status = 'held' AND m.starts_at >= date_trunc('year', now())"
        : "m.status = 'scheduled' AND m.starts_at > now()";
    String prefix = DemoCity.CITY.equals(committeeCode) ? "2208" : committeeCode.substring(0, 6);
    return tx.preparedQuery("""
            UPDATE topic SET plan_item_id = $1::bigint, source = 'yearly_plan'
             WHERE id = (SELECT t.id FROM topic t JOIN meeting m ON m.topic_id = t.id
                          WHERE t.division_code LIKE $2::text || '%' AND t.plan_item_id IS NULL AND t.status = 'approved'
                          """ + " AND " + meeting + """
                          ORDER BY m.starts_at DESC, t.id LIMIT 1)
               AND NOT EXISTS (SELECT 1 FROM topic x WHERE x.plan_item_id = $1::bigint)""")
        .execute(Tuple.of(item, prefix)).mapEmpty();
  }

  /** Per demo district: a station applying to be registered, as its village would (the district's approval queue). */
  private static final String[][] APPLICATIONS = {
      {"members_home", "委员之家", "王秀英", "村委会活动室东侧"}, {"work_station", "委员工作站", "赵国庆", "村党群服务中心二楼"},
      {"sector_station", "界别活动站", "孙海燕", "镇农业技术推广站院内"}};

  /**
   * A station applying (pending) in a village of the district that has none yet, with its application
   * in the status history, so that district staff have a registration to approve.
   */
  private Future<Void> pendingStation(SqlConnection tx, int k, String district) {
    String[] a = APPLICATIONS[k % APPLICATIONS.length];
    return tx.preparedQuery("""
            WITH site AS (
              SELECT d.code, d.name FROM division d
               WHERE d.code LIKE substr($1::text, 1, 6) || '%' AND d.level = 'village'
                 AND NOT EXISTS (SELECT 1 FROM station s WHERE s.division_code = d.code)
               ORDER BY d.code OFFSET 3 LIMIT 1),
            s AS (
              INSERT INTO station (name, type, level, division_code, district_code, committee_id, address, opening_hours,
                                   contact_name, contact_phone, founded_on, status, created_at, updated_at)
              SELECT site.name || $2::text, $3::text, 'village', site.code, $1::text, (SELECT id FROM committee WHERE division_code = $1::text),
                     site.name || $4::text, '周二、周四 9:00-11:30', $5::text, $6::text, current_date, 'pending', now() - interval '2 days',
                     now() - interval '2 days'
                FROM site RETURNING id)
            INSERT INTO station_status_history (station_id, from_status, to_status, reason, actor_name, at)
            SELECT id, NULL, 'pending', NULL, $5::text, now() - interval '2 days' FROM s""")
        .execute(Tuple.of(district, a[1], a[0], a[3], a[2], "1390436" + (4100 + k * 17)))
        .mapEmpty();
  }

  /**
   * This year's consultation plan of a committee (once), with its items: [0] a past quarter, held by
   * the district's meeting; [1] a past quarter with nothing held yet, behind schedule; [2] scheduled;
   * [3] the last quarter, still planned. Their ids go into {@code items}.
   */
  private Future<Void> plan(SqlConnection tx, String committeeCode, List<Long> items) {
    LocalDate today = LocalDate.now(zone);
    int quarter = (today.getMonthValue() - 1) / 3 + 1;
    int past = Math.max(1, quarter - 1);
    // each committee its own subjects (a rotation of PLAN_SUBJECTS), in the same four states
    int o = Math.floorMod(committeeCode.hashCode(), PLAN_SUBJECTS.length);
    String[][] planned = new String[4][];
    String[] quarters = {String.valueOf(Math.max(1, past - 1)), String.valueOf(past), String.valueOf(quarter), "4"};
    for (int i = 0; i < 4; i++) {
      String[] subject = PLAN_SUBJECTS[(o + i * 3) % PLAN_SUBJECTS.length];
      planned[i] = new String[] {subject[0], subject[1], subject[2], quarters[i]};
    }
    return tx.preparedQuery("""
            INSERT INTO plan (committee_id, year, title)
            SELECT id, $2, $3 FROM committee WHERE division_code = $1
            ON CONFLICT (committee_id, year) DO UPDATE SET title = plan.title RETURNING id""")
        .execute(Tuple.of(committeeCode, today.getYear(), today.getYear() + "年度协商计划"))
        .compose(rows -> {
          long plan = rows.iterator().next().getLong(0);
          List<Tuple> batch = new ArrayList<>();
          for (int i = 0; i < planned.length; i++) {
            batch.add(Tuple.of(plan, planned[i][0], planned[i][1], planned[i][2], Integer.parseInt(planned[i][3]), i));
          }
          return tx.preparedQuery("""
                  INSERT INTO plan_item (plan_id, title, kind, category, target_quarter, sort)
                  VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""").executeBatch(batch);
        })
        .map(rows -> {
          for (var r = rows; r != null; r = r.next()) {
            r.forEach(row -> items.add(row.getLong(0)));
          }
          return null;
        });
  }

  /** Topics of the meetings whose records were filed in the last days, one per demo district. */
  private static final String[] RECENT = {"小区电动车集中充电棚建设", "老旧管网冬季防冻", "村屯道路边沟清淤"};

  /** A held meeting's record, filed two days after it began. */
  private static Future<Void> filedRecord(SqlConnection tx, long meeting, OffsetDateTime held, String minutes) {
    return tx.preparedQuery("""
            INSERT INTO meeting_record (meeting_id, held, actual_start, actual_end, attendance_members, attendance_residents,
                   minutes, suggestions_count, consensus, filed_at)
            VALUES ($1, true, $2, $3, 3, 22, $4, 4, true, $5)""")
        .execute(Tuple.tuple().addLong(meeting).addOffsetDateTime(held).addOffsetDateTime(held.plusMinutes(100))
            .addString(minutes).addOffsetDateTime(held.plusDays(2)))
        .mapEmpty();
  }

  private OffsetDateTime evening(LocalDate day, int k) {
    return day.atTime(19, (k % 2) * 30).atZone(zone).toOffsetDateTime();
  }

  private Future<Long> topic(SqlConnection tx, Long author, long station, String division, String title, String category,
                             String status, String reason) {
    return topic(tx, author, station, division, title, category, status, reason, null);
  }

  private Future<Long> topic(SqlConnection tx, Long author, long station, String division, String title, String category,
                             String status, String reason, Long planItem) {
    return tx.preparedQuery("""
            INSERT INTO topic (station_id, division_code, title, description, category, source, proposer, q1_answer, q1_reason,
                               q2_answer, q2_reason, status, decision_reason, created_by, plan_item_id)
            VALUES ($1, $2, $3, $4, $5, $11, '社区居民代表', true, $6, true, '由政协搭台，邀请职能部门和居民代表共同协商', $7, $8, $9, $10)
            RETURNING id""")
        .execute(Tuple.tuple().addLong(station).addString(division).addString(title)
            .addString("近期多位居民反映" + title + "问题，社区走访后汇总了主要诉求。").addString(category)
            .addString(title + "关系居民日常生活，群众关注度高").addString(status).addString(reason).addLong(author)
            .addLong(planItem).addString(planItem == null ? "residents" : "yearly_plan"))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private Future<Long> meeting(SqlConnection tx, Long author, long station, String division, long topic, OffsetDateTime start,
                               String status, Long[] members, String kind) {
    OffsetDateTime end = start.plusMinutes(120);
    return tx.preparedQuery("""
            INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, research_plan,
                                 capacity_assessment, status, created_by)
            VALUES ($1, $2, $3, $4, $5, '议事室二楼会议室', 'on_site', $6, '会前入户走访20户居民，收集意见并请相关部门准备情况说明',
                    '居民代表熟悉情况，部门负责人能够现场答复', $7, $8) RETURNING id""")
        .execute(Tuple.tuple().addLong(topic).addLong(station).addString(division).addOffsetDateTime(start)
            .addOffsetDateTime(end).addString(kind).addString(status).addLong(author))
        .map(rows -> rows.iterator().next().getLong(0))
        .compose(id -> {
          List<Tuple> parties = new ArrayList<>();
          for (String[] p : PARTIES) {
            parties.add(Tuple.of(id, p[0], p[1], p[2]));
          }
          return tx.preparedQuery("INSERT INTO meeting_participant (meeting_id, role, name, organisation) VALUES ($1, $2, $3, $4)")
              .executeBatch(parties).map(id);
        })
        .compose(id -> members == null || members.length == 0 ? Future.succeededFuture(id) : tx.preparedQuery("""
                INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at)
                SELECT $1, m, $2, $3 FROM unnest($4::bigint[]) m ON CONFLICT DO NOTHING""")
            .execute(Tuple.tuple().addLong(id).addOffsetDateTime(start).addOffsetDateTime(end).addArrayOfLong(members)).map(id));
  }

  private Future<Void> outcome(SqlConnection tx, Long author, long meeting, String content, String unit, LocalDate due, String status) {
    boolean implemented = "implemented".equals(status);
    return tx.preparedQuery("""
            INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, application, due_on, status,
                                 answer, reply, answered_at, implementation_evidence, implemented_at, created_by)
            SELECT m.id, m.station_id, m.division_code, $2, 'suggestion_letter', $3, '列入部门年度重点工作', $4, $5,
                   $6, $7, $8, $9, $10, $11
              FROM meeting m WHERE m.id = $1""")
        .execute(Tuple.tuple().addLong(meeting).addString(content).addString(unit).addLocalDate(due).addString(status)
            .addString(implemented ? "adopted" : null).addString(implemented ? "已采纳，安排专项资金实施。" : null)
            .addOffsetDateTime(implemented ? OffsetDateTime.now(zone).minusDays(8) : null)
            .addString(implemented ? "已完成整改，社区组织居民代表现场查看。" : null)
            .addOffsetDateTime(implemented ? OffsetDateTime.now(zone).minusDays(2) : null).addLong(author))
        .mapEmpty();
  }

  /** A reminder as the scheduler writes it (ReminderService): the station and the meeting's time in the body. */
  private Future<Void> notify(SqlConnection tx, long account, long meeting, String kind, String title, String link, String key) {
    return tx.preparedQuery("""
            INSERT INTO notification (account_id, kind, title, body, link, dedupe_key)
            SELECT $1, $2, $3, s.name || ' · ' || to_char(m.starts_at AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD HH24:MI'), $4, $5
              FROM meeting m JOIN station s ON s.id = m.station_id WHERE m.id = $6
            ON CONFLICT DO NOTHING""")
        .execute(Tuple.of(account, kind, title, link, key, meeting)).mapEmpty();
  }
}
