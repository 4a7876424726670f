package org.yishi.notify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.notify.Notice;
import org.yishi.platform.notify.Notices;
import org.yishi.platform.notify.Outbox;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.FromNode;
import org.yishi.support.MessageGateways;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Staff set a committee member's contacts and notification preferences (the member has no
 * account), and the outbox honours them: the chosen channels per kind, quiet hours for SMS.
 */
class MemberNotificationPreferencesTest {
  private static final ZoneId ZONE = org.yishi.platform.config.AppConfig.DEFAULT_ZONE;
  @RegisterExtension static final MessageGateways gateways = new MessageGateways();
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(gateways.env());
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static String path(long member) {
    return "/api/v1/members/" + member + "/notification-preferences";
  }

  private static long id(String sql, Object... args) {
    return node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await().iterator().next().getLong(0);
  }

  private static void sql(String sql, Object... args) {
    node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await();
  }

  private static void queue(Notice n) {
    node.app().pool().withTransaction(tx -> Outbox.queue(tx, n)).await();
  }

  private static List<JsonObject> rows(String keyPrefix) {
    List<JsonObject> out = new ArrayList<>();
    node.app().pool().preparedQuery("SELECT channel, recipient, member_id, sent_at IS NOT NULL AS sent, last_error"
            + " FROM outbox WHERE dedupe_key LIKE $1 || '%' AND dedupe_key LIKE '%member:%' ORDER BY id")
        .execute(Tuple.of(keyPrefix)).await().forEach(r -> out.add(r.toJson()));
    return out;
  }

  @Test
  void badInputIsRefusedByFieldAndNothingIsHalfWritten() {
    long member = f.taobeiMember;
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    JsonObject read = new JsonObject(api.get(path(member), d1).body());
    assertEquals("王建国", read.getString("name"));
    assertEquals(new JsonArray().add("sms"), read.getJsonObject("channels").getJsonArray("meeting_reminder"), "default: SMS");
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("{\"phone\":\"12345678901\"}", "phone");
    bad.put("{\"phone\":\"0436-1234567\"}", "phone");
    bad.put("{\"phone\":13900000041}", "phone");
    bad.put("{\"email\":\"nobody\"}", "email");
    bad.put("{\"email\":\"a@b\"}", "email");
    bad.put("{\"email\":\"<script>alert(1)</script>@x.cn\"}", "email");
    bad.put("{\"email\":\"" + "a".repeat(96) + "@x.cn\"}", "email");
    bad.put("{\"phone\":\"13900000041\",\"channels\":{\"no_such_kind\":[\"sms\"]}}", "channels");
    bad.put("{\"phone\":\"13900000041\",\"channels\":{\"meeting_reminder\":[\"fax\"]}}", "channels");
    bad.put("{\"phone\":\"13900000041\",\"quietFrom\":\"22:00\"}", "quietTo");
    bad.put("{\"phone\":\"13900000041\",\"quietFrom\":\"24:61\",\"quietTo\":\"07:00\"}", "quietFrom");
    for (Map.Entry<String, String> b : bad.entrySet()) {
      HttpResponse<String> res = api.call("PUT", path(member), d1, b.getKey());
      assertEquals(422, res.statusCode(), b.getKey() + " → " + res.body());
      assertTrue(res.body().contains("\"" + b.getValue() + "\""), b.getKey() + " → " + res.body());
    }
    assertEquals(422, api.call("PUT", path(member), d1, "[1]").statusCode());
    // another district's staff, a coordinator, nobody: refused; no such member: 404
    String body = "{\"phone\":\"13900000041\"}";
    assertEquals(403, api.call("PUT", path(member), api.token("d2", AccountFixtures.PASSWORD), body).statusCode());
    assertEquals(403, api.get(path(member), api.token("d2", AccountFixtures.PASSWORD)).statusCode());
    assertEquals(403, api.call("PUT", path(member), api.token("c1", AccountFixtures.PASSWORD), body).statusCode());
    assertEquals(401, api.call("PUT", path(member), null, body).statusCode());
    assertEquals(404, api.call("PUT", path(999999), d1, body).statusCode());
    var after = node.app().pool().preparedQuery("SELECT phone, email, (SELECT count(*) FROM notify_member_preference WHERE member_id = $1) AS prefs"
        + " FROM member WHERE id = $1").execute(Tuple.of(member)).await().iterator().next();
    assertNull(after.getString("phone"), "nothing half-written");
    assertNull(after.getString("email"));
    assertEquals(0L, after.getLong("prefs"));
  }

