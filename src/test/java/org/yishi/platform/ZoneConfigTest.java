package org.yishi.platform;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;

import java.time.ZoneId;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** YISHI_ZONE: default, the older name YISHI_REPORT_ZONE as its alias, YAML, validation. */
class ZoneConfigTest {
  private static ZoneId zone(JsonObject yaml, Map<String, String> env) {
    AppConfig c = AppConfig.from(yaml, env);
    assertEquals(c.zone(), c.reports().zone(), "reports use the one zone");
    return c.zone();
  }

  @Test
  void defaultAliasAndPrecedence() {
    assertEquals(AppConfig.DEFAULT_ZONE, zone(new JsonObject(), Map.of()));
    assertEquals(ZoneId.of("Asia/Shanghai"), AppConfig.DEFAULT_ZONE);
    assertEquals(ZoneId.of("UTC"), zone(new JsonObject(), Map.of("YISHI_ZONE", "UTC")));
    assertEquals(ZoneId.of("Asia/Urumqi"), zone(new JsonObject(), Map.of("YISHI_REPORT_ZONE", "Asia/Urumqi")), "the alias");
    assertEquals(ZoneId.of("UTC"), zone(new JsonObject(), Map.of("YISHI_ZONE", "UTC", "YISHI_REPORT_ZONE", "Asia/Urumqi")),
        "YISHI_ZONE wins over its alias");
    assertEquals(ZoneId.of("Asia/Urumqi"), zone(new JsonObject().put("zone", "Asia/Urumqi"), Map.of()), "zone: in YAML");
    assertEquals(ZoneId.of("UTC"), zone(new JsonObject().put("reports", new JsonObject().put("zone", "UTC")), Map.of()),
        "reports.zone: in YAML (the alias)");
    assertEquals(AppConfig.DEFAULT_ZONE, zone(new JsonObject(), Map.of("YISHI_ZONE", "")), "empty: the default");
  }

  @Test
  void aBadZoneNamesTheSetting() {
    for (String bad : new String[] {"Mars/Olympus", "'; DROP TABLE meeting; --", "<script>", "+08:00", "Asia/\u0007Shanghai"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> AppConfig.from(new JsonObject(), Map.of("YISHI_ZONE", bad)));
      assertTrue(e.getMessage().startsWith("YISHI_ZONE (zone)"), e.getMessage());
    }
    ConfigException alias = assertThrows(ConfigException.class,
        () -> AppConfig.from(new JsonObject(), Map.of("YISHI_REPORT_ZONE", "Nowhere")));
    assertTrue(alias.getMessage().startsWith("YISHI_REPORT_ZONE (reports.zone)"), alias.getMessage());
  }
}
