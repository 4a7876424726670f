package org.yishi.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.yishi.account.AccountService;
import org.yishi.platform.division.Division;
import org.yishi.division.DivisionImportMode;
import org.yishi.division.DivisionImportProgress;
import org.yishi.division.DivisionImportReport;
import org.yishi.division.DivisionImporter;
import org.yishi.platform.division.DivisionLevel;
import org.yishi.division.DivisionStore;
import org.yishi.member.MemberService;
import org.yishi.report.ReportService;
import org.yishi.platform.db.JdbcSource;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.station.StationService;
import org.yishi.station.StationStatus;
import org.yishi.station.StationType;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The demo city: 白城市 with its real districts, townships and communities (from the division
 * file shipped in the jar), its committees, about 150 stations of every type and state, members,
 * and the demo accounts of the contract. Seeded once, by one node (cluster lock plus a marker row),
 * and only into a database that holds no divisions or stations yet.
 */
public final class DemoCity {
  public static final String CITY = "220800000000";
  private static final Logger LOG = Logger.getLogger(DemoCity.class.getName());
  private static final String[] SECTORS = {"经济界", "教育界", "农业界", "科技界", "医药卫生界", "社会福利界", "文化艺术界", "工商联界"};
  private static final String[] SURNAMES = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
  private static final String[] GIVEN = {"建国", "秀英", "志强", "桂兰", "海燕", "国庆", "丽华", "伟", "敏", "静", "磊", "洋", "艳", "军", "杰", "娟"};

  private final Vertx vertx;
  private final Pool pool;
  private final JdbcSource jdbc;
  private final AccountService accounts;
  private final String password;
  private final ReportService reports;

  private final DivisionStore divisions;
  private final MemberService members;
  private final StationService stations;

  /** Built by the composition root with the node's own services (the demo city goes through their rules). */
  public DemoCity(Vertx vertx, Pool pool, JdbcSource jdbc, AccountService accounts, String password, ReportService reports,
                  DivisionStore divisions, MemberService members, StationService stations) {
    this.divisions = divisions;
    this.members = members;
    this.stations = stations;
    this.vertx = vertx;
    this.pool = pool;
    this.jdbc = jdbc;
    this.accounts = accounts;
    this.password = password;
    this.reports = reports;
  }

  /** Imports the 白城市 division slice shipped in the jar (blocking; call from a worker). */
  public static DivisionImportReport importDivisions(JdbcSource jdbc) throws Exception {
    try (InputStream in = DemoCity.class.getResourceAsStream("/divisions/baicheng.csv")) {
      return new DivisionImporter(jdbc).importCsv(in, DivisionImportMode.ATOMIC, DivisionImportProgress.NONE);
    }
  }

  /** Seeds the demo city unless this database already holds data; safe to call from every node. */
  public Future<Void> seedIfEmpty() {
    return vertx.sharedData().getLockWithTimeout("yishi.demo-seed", TimeUnit.MINUTES.toMillis(5))
        .compose(lock -> isEmpty()
            .compose(empty -> empty ? seed() : Future.succeededFuture())
            .eventually(() -> {
              lock.release();
              return Future.succeededFuture();
            }));
  }

  private Future<Boolean> isEmpty() {
    return pool.query("""
            SELECT NOT EXISTS (SELECT 1 FROM app_setting WHERE key = 'demo_seeded')
               AND NOT EXISTS (SELECT 1 FROM division) AND NOT EXISTS (SELECT 1 FROM station)""")
        .execute().map(rows -> rows.iterator().next().getBoolean(0));
  }

  private Future<Void> seed() {
    long started = System.currentTimeMillis();
    Map<String, Long> stationIds = new LinkedHashMap<>();
    return vertx.executeBlocking(() -> importDivisions(jdbc), false)
        .compose(report -> accounts.store().byUsername("admin").map(row -> row.principal()))
        .compose(admin -> createCommittees(divisions, members, admin)
            .compose(committees -> createStations(divisions, stations, admin, stationIds)
                .compose(v -> createMembers(members, admin, committees, stationIds))))
        .compose(v -> createAccounts(stationIds))
        .compose(v -> accounts.store().byUsername("demo-coordinator"))
        .compose(coordinator -> new DemoHistory(pool, reports.zone()).write(coordinator.id()))
        .compose(v -> new DemoDay(pool, reports.zone()).write())
        .compose(v -> new DemoRequests(pool, reports.zone()).write())
        .compose(v -> new DemoMembers(pool, accounts, password, reports.zone()).write())
        .compose(v -> lastMonthlyReports())
        .compose(v -> pool.preparedQuery("INSERT INTO app_setting (key, value) VALUES ('demo_seeded', $1) ON CONFLICT DO NOTHING")
            .execute(Tuple.of(String.valueOf(System.currentTimeMillis()))))
        .map(v -> {
          LOG.info("Demo city 白城市 seeded: " + stationIds.size() + " stations and a year of history in "
              + (System.currentTimeMillis() - started) + " ms");
          printCredentials();
          return null;
        });
  }

