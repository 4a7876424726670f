package org.yishi.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the extension promises the test classes: members, settings, fixtures and the fields it fills. */
class NodeExtensionTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().members(2).env("YISHI_SESSION_MAX_HOURS", "3")
      .memberEnv(1, "YISHI_HTTP_DRAIN_NOTICE_MILLIS", "1500");
  @FromNode private static Node node;
  @FromNode private static Api api;
  @FromNode private static AccountFixtures f;
  @FromNode private static String pgUrl;
  @FromNode private static Sql sql;
  @FromNode(member = 1) private static Node second;
  @FromNode(member = 1) private static Api onSecond;

  @Test
  void theFieldsAreTheFirstMembersNodeClientFixturesAndDatabase() {
    assertSame(NODE.node(0), node);
    assertSame(NODE.api(), api);
    assertSame(NODE.fixtures(), f);
    assertEquals(NODE.pgUrl(), pgUrl);
    String c1 = api.token("c1", AccountFixtures.PASSWORD);
    assertEquals(200, api.get("/api/v1/me", c1).statusCode());
    assertEquals(f.ids.get("c1"), sql.count("SELECT id FROM account WHERE username = 'c1'"));
  }

  @Test
  void theMembersFormOneClusterOnOneDatabase() {
    assertEquals(2, NODE.nodes().size());
    assertSame(NODE.node(1), second);
    assertEquals(200, onSecond.get("/api/v1/me", onSecond.token("c1", AccountFixtures.PASSWORD)).statusCode());
    for (Node member : NODE.nodes()) {
      assertEquals(2, member.app().cluster().getNodes().size());
      assertEquals(200, new Api(member.baseUrl()).get("/api/v1/me", api.token("d1", AccountFixtures.PASSWORD)).statusCode(),
          "the fixtures made through the first member are in the shared database");
    }
    assertThrows(UnsupportedOperationException.class, () -> NODE.nodes().clear(), "the list is the extension's");
  }

  @Test
  void sharedSettingsReachEveryMemberAndAMembersOwnOnlyIt() {
    for (int i = 0; i < 2; i++) {
      Node member = NODE.node(i);
      assertEquals(3, member.app().config().security().sessionMaxHours());
      assertEquals(NODE.envOf(i).get("YISHI_DATA_DIR"), member.app().config().dataDir().toString());
      assertTrue(member.baseUrl().endsWith(":" + NODE.envOf(i).get("YISHI_HTTP_PORT")), member.baseUrl());
    }
    assertEquals(0, NODE.node(0).app().config().drainNoticeMillis(), "TestNodes' default");
    assertEquals(1500, NODE.node(1).app().config().drainNoticeMillis());
  }
}
