package org.yishi.support;

import org.yishi.account.AccountService;
import org.yishi.demo.DemoCity;
import org.yishi.member.MemberService;
import org.yishi.app.Node;
import org.yishi.station.StationService;
import org.yishi.station.StationType;
import org.yishi.platform.security.Role;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A cast of accounts in real jurisdictions: 白城市 220800 with 洮北区 220802 and 洮南市 220881,
 * and 长春市 220100 with 南关区 220102 as the "other city".
 */
public final class AccountFixtures {
  public static final String PASSWORD = "fixture-pass-123";
  public static final String BAICHENG = "220800000000";
  public static final String TAOBEI = "220802000000";
  public static final String TAONAN = "220881000000";
  public static final String CHANGCHUN = "220100000000";
  public static final String NANGUAN = "220102000000";

  /** 海明街道 and 长庆街道 (洮北区), 团结街道 (洮南市): townships with a fixture station each. */
  public static final String HAIMING = "220802001000";
  public static final String CHANGQING = "220802002000";
  public static final String TUANJIE = "220881001000";

  /** username → account id; "admin" is the bootstrap admin (password {@link TestNodes#ADMIN_PASSWORD}). */
  public final Map<String, Long> ids = new LinkedHashMap<>();
  /** township code → id of the fixture station there. */
  public final Map<String, Long> stations = new LinkedHashMap<>();
  /** division code → committee id (白城市, 洮北区, 洮南市). */
  public final Map<String, Long> committees = new LinkedHashMap<>();
  /** A member of 洮北区政协. */
  public long taobeiMember;