  /**
   * The last issued monthly reports, as the scheduler would have issued them on the 1st: the city's
   * and each district's for the month before this one.
   */
  private Future<Void> lastMonthlyReports() {
    java.time.YearMonth last = java.time.YearMonth.now(reports.zone()).minusMonths(1);
    return members.store().committees("2208").compose(committees -> {
      List<String> units = new ArrayList<>();
      committees.forEach(c -> units.add(((io.vertx.core.json.JsonObject) c).getString("divisionCode")));
      return sequentially(units, code -> reports.issueForDemo(code, last));
    });
  }

  /** 白城市政协 and one committee per county-level unit. */
  private Future<Map<String, Long>> createCommittees(DivisionStore divisions, MemberService members, Principal admin) {
    Map<String, Long> ids = new LinkedHashMap<>();
    return members.createCommittee(admin, "白城市政协", CITY)
        .compose(city -> {
          ids.put(CITY, city.getLong("id"));
          return divisions.children(CITY, 50, 0);
        })
        .compose(page -> sequentially(page.items(), d -> members.createCommittee(admin, d.name() + "政协", d.code())
            .map(c -> ids.put(d.code(), c.getLong("id")))))
        .map(v -> ids);
  }

  /**
   * A consultation room in every township/street, plus stations of the other types in some
   * villages/communities; most are running, some pending, suspended or rejected.
   */
  private Future<Void> createStations(DivisionStore divisions, StationService stations, Principal admin,
                                      Map<String, Long> ids) {
    return divisions.stationSites("2208").compose(sites -> {
      List<Division> townships = sites.stream().filter(d -> d.level() == DivisionLevel.TOWNSHIP).toList();
      List<Division> villages = sites.stream().filter(d -> d.level() == DivisionLevel.VILLAGE).toList();
      List<Object[]> plan = new ArrayList<>();
      for (Division t : townships) {
        plan.add(new Object[] {t, StationType.CONSULTATION_ROOM});
      }
      StationType[] others = {StationType.LIAISON_STATION, StationType.WORK_STATION, StationType.SECTOR_STATION,
          StationType.MEMBERS_HOME, StationType.CONSULTATION_ROOM};
      for (int i = 0; i < 24 && i * 45 < villages.size(); i++) {
        plan.add(new Object[] {villages.get(i * 45), others[i % others.length]});
      }
      int[] n = {0};
      return sequentially(plan, p -> {
        Division d = (Division) p[0];
        StationType type = (StationType) p[1];
        int i = n[0]++;
        StationService.StationInput in = new StationService.StationInput(d.name() + label(type), type, d.code(),
            "白城市" + d.name() + "综合服务中心", null, null, "周一至周五 8:30-17:00", SURNAMES[i % SURNAMES.length] + "主任",
            "0436-" + (3200000 + i * 37), java.time.LocalDate.of(2019 + i % 6, 1 + i % 12, 1 + i % 28), null);
        return stations.register(admin, in).compose(s -> {
          long id = s.getLong("id");
          ids.put(d.code(), id);
          return lifecycle(stations, admin, id, i);
        });
      });
    });
  }

  private static Future<Void> lifecycle(StationService stations, Principal admin, long id, int i) {
    if (i % 30 == 7) {
      return Future.succeededFuture(); // stays 申请中, so the approval queue has work
    }
    if (i % 45 == 11) {
      return stations.transition(admin, id, StationStatus.Action.REJECT, "场地未落实，请补充材料后重新提交").mapEmpty();
    }
    Future<?> approved = stations.transition(admin, id, StationStatus.Action.APPROVE, null);
    if (i % 40 == 13) {
      return approved.compose(v -> stations.transition(admin, id, StationStatus.Action.SUSPEND, "场地装修，暂停三个月")).mapEmpty();
    }
    return approved.mapEmpty();
  }

  private static String label(StationType type) {
    return switch (type) {
      case CONSULTATION_ROOM -> "协商议事室";
      case LIAISON_STATION -> "委员联络站";
      case WORK_STATION -> "委员工作站";
      case SECTOR_STATION -> "界别活动站";
      case MEMBERS_HOME -> "委员之家";
    };
  }

