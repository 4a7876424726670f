package org.yishi.account;

import org.yishi.platform.Node;
import org.yishi.platform.security.Role;
import org.yishi.support.TestNodes;

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

  /** username → account id; "admin" is the bootstrap admin (password {@link TestNodes#ADMIN_PASSWORD}). */
  public final Map<String, Long> ids = new LinkedHashMap<>();

  public static AccountFixtures create(Node node) {
    AccountFixtures f = new AccountFixtures();
    AccountService s = node.app().accounts();
    f.ids.put("admin", s.store().byUsername("admin").await().id());
    f.ids.put("city", s.createSystemAccount("city", "白城市政协", PASSWORD, Role.CITY_STAFF, BAICHENG, Set.of()).await());
    f.ids.put("city-other", s.createSystemAccount("city-other", "长春市政协", PASSWORD, Role.CITY_STAFF, CHANGCHUN, Set.of()).await());
    f.ids.put("d1", s.createSystemAccount("d1", "洮北区政协", PASSWORD, Role.DISTRICT_STAFF, TAOBEI, Set.of()).await());
    f.ids.put("d2", s.createSystemAccount("d2", "洮南市政协", PASSWORD, Role.DISTRICT_STAFF, TAONAN, Set.of()).await());
    f.ids.put("d-other", s.createSystemAccount("d-other", "南关区政协", PASSWORD, Role.DISTRICT_STAFF, NANGUAN, Set.of()).await());
    f.ids.put("c1", s.createSystemAccount("c1", "洮北联络员", PASSWORD, Role.STATION_COORDINATOR, TAOBEI, Set.of(101L)).await());
    f.ids.put("c3", s.createSystemAccount("c3", "洮北联络员三", PASSWORD, Role.STATION_COORDINATOR, TAOBEI, Set.of(103L)).await());
    f.ids.put("c2", s.createSystemAccount("c2", "洮南联络员", PASSWORD, Role.STATION_COORDINATOR, TAONAN, Set.of(202L)).await());
    return f;
  }

  public static String passwordOf(String username) {
    return "admin".equals(username) ? TestNodes.ADMIN_PASSWORD : PASSWORD;
  }
}
