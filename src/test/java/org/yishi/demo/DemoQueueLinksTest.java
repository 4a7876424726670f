package org.yishi.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's "done when": every demo account signs in to a work queue that is not empty, and every
 * item of it leads to a page that answers (200), followed as the account itself; members land on
 * their own schedule.
 */
class DemoQueueLinksTest {
  private static final String PASSWORD = "yishi-demo";
  /** The link of each item of the queue page (the item's first link). */
  private static final Pattern ITEM_LINK = Pattern.compile("<li class=\"queue-item\"[^>]*>\\s*<a href=\"([^\"]+)\"");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.create().env(Map.of("YISHI_DEMO", "true"));
  @FromNode private static Node node;

  private static List<String> queueLinks(Browser b, String user) {
    HttpResponse<String> home = b.get("/");
    assertEquals(200, home.statusCode(), user);
    List<String> links = new ArrayList<>();
    Matcher m = ITEM_LINK.matcher(home.body());
    while (m.find()) {
      links.add(m.group(1).replace("&amp;", "&"));
    }
    return links;
  }

  @Test
  void everyDemoAccountHasWorkAndEveryItemLeadsToItsPage() {
    List<String> users = List.of("admin", "demo-city", "demo-district", "demo-district2", "demo-district3",
        "demo-coordinator", "demo-coordinator2", "demo-coordinator3");
    for (String user : users) {
      Browser b = new Browser(node.baseUrl()).login(user, "admin".equals(user) ? TestNodes.ADMIN_PASSWORD : PASSWORD);
      List<String> links = queueLinks(b, user);
      assertFalse(links.isEmpty(), user + "'s queue is empty");
      for (String link : links) {
        assertTrue(link.startsWith("/"), user + ": a local link " + link);
        HttpResponse<String> page = b.get(link);
        assertEquals(200, page.statusCode(), user + ": " + link + " answers " + page.statusCode());
      }
    }
  }

  @Test
  void demoMembersLandOnTheirSchedule() {
    for (String user : List.of("demo-member", "demo-member2")) {
      Browser b = new Browser(node.baseUrl()).login(user, PASSWORD);
      HttpResponse<String> home = b.get("/");
      assertEquals(303, home.statusCode(), user);
      assertEquals("/my", home.headers().firstValue("Location").orElse(""));
      HttpResponse<String> my = b.get("/my");
      assertEquals(200, my.statusCode(), user);
      assertTrue(my.body().contains("小区充电桩安装协商"), user + "'s coming meeting is on their page");
    }
  }
}