  /** Five members per district committee and eight city members; two assigned to each of the first stations. */
  private Future<Void> createMembers(MemberService members, Principal admin, Map<String, Long> committees,
                                     Map<String, Long> stations) {
    List<Object[]> plan = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, Long> c : committees.entrySet()) {
      int count = c.getKey().equals(CITY) ? 8 : 5;
      for (int k = 0; k < count; k++, i++) {
        plan.add(new Object[] {c.getKey(), c.getValue(), SURNAMES[(i * 7) % SURNAMES.length] + GIVEN[(i * 5) % GIVEN.length],
            SECTORS[i % SECTORS.length]});
      }
    }
    Map<String, List<Long>> byCommittee = new LinkedHashMap<>();
    return sequentially(plan, p -> members.create(admin, new MemberService.MemberInput((String) p[2], (String) p[3],
            (Long) p[1], "139" + String.format("%08d", Math.abs(((String) p[2]).hashCode()) % 100_000_000), null, true, null))
        .map(m -> byCommittee.computeIfAbsent((String) p[0], k -> new ArrayList<>()).add(m.getLong("id"))))
        .compose(v -> sequentially(new ArrayList<>(stations.entrySet()).subList(0, Math.min(60, stations.size())), e -> {
          List<Long> local = byCommittee.getOrDefault(e.getKey().substring(0, 6) + "000000", List.of());
          if (local.isEmpty()) {
            return Future.succeededFuture();
          }
          int h = Math.abs(e.getKey().hashCode());
          List<Long> chosen = List.of(local.get(h % local.size()), byCommittee.get(CITY).get(h % byCommittee.get(CITY).size()));
          return members.assign(admin, e.getValue(), chosen);
        }));
  }

  /** The contract's demo accounts, plus more users of each role. */
  private Future<Void> createAccounts(Map<String, Long> stations) {
    long taobei = firstStation(stations, "220802");
    long taobei2 = secondStation(stations, "220802");
    long taonan = firstStation(stations, "220881");
    List<Object[]> plan = List.of(
        new Object[] {"demo-city", "白城市政协办公室", Role.CITY_STAFF, CITY, Set.of()},
        new Object[] {"demo-district", "洮北区政协办公室", Role.DISTRICT_STAFF, "220802000000", Set.of()},
        new Object[] {"demo-district2", "洮南市政协办公室", Role.DISTRICT_STAFF, "220881000000", Set.of()},
        new Object[] {"demo-district3", "镇赉县政协办公室", Role.DISTRICT_STAFF, "220821000000", Set.of()},
        new Object[] {"demo-coordinator", "海明街道联络员", Role.STATION_COORDINATOR, "220802000000", Set.of(taobei)},
        new Object[] {"demo-coordinator2", "长庆街道联络员", Role.STATION_COORDINATOR, "220802000000", Set.of(taobei2)},
        new Object[] {"demo-coordinator3", "洮南联络员", Role.STATION_COORDINATOR, "220881000000", Set.of(taonan)},
        // a coordinator who has left: disabled by DemoDay, so the administrator's queue lists an account
        new Object[] {"demo-former", "原海明街道联络员", Role.STATION_COORDINATOR, "220802000000", Set.of(taobei)});
    return sequentially(plan, p -> {
      @SuppressWarnings("unchecked")
      Set<Long> ids = (Set<Long>) p[4];
      return accounts.createSystemAccount((String) p[0], (String) p[1], password, (Role) p[2], (String) p[3], ids);
    });
  }

  private static long firstStation(Map<String, Long> stations, String districtPrefix) {
    return stations.entrySet().stream().filter(e -> e.getKey().startsWith(districtPrefix)).findFirst().orElseThrow().getValue();
  }

  private static long secondStation(Map<String, Long> stations, String districtPrefix) {
    return stations.entrySet().stream().filter(e -> e.getKey().startsWith(districtPrefix)).skip(1).findFirst().orElseThrow().getValue();
  }

  private void printCredentials() {
    System.out.println("""

          Demo city 白城市 is ready. Sign in with password '%s' as:
            demo-city          city staff, 白城市
            demo-district      district staff, 洮北区       demo-district2   district staff, 洮南市
            demo-district3     district staff, 镇赉县
            demo-coordinator   coordinator, 海明街道协商议事室 (洮北区)
            demo-coordinator2  coordinator, 长庆街道协商议事室 (洮北区)
            demo-coordinator3  coordinator, 团结街道协商议事室 (洮南市)
        """.formatted(password));
  }

  /** Runs {@code step} for each item, one after another (keeps the seed's load on the pool small). */
  static <T> Future<Void> sequentially(List<T> items, java.util.function.Function<T, Future<?>> step) {
    Future<?> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> step.apply(item));
    }
    return chain.mapEmpty();
  }
}