  /** The 白城市 divisions, three stations, and accounts in and out of their jurisdictions. */
  public static AccountFixtures create(Node node) {
    AccountFixtures f = new AccountFixtures();
    AccountService s = node.accounts();
    try {
      DemoCity.importDivisions(node.database()::openJdbc);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    var admin = s.store().byUsername("admin").await();
    f.ids.put("admin", admin.id());
    MemberService members = node.services().members();
    for (String[] c : new String[][] {{BAICHENG, "白城市政协"}, {TAOBEI, "洮北区政协"}, {TAONAN, "洮南市政协"}}) {
      f.committees.put(c[0], members.createCommittee(admin.principal(), c[1], c[0]).await().getLong("id"));
    }
    f.taobeiMember = members.create(admin.principal(), new MemberService.MemberInput("王建国", "经济界",
        f.committees.get(TAOBEI), null, null, true, null)).await().getLong("id");
    StationService stations = node.services().stations();
    for (String code : new String[] {HAIMING, CHANGQING, TUANJIE}) {
      f.stations.put(code, stations.register(admin.principal(), new StationService.StationInput(
          "议事室" + code.substring(6, 9), StationType.CONSULTATION_ROOM, code, null, null, null, null, null, null, null, null))
          .await().getLong("id"));
    }
    f.ids.put("city", s.createSystemAccount("city", "白城市政协", PASSWORD, Role.CITY_STAFF, BAICHENG, Set.of()).await());
    f.ids.put("city-other", s.createSystemAccount("city-other", "长春市政协", PASSWORD, Role.CITY_STAFF, CHANGCHUN, Set.of()).await());
    f.ids.put("d1", s.createSystemAccount("d1", "洮北区政协", PASSWORD, Role.DISTRICT_STAFF, TAOBEI, Set.of()).await());
    f.ids.put("d2", s.createSystemAccount("d2", "洮南市政协", PASSWORD, Role.DISTRICT_STAFF, TAONAN, Set.of()).await());
    f.ids.put("d-other", s.createSystemAccount("d-other", "南关区政协", PASSWORD, Role.DISTRICT_STAFF, NANGUAN, Set.of()).await());
    f.ids.put("c1", s.createSystemAccount("c1", "洮北联络员", PASSWORD, Role.STATION_COORDINATOR, TAOBEI, Set.of(f.stations.get(HAIMING))).await());
    f.ids.put("c3", s.createSystemAccount("c3", "洮北联络员三", PASSWORD, Role.STATION_COORDINATOR, TAOBEI, Set.of(f.stations.get(CHANGQING))).await());
    f.ids.put("c2", s.createSystemAccount("c2", "洮南联络员", PASSWORD, Role.STATION_COORDINATOR, TAONAN, Set.of(f.stations.get(TUANJIE))).await());
    return f;
  }

  /**
   * Makes the station active and adds an approved topic to it (directly in SQL: the topic feature
   * has its own tests), returning the topic id.
   */
  public static long approvedTopic(Node node, long stationId, String title) {
    var pool = node.app().pool();
    pool.preparedQuery("UPDATE station SET status = 'active' WHERE id = $1").execute(io.vertx.sqlclient.Tuple.of(stationId)).await();
    return pool.preparedQuery("""
            INSERT INTO topic (station_id, division_code, title, category, source, q1_answer, q1_reason, q2_answer, q2_reason, status)
            SELECT id, division_code, $2, 'livelihood', 'residents', true, '群众关切', true, '适合协商', 'approved' FROM station WHERE id = $1
            RETURNING id""")
        .execute(io.vertx.sqlclient.Tuple.of(stationId, title)).await().iterator().next().getLong(0);
  }

  /**
   * {@code count} meetings at the station, each on its own approved topic ({@code title} + its index)
   * with {@code members} invited, scheduled ahead and then moved back to have ended 1, 4, 7, ... hours
   * ago (one slot each at the station, all in the last hours), returning their ids.
   */
  public static long[] endedMeetings(Node node, long stationId, String title, int count, java.util.List<Long> members) {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneId.of("Asia/Shanghai"));
    long[] meetings = new long[count];
    for (int i = 0; i < count; i++) {
      long topic = approvedTopic(node, stationId, title + i);
      java.time.OffsetDateTime ahead = now.plusDays(300 + i * 2L).withHour(9).withMinute(0).withSecond(0).withNano(0);
      meetings[i] = node.services().meetings().schedule(admin,
          new org.yishi.meeting.MeetingService.MeetingInput(topic, ahead, ahead.plusHours(2), "会议室", "on_site", null, "grassroots",
              null, null, java.util.List.of(), members)).await().getLong("id");
      int endAgo = 1 + i * 3;
      node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '" + (endAgo + 2) + " hours', ends_at = now() - interval '"
          + endAgo + " hours' WHERE id = " + meetings[i]).execute().await();
    }
    return meetings;
  }

  /**
   * One topic, meeting (already over), outcome, plan and plan item, each with id 1 on a fresh
   * database: sweeps over every route (HostileInputTest, ...) then reach the handlers of ":id" = 1
   * instead of stopping at 404.
   */
  public void oneOfEachResource(Node node) {
    var admin = node.accounts().store().byUsername("admin").await().principal();
    long topic = approvedTopic(node, stations.get(HAIMING), "议题");
    java.time.OffsetDateTime start = java.time.OffsetDateTime.now().plusDays(3).withNano(0);
    long meeting = node.services().meetings().schedule(admin,
        new org.yishi.meeting.MeetingService.MeetingInput(topic, start, start.plusHours(1), "会议室", "on_site", null, "forum",
            null, null, java.util.List.of(), java.util.List.of())).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE id = "
        + meeting).execute().await();
    node.services().outcomes().create(admin,
        new org.yishi.outcome.OutcomeService.OutcomeInput(meeting, new org.yishi.outcome.OutcomeStore.OutcomeValues("成果",
            "minutes", "区住建局", null, java.time.LocalDate.now().plusDays(10)), null)).await();
    node.app().pool().query("INSERT INTO plan (committee_id, year, title) VALUES (1, 2026, '年度计划')").execute()
        .compose(v -> node.app().pool().query("INSERT INTO plan_item (plan_id, title, kind, target_quarter) VALUES (1, '计划议题', 'other', 2)")
            .execute()).await();
  }

  public static String passwordOf(String username) {
    return "admin".equals(username) ? TestNodes.ADMIN_PASSWORD : PASSWORD;
  }
}