  @Test
  void theOutboxHonoursTheChannelsAndQuietHoursStaffSet() {
    long member = id("INSERT INTO member (name, sector, committee_id) VALUES ('李秀英', '农业界', $1) RETURNING id",
        f.committees.get(AccountFixtures.TAOBEI));
    long station = f.stations.get(AccountFixtures.HAIMING);
    long topic = AccountFixtures.approvedTopic(node, station, "MP-偏好");
    OffsetDateTime start = OffsetDateTime.now().plusDays(10).withNano(0);
    long meeting = id("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, kind, status)
        SELECT t.id, t.station_id, t.division_code, $2, $3, '海明议事厅', 'on_site', 'grassroots', 'scheduled' FROM topic t WHERE t.id = $1
        RETURNING id""", topic, start, start.plusHours(2));
    sql("INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        meeting, member, start, start.plusHours(2));

    // a city staff member sets them (the member has no account); e-mail only for changes
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> put = api.call("PUT", path(member), admin, new JsonObject().put("phone", " 13900000041 ")
        .put("email", "li@example.org").put("quietFrom", "22:00").put("quietTo", "07:00")
        .put("channels", new JsonObject().put("meeting_changed", new JsonArray().add("email"))).encode());
    assertEquals(200, put.statusCode(), put.body());
    JsonObject stored = new JsonObject(api.get(path(member), api.token("d1", AccountFixtures.PASSWORD)).body());
    assertEquals("13900000041", stored.getString("phone"));
    assertEquals(new JsonArray().add("email"), stored.getJsonObject("channels").getJsonArray("meeting_changed"));
    assertEquals(new JsonArray().add("sms"), stored.getJsonObject("channels").getJsonArray("meeting_reminder"));
    assertEquals("22:00", stored.getString("quietFrom"));

    queue(Notices.meetingChanged(meeting, 2, station, "MP-偏好", "议事室001", start.toString(), "场地"));
    assertEquals(List.of("email li@example.org"), rows("meeting_changed:" + meeting + ":").stream()
        .map(r -> r.getString("channel") + " " + r.getString("recipient")).toList(), "chose e-mail only: no SMS");

    // a reminder (not urgent) by SMS, held by the member's quiet hours until 07:00
    queue(Notices.meetingReminder(meeting, "72h", station, "MP-偏好", "议事室001", start.toString(), "海明议事厅"));
    List<JsonObject> reminder = rows("reminder:" + meeting + ":72h:");
    assertEquals(1, reminder.size(), reminder.toString());
    assertEquals("sms", reminder.get(0).getString("channel"));
    assertEquals(member, reminder.get(0).getLong("member_id"));
    OffsetDateTime now = OffsetDateTime.now(ZONE);
    OffsetDateTime at = LocalDate.now(ZONE).atTime(23, 30).atZone(ZONE).toOffsetDateTime();
    Instant night = (at.isAfter(now) ? at : at.plusDays(1)).toInstant();
    MessageGateways.deliverAt(node, TestNodes.config(NODE.envOf(0)), night);
    JsonObject held = rows("reminder:" + meeting + ":72h:").get(0);
    assertTrue(!held.getBoolean("sent") && held.getString("last_error").contains("quiet hours of the recipient until 07:00"),
        held.encode());
    MessageGateways.deliverAt(node, TestNodes.config(NODE.envOf(0)), night.plusSeconds(8 * 3600));
    assertTrue(rows("reminder:" + meeting + ":72h:").get(0).getBoolean("sent"));
    assertEquals("13900000041", gateways.sms.accepted().stream()
        .filter(r -> r.body().getString("key").startsWith("reminder:" + meeting + ":72h:member:"))
        .findFirst().orElseThrow().body().getString("to"));

    // clearing the contacts: blank clears, nothing queued for the member any more
    assertEquals(200, api.call("PUT", path(member), admin, "{\"phone\":\"\",\"email\":null}").statusCode());
    queue(Notices.meetingCancelled(meeting, station, "MP-偏好", "议事室001", start.toString(), "取消"));
    assertEquals(0, rows("meeting_cancelled:" + meeting + ":").size());
  }
}
