package org.yishi.account;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.security.RouteInventory;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered route × every role × own/other jurisdiction, through real HTTP (API with bearer
 * tokens, pages with sessions and CSRF tokens). The matrix must name every route the node has: a
 * route added later without an entry here fails {@link #matrixCoversEveryRoute()}.
 */
class AccessMatrixTest {
  private static final List<String> CALLERS = List.of("admin", "city", "city-other", "d1", "d2", "c1", "anon");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  /** One route's expected statuses, per caller, in the order of {@link #CALLERS}. */
  private record Case(String route, String path, Supplier<String> body, int... expected) {
  }

  private static final List<Case> CASES = new ArrayList<>();

  @BeforeAll
  static void start() {
    long c1 = f.ids.get("c1");
    Supplier<String> none = () -> null;
    Supplier<String> editC1 = () -> new JsonObject().put("displayName", "洮北联络员").put("role", "station_coordinator")
        .put("scopeCode", AccountFixtures.TAOBEI).put("stationIds", List.of(f.stations.get(AccountFixtures.HAIMING)))
        .put("version", currentVersion(c1)).encode();
    Supplier<String> newUser = () -> new JsonObject().put("username", "u" + System.nanoTime())
        .put("displayName", "新用户").put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI).encode();
    Supplier<String> wrongPassword = () -> new JsonObject().put("currentPassword", "not-the-password")
        .put("newPassword", "another-password-9").encode();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/users", "/api/v1/users", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /api/v1/users", "/api/v1/users", newUser, 201, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/users/:id", "/api/v1/users/" + c1, none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/users/:id", "/api/v1/users/" + c1, editC1, 200, 403, 403, 403, 403, 403, 401);
    long c3 = f.ids.get("c3"); // the reset target: resetting c1 would lock the c1 caller out
    add("POST /api/v1/users/:id/password-reset", "/api/v1/users/" + c3 + "/password-reset", none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/audit", "/api/v1/audit", none, 200, 200, 200, 200, 200, 403, 401);
    add("GET /api/v1/admin/deliveries", "/api/v1/admin/deliveries?status=failed", none, 200, 403, 403, 403, 403, 403, 401);
    Supplier<String> badTest = () -> new JsonObject().put("channel", "fax").put("to", "x").encode();
    add("POST /api/v1/admin/notifications/test", "/api/v1/admin/notifications/test", badTest, 422, 403, 403, 403, 403, 403, 401);
    Supplier<String> badPort = () -> new JsonObject().put("host", "127.0.0.1").put("port", 70000).put("from", "a@b.cn").encode();
    add("GET /api/v1/admin/notification-channels", "/api/v1/admin/notification-channels", none, 200, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/admin/notification-channels/:channel", "/api/v1/admin/notification-channels/email", badPort, 422, 403, 403, 403, 403, 403, 401);
    add("DELETE /api/v1/admin/notification-channels/:channel", "/api/v1/admin/notification-channels/sms", none, 404, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/admin/notification-channels/robots/:name", "/api/v1/admin/notification-channels/robots/r1", badPort, 422, 403, 403, 403, 403, 403, 401);
    add("DELETE /api/v1/admin/notification-channels/robots/:name", "/api/v1/admin/notification-channels/robots/r1", none, 404, 403, 403, 403, 403, 403, 401);
    Supplier<String> badContact = () -> new JsonObject().put("districtCode", AccountFixtures.TAOBEI).put("unit", "城管局")
        .put("contact", "landline").encode();
    add("GET /api/v1/unit-contacts", "/api/v1/unit-contacts", none, 200, 200, 200, 200, 200, 403, 401);
    add("PUT /api/v1/unit-contacts", "/api/v1/unit-contacts", badContact, 422, 422, 422, 422, 422, 403, 401);
    add("GET /api/v1/me", "/api/v1/me", none, 200, 200, 200, 200, 200, 200, 401);
    Supplier<String> badPrefs = () -> new JsonObject().put("digest", "yes").encode();
    add("GET /api/v1/account/notification-preferences", "/api/v1/account/notification-preferences", none, 200, 200, 200, 200, 200, 200, 401);
    add("PUT /api/v1/account/notification-preferences", "/api/v1/account/notification-preferences", badPrefs, 422, 422, 422, 422, 422, 422, 401);
    add("GET /api/v1/users/:id/notification-preferences", "/api/v1/users/" + c1 + "/notification-preferences", none, 200, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/users/:id/notification-preferences", "/api/v1/users/" + c1 + "/notification-preferences", badPrefs, 422, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/me/queue", "/api/v1/me/queue", none, 200, 200, 200, 200, 200, 200, 401);
    add("PUT /api/v1/me/password", "/api/v1/me/password", wrongPassword, 422, 422, 422, 422, 422, 422, 401);
    add("DELETE /api/v1/auth/token", "/api/v1/auth/token", none, 204, 204, 204, 204, 204, 204, 401);
    add("POST /api/v1/auth/token", "/api/v1/auth/token", () -> "{}", 422, 422, 422, 422, 422, 422, 422);
    add("GET /api/v1/openapi.yaml", "/api/v1/openapi.yaml", none, 200, 200, 200, 200, 200, 200, 200);
    // pages (anonymous GETs are sent to the sign-in page: 303)
    add("GET /admin/users", "/admin/users", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /admin/users/new", "/admin/users/new", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/users", "/admin/users", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /admin/users/:id", "/admin/users/" + c1, none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /admin/users/:id", "/admin/users/" + c1, none, 422, 403, 403, 403, 403, 403, 401);
    add("POST /admin/users/:id/reset-password", "/admin/users/" + c1 + "/reset-password", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /audit", "/audit", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /admin/notifications", "/admin/notifications", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/notifications/test", "/admin/notifications/test", none, 303, 403, 403, 403, 403, 403, 401);
    add("GET /admin/notifications/channels", "/admin/notifications/channels", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/notifications/channels/:channel", "/admin/notifications/channels/email", none, 422, 403, 403, 403, 403, 403, 401);
    add("POST /admin/notifications/channels/:channel/reset", "/admin/notifications/channels/sms/reset", none, 404, 403, 403, 403, 403, 403, 401);
    add("GET /account/password", "/account/password", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /account/notifications", "/account/notifications", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /account/notifications", "/account/notifications", none, 303, 303, 303, 303, 303, 303, 401);
    add("POST /account/password", "/account/password", none, 422, 422, 422, 422, 422, 422, 401);
    add("POST /logout", "/logout", none, 303, 303, 303, 303, 303, 303, 401);
    add("GET /login", "/login", none, 303, 303, 303, 303, 303, 303, 200);
    add("POST /login", "/login", none, 422, 422, 422, 422, 422, 422, 422);
    add("GET /lang/:tag", "/lang/en", none, 303, 303, 303, 303, 303, 303, 303);
    add("POST /lang/:tag", "/lang/en", none, 303, 303, 303, 303, 303, 303, 303);
    add("POST /text-size", "/text-size", none, 422, 422, 422, 422, 422, 422, 422);
    add("GET /", "/", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /health", "/health", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /ready", "/ready", none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /metrics", "/metrics", none, 200, 200, 200, 200, 200, 200, 200);
    // stations: s1 lies in 洮北区 (d1's district, c1's station)
    long s1 = f.stations.get(AccountFixtures.HAIMING);
    long m1 = f.taobeiMember;
    Supplier<String> newStation = () -> new JsonObject().put("name", "新议事室" + System.nanoTime()).put("type", "consultation_room")
        .put("divisionCode", "220802003000").encode();
    Supplier<String> editS1 = () -> new JsonObject().put("name", "议事室001").put("type", "consultation_room")
        .put("divisionCode", AccountFixtures.HAIMING).put("version", stationVersion(s1)).encode();
    Supplier<String> resume = () -> new JsonObject().put("action", "resume").encode();
    Supplier<String> noMembers = () -> new JsonObject().put("memberIds", new io.vertx.core.json.JsonArray()).encode();
    Supplier<String> newMember = () -> new JsonObject().put("name", "李秀英").put("sector", "教育界")
        .put("committeeId", f.committees.get(AccountFixtures.TAOBEI)).encode();
    Supplier<String> editM1 = () -> new JsonObject().put("name", "王建国").put("sector", "经济界")
        .put("committeeId", f.committees.get(AccountFixtures.TAOBEI)).put("active", true).put("version", memberVersion(m1)).encode();
    Supplier<String> newCommittee = () -> new JsonObject().put("name", "镇赉县政协").put("divisionCode", "220821000000").encode();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/stations", "/api/v1/stations", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /api/v1/stations.csv", "/api/v1/stations.csv", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/stations", "/api/v1/stations", newStation, 201, 201, 403, 201, 403, 201, 401);
    add("GET /api/v1/stations/:id", "/api/v1/stations/" + s1, none, 200, 200, 403, 200, 403, 200, 401);
    add("PUT /api/v1/stations/:id", "/api/v1/stations/" + s1, editS1, 200, 200, 403, 200, 403, 200, 401);
    add("POST /api/v1/stations/:id/transitions", "/api/v1/stations/" + s1 + "/transitions", resume, 409, 409, 403, 409, 403, 403, 401);
    add("PUT /api/v1/stations/:id/promised-days", "/api/v1/stations/" + s1 + "/promised-days",
        () -> new JsonObject().put("promisedDays", 10).encode(), 200, 200, 403, 200, 403, 200, 401);
    add("PUT /api/v1/stations/:id/members", "/api/v1/stations/" + s1 + "/members", noMembers, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/members", "/api/v1/members", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /api/v1/members", "/api/v1/members", newMember, 201, 201, 403, 201, 403, 403, 401);
    add("GET /api/v1/members/:id", "/api/v1/members/" + m1, none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/members/:id", "/api/v1/members/" + m1, editM1, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/committees", "/api/v1/committees", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /api/v1/committees/:id", "/api/v1/committees/" + f.committees.get(AccountFixtures.TAOBEI), none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/committees", "/api/v1/committees", newCommittee, 201, 403, 403, 403, 403, 403, 401);
    add("GET /stations", "/stations", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /stations.csv", "/stations.csv", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /stations/approvals", "/stations/approvals", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /stations/new", "/stations/new", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /stations", "/stations", none, 422, 422, 422, 422, 422, 422, 401);
    add("GET /stations/:id", "/stations/" + s1, none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /stations/:id/edit", "/stations/" + s1 + "/edit", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /stations/:id", "/stations/" + s1, none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /stations/:id/transition", "/stations/" + s1 + "/transition", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /stations/:id/promised-days", "/stations/" + s1 + "/promised-days", none, 303, 303, 403, 303, 403, 303, 401);
    add("GET /stations/:id/members", "/stations/" + s1 + "/members", none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /stations/:id/members", "/stations/" + s1 + "/members", none, 303, 303, 403, 303, 403, 403, 401);
    add("GET /members", "/members", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /members/new", "/members/new", none, 200, 200, 200, 200, 200, 403, 303);
    add("POST /members", "/members", none, 422, 422, 422, 422, 422, 403, 401);
    add("GET /members/:id", "/members/" + m1, none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /members/:id", "/members/" + m1, none, 422, 422, 403, 422, 403, 403, 401);
    add("GET /committees", "/committees", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /api/v1/stats/rollup", "/api/v1/stats/rollup?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 401);
    add("POST /api/v1/stats/rebuild", "/api/v1/stats/rebuild", none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/stats/dormant", "/api/v1/stats/dormant?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/stats/overdue", "/api/v1/stats/overdue?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/stats/members", "/api/v1/stats/members?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /stats", "/stats?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /stats/live", "/stats/live?division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /stats/export.csv", "/stats/export.csv?table=children&division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /stats/export.xlsx", "/stats/export.xlsx?table=members&division=" + AccountFixtures.TAOBEI, none, 200, 200, 403, 200, 403, 403, 303);
    Supplier<String> csv = () -> "name,type,division_code\n导入站" + System.nanoTime() + ",协商议事室,220802003000\n";
    add("POST /api/v1/stations/import", "/api/v1/stations/import", csv, 200, 200, 422, 200, 422, 200, 401);
    add("GET /stations/import", "/stations/import", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /stations/import", "/stations/import", none, 422, 422, 422, 422, 422, 422, 401);
    // meetings: an approved topic at s1 and one meeting scheduled there
    long topic = AccountFixtures.approvedTopic(node, s1, "管网疏通");
    // residents' requests: s1 is active now; one request with a photo there (issue 24)
    long request = node.app().pool().preparedQuery("""
            INSERT INTO resident_request (tracking_code, station_id, division_code, category, description, due_on)
            SELECT 'ABCDEFGHJK0123456789', id, division_code, 'livelihood', '路灯不亮', current_date + 7 FROM station WHERE id = $1
            RETURNING id""").execute(io.vertx.sqlclient.Tuple.of(s1)).await().iterator().next().getLong(0);
    node.app().pool().preparedQuery("INSERT INTO resident_request_photo (request_id, media_type, content) VALUES ($1, 'image/png', $2)")
        .execute(io.vertx.sqlclient.Tuple.of(request, io.vertx.core.buffer.Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))).await();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /r/:id", "/r/" + s1, none, 200, 200, 200, 200, 200, 200, 200);
    add("GET /r/track", "/r/track", none, 200, 200, 200, 200, 200, 200, 200);
    add("POST /r/submit", "/r/submit", none, 404, 404, 404, 404, 404, 404, 404);
    add("GET /stations/:id/poster", "/stations/" + s1 + "/poster", none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /requests", "/requests", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /requests/stats", "/requests/stats", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /requests/:id", "/requests/" + request, none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /requests/:id/photo", "/requests/" + request + "/photo", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /requests/:id/triage", "/requests/" + request + "/triage", none, 422, 403, 403, 403, 403, 422, 401);
    add("GET /api/v1/requests", "/api/v1/requests", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /api/v1/requests/stats", "/api/v1/requests/stats", none, 200, 200, 200, 200, 200, 403, 401);
    java.time.OffsetDateTime base = java.time.OffsetDateTime.now().plusDays(10).withHour(9).withMinute(0).withSecond(0).withNano(0);
    long meeting = node.services().meetings().schedule(
        node.accounts().store().byUsername("admin").await().principal(),
        new org.yishi.meeting.MeetingService.MeetingInput(topic, base, base.plusHours(2), "社区会议室", "on_site", null,
            "grassroots", null, null, List.of(), List.of())).await().getLong("id");
    int[] slot = {0};
    Supplier<String> newMeeting = () -> {
      java.time.OffsetDateTime at = base.plusDays(1 + slot[0]++);
      return new JsonObject().put("topicId", topic).put("startsAt", at.toString()).put("endsAt", at.plusHours(1).toString())
          .put("venue", "会议室").put("format", "on_site").put("kind", "forum").encode();
    };
    Supplier<String> staleMove = () -> new JsonObject().put("startsAt", base.plusHours(3).toString())
        .put("endsAt", base.plusHours(4).toString()).put("reason", "调整").put("version", 999).encode();
    Supplier<String> empty = () -> "{}";
    add("GET /api/v1/meetings", "/api/v1/meetings", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/meetings", "/api/v1/meetings", newMeeting, 201, 201, 403, 201, 403, 201, 401);
    add("GET /api/v1/meetings/:id", "/api/v1/meetings/" + meeting, none, 200, 200, 403, 200, 403, 200, 401);
    add("POST /api/v1/meetings/:id/reschedule", "/api/v1/meetings/" + meeting + "/reschedule", staleMove, 409, 409, 403, 409, 403, 409, 401);
    add("POST /api/v1/meetings/:id/cancel", "/api/v1/meetings/" + meeting + "/cancel", empty, 422, 422, 403, 422, 403, 422, 401);
    add("PUT /api/v1/meetings/:id/participants", "/api/v1/meetings/" + meeting + "/participants", empty, 422, 422, 403, 422, 403, 422, 401);
    add("GET /api/v1/notifications", "/api/v1/notifications", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/notifications/:id/read", "/api/v1/notifications/999999/read", none, 404, 404, 404, 404, 404, 404, 401);
    add("GET /meetings/new", "/meetings/new", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /meetings", "/meetings", none, 422, 422, 422, 422, 422, 422, 401);
    add("GET /meetings/:id", "/meetings/" + meeting, none, 200, 200, 403, 200, 403, 200, 303);
    // check-in (issue 23): the coordinator's views of the future meeting at s1; scanning is open (a bad code: 422 for all)
    Supplier<String> nothingMarked = () -> new JsonObject().put("memberIds", new io.vertx.core.json.JsonArray()).encode();
    // a malformed user name (422) where the caller may open the account: no account is made for the other tests to see
    Supplier<String> newMemberAccount = () -> new JsonObject().put("username", "<bad name>").encode();
    add("POST /api/v1/checkin", "/api/v1/checkin", () -> "{}", 422, 422, 422, 422, 422, 422, 422);
    add("GET /api/v1/meetings/:id/checkins", "/api/v1/meetings/" + meeting + "/checkins", none, 200, 200, 403, 200, 403, 200, 401);
    add("POST /api/v1/meetings/:id/checkins", "/api/v1/meetings/" + meeting + "/checkins", nothingMarked, 422, 422, 403, 422, 403, 422, 401);
    add("DELETE /api/v1/meetings/:id/checkins/:checkinId", "/api/v1/meetings/" + meeting + "/checkins/999999", none, 404, 404, 403, 404, 403, 404, 401);
    add("GET /api/v1/meetings/:id/checkin-members", "/api/v1/meetings/" + meeting + "/checkin-members?q=王", none, 200, 200, 403, 200, 403, 200, 401);
    add("GET /checkin/:code", "/checkin/1.2.3.AAAAAAAAAAAAAAAAAAAAAA", none, 422, 422, 422, 422, 422, 422, 422);
    add("POST /checkin/:code", "/checkin/1.2.3.AAAAAAAAAAAAAAAAAAAAAA", none, 422, 422, 422, 422, 422, 422, 422);
    add("GET /meetings/:id/checkin", "/meetings/" + meeting + "/checkin", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /meetings/:id/checkin", "/meetings/" + meeting + "/checkin", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /meetings/:id/checkin/:checkinId/remove", "/meetings/" + meeting + "/checkin/999999/remove", none, 404, 404, 403, 404, 403, 404, 401);
    add("GET /meetings/:id/checkin/poster", "/meetings/" + meeting + "/checkin/poster", none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /meetings/:id/checkin/qr.svg", "/meetings/" + meeting + "/checkin/qr.svg", none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /meetings/:id/checkin/qr.png", "/meetings/" + meeting + "/checkin/qr.png", none, 200, 200, 403, 200, 403, 200, 303);
    // members' own pages: role member only (their answers are in org.yishi.checkin.MemberRouteSweepTest)
    add("GET /api/v1/my/invitations", "/api/v1/my/invitations", none, 403, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/my/invitations/:id", "/api/v1/my/invitations/" + meeting, () -> "{\"reply\":\"confirmed\"}", 403, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/my/record", "/api/v1/my/record", none, 403, 403, 403, 403, 403, 403, 401);
    add("GET /my", "/my", none, 403, 403, 403, 403, 403, 403, 303);
    add("POST /my/invitations/:id/reply", "/my/invitations/" + meeting + "/reply", none, 403, 403, 403, 403, 403, 403, 401);
    add("GET /my/record", "/my/record", none, 403, 403, 403, 403, 403, 403, 303);
    long taobeiCommittee = f.committees.get(AccountFixtures.TAOBEI);
    int pdfStatusM = org.yishi.report.ReportPdfProbe.fontFound() ? 200 : 503;
    Supplier<String> divideByZero = () -> new JsonObject().put("year", 2026).put("rules", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("kind", "attended").put("points", 2).put("per", 0))).encode();
    add("GET /api/v1/committees/:id/points-rules", "/api/v1/committees/" + taobeiCommittee + "/points-rules", none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/committees/:id/points-rules", "/api/v1/committees/" + taobeiCommittee + "/points-rules", divideByZero, 422, 422, 403, 422, 403, 403, 401);
    add("GET /members/:id/notifications", "/members/" + m1 + "/notifications", none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /members/:id/notifications", "/members/" + m1 + "/notifications", none, 303, 303, 403, 303, 403, 403, 401);
    Supplier<String> badMemberPrefs = () -> new JsonObject().put("phone", "0436-1234567").encode();
    add("GET /api/v1/members/:id/notification-preferences", "/api/v1/members/" + m1 + "/notification-preferences", none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/members/:id/notification-preferences", "/api/v1/members/" + m1 + "/notification-preferences", badMemberPrefs, 422, 422, 403, 422, 403, 403, 401);
    add("GET /api/v1/members/:id/record", "/api/v1/members/" + m1 + "/record", none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/members/:id/record/pdf", "/api/v1/members/" + m1 + "/record/pdf", none, pdfStatusM, pdfStatusM, 403, pdfStatusM, 403, 403, 401);
    add("GET /api/v1/members/:id/record/xlsx", "/api/v1/members/" + m1 + "/record/xlsx", none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /my/record/pdf", "/my/record/pdf", none, 403, 403, 403, 403, 403, 403, 303);
    add("GET /my/record/xlsx", "/my/record/xlsx", none, 403, 403, 403, 403, 403, 403, 303);
    add("GET /member-ranking", "/member-ranking", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /committees/:id/points-rules", "/committees/" + taobeiCommittee + "/points-rules", none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /committees/:id/points-rules", "/committees/" + taobeiCommittee + "/points-rules", none, 422, 422, 403, 422, 403, 403, 401);
    add("POST /committees/:id/points-rules/delete", "/committees/" + taobeiCommittee + "/points-rules/delete", none, 422, 422, 403, 422, 403, 403, 401);
    add("GET /members/:id/record", "/members/" + m1 + "/record", none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /members/:id/record/pdf", "/members/" + m1 + "/record/pdf", none, pdfStatusM, pdfStatusM, 403, pdfStatusM, 403, 403, 303);
    add("GET /members/:id/record/xlsx", "/members/" + m1 + "/record/xlsx", none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /api/v1/member-ranking", "/api/v1/member-ranking", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /members/:id/account", "/members/" + f.taobeiMember + "/account", none, 422, 422, 403, 422, 403, 403, 401);
    add("POST /api/v1/members/:id/account", "/api/v1/members/" + f.taobeiMember + "/account", newMemberAccount, 422, 422, 403, 422, 403, 403, 401);
    // invitation links: the fixture member has no contact to send a link to (422); anyone may try a link (410 / 422 for an unusable one)
    add("POST /members/:id/invitation", "/members/" + f.taobeiMember + "/invitation", none, 422, 422, 403, 422, 403, 403, 401);
    add("POST /api/v1/members/:id/invitation", "/api/v1/members/" + f.taobeiMember + "/invitation", newMemberAccount, 422, 422, 403, 422, 403, 403, 401);
    add("POST /api/v1/invitations/accept", "/api/v1/invitations/accept", () -> "{}", 422, 422, 422, 422, 422, 422, 422);
    add("GET /join/:token", "/join/" + "A".repeat(43), none, 410, 410, 410, 410, 410, 410, 410);
    add("POST /join/:token", "/join/" + "A".repeat(43), none, 410, 410, 410, 410, 410, 410, 410);

    add("POST /meetings/:id/reschedule", "/meetings/" + meeting + "/reschedule", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /meetings/:id/cancel", "/meetings/" + meeting + "/cancel", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /meetings/:id/participants", "/meetings/" + meeting + "/participants", none, 422, 422, 403, 422, 403, 422, 401);
    add("GET /calendar", "/calendar", none, 200, 200, 200, 200, 200, 200, 303);
    // feed links: an empty form names no unit (422); a token nobody holds is 404 for everyone (see feedLinks… below)
    add("POST /calendar/feeds", "/calendar/feeds", none, 422, 422, 422, 422, 422, 422, 401);
    add("GET /calendar/feed/:file", "/calendar/feed/" + "A".repeat(43) + ".ics", none, 404, 404, 404, 404, 404, 404, 404);
    add("GET /account/feeds", "/account/feeds", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /account/feeds/:id/revoke", "/account/feeds/999999/revoke", none, 404, 404, 404, 404, 404, 404, 401);
    add("POST /admin/users/:id/feeds/:feedId/revoke", "/admin/users/" + c1 + "/feeds/999999/revoke", none,
        404, 403, 403, 403, 403, 403, 401);
    add("GET /notifications", "/notifications", none, 200, 200, 200, 200, 200, 200, 303);
    // records: a meeting that already started (moved into the past)
    long past = node.services().meetings().schedule(
        node.accounts().store().byUsername("admin").await().principal(),
        new org.yishi.meeting.MeetingService.MeetingInput(topic, base.plusDays(200), base.plusDays(200).plusHours(2), "会议室",
            "on_site", null, "forum", null, null, List.of(), List.of())).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = "
        + past).execute().await();
    Supplier<String> record = () -> new JsonObject().put("held", true).put("actualStart", base.minusDays(11).toString())
        .put("actualEnd", base.minusDays(11).plusHours(2).toString()).put("suggestionsCount", 3).encode();
    Supplier<String> staleReturn = () -> new JsonObject().put("reason", "请补充纪要").put("version", 999).encode();
    add("GET /api/v1/meetings/:id/record", "/api/v1/meetings/" + past + "/record", none, 404, 404, 403, 404, 403, 404, 401);
    add("PUT /api/v1/meetings/:id/record", "/api/v1/meetings/" + past + "/record", record, 200, 409, 403, 409, 403, 409, 401);
    add("POST /api/v1/meetings/:id/record/return", "/api/v1/meetings/" + past + "/record/return", staleReturn, 409, 409, 403, 409, 403, 403, 401);
    add("GET /meetings/:id/record", "/meetings/" + past + "/record", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /meetings/:id/record", "/meetings/" + past + "/record", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /meetings/:id/record/return", "/meetings/" + past + "/record/return", none, 422, 422, 403, 422, 403, 403, 401);
    Supplier<String> pdf = () -> "%PDF-1.4 minutes";
    add("POST /api/v1/attachments", "/api/v1/attachments?meetingId=" + past + "&name=minutes.pdf", pdf, 201, 201, 403, 201, 403, 201, 401);
    add("GET /api/v1/meetings/:id/attachments", "/api/v1/meetings/" + past + "/attachments", none, 200, 200, 403, 200, 403, 200, 401);
    add("GET /meetings/:id/attachments/:fileId", "/meetings/" + past + "/attachments/999999", none, 404, 404, 403, 404, 403, 404, 303);
    add("GET /api/v1/meetings/:id/attachments/:fileId", "/api/v1/meetings/" + past + "/attachments/999999", none, 404, 404, 403, 404, 403, 404, 401);
    add("POST /meetings/attachments", "/meetings/attachments?meeting=" + past, none, 422, 422, 403, 422, 403, 422, 401);
    // topics and yearly plans: t1 is a draft at s1; plan p1 of 洮北区政协 has item i1, which topic t2 names
    var adminP = node.accounts().store().byUsername("admin").await().principal();
    var topicService = node.services().topics();
    var planService = node.services().plans();
    long p1 = planService.create(adminP, new org.yishi.plan.PlanService.PlanInput(f.committees.get(AccountFixtures.TAOBEI), 2025,
        "洮北区政协2025年度协商计划", null)).await().getLong("id");
    long i1 = planService.addItem(adminP, p1, new org.yishi.plan.PlanStore.ItemValues("老旧小区改造", null,
        org.yishi.plan.PlanItemKind.THEMATIC_CONSULTATION, null, 2, 0)).await().getLong("id");
    long t1 = topicService.create(adminP, new org.yishi.topic.TopicService.TopicInput(s1, "社区停车难", null, "livelihood",
        org.yishi.topic.TopicSource.RESIDENTS, null, null, null, null, null, null, null, null), false).await().getLong("id");
    topicService.create(adminP, new org.yishi.topic.TopicService.TopicInput(s1, "老旧小区改造", null, "livelihood",
        org.yishi.topic.TopicSource.YEARLY_PLAN, i1, null, null, null, null, null, null, null), false).await();
    java.util.concurrent.atomic.AtomicInteger years = new java.util.concurrent.atomic.AtomicInteger(2050);
    java.util.concurrent.atomic.AtomicInteger keys = new java.util.concurrent.atomic.AtomicInteger();
    Supplier<String> newCategory = () -> new JsonObject().put("key", "cat_" + "abcdefghij".charAt(keys.get() % 10)
        + "abcdefghij".charAt(keys.getAndIncrement() / 10 % 10)).put("nameZh", "新类别").put("nameEn", "New").encode();
    Supplier<String> otherCategory = () -> new JsonObject().put("nameZh", "其他").put("nameEn", "Other").put("sort", 90).encode();
    Supplier<String> newTopic = () -> new JsonObject().put("stationId", s1).put("title", "新议题").put("category", "economy")
        .put("source", "member").encode();
    Supplier<String> editT1 = () -> new JsonObject().put("title", "社区停车难").put("category", "livelihood").put("source", "residents")
        .put("version", topicVersion(t1)).encode();
    Supplier<String> approve = () -> new JsonObject().put("action", "approve").encode();
    Supplier<String> newPlan = () -> new JsonObject().put("committeeId", f.committees.get(AccountFixtures.TAOBEI))
        .put("year", years.getAndIncrement()).put("title", "计划").encode();
    Supplier<String> editP1 = () -> new JsonObject().put("year", 2025).put("title", "洮北区政协2025年度协商计划")
        .put("version", planVersion(p1)).encode();
    Supplier<String> newItem = () -> new JsonObject().put("title", "新选题").put("kind", "other").put("targetQuarter", 1).encode();
    Supplier<String> editI1 = () -> new JsonObject().put("title", "老旧小区改造").put("kind", "thematic_consultation")
        .put("targetQuarter", 2).encode();
    String item1 = "/plans/" + p1 + "/items/" + i1;
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/topic-categories", "/api/v1/topic-categories", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/topic-categories", "/api/v1/topic-categories", newCategory, 201, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/topic-categories/:key", "/api/v1/topic-categories/other", otherCategory, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/topics", "/api/v1/topics", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/topics", "/api/v1/topics", newTopic, 201, 201, 403, 201, 403, 201, 401);
    add("GET /api/v1/topics/:id", "/api/v1/topics/" + t1, none, 200, 200, 403, 200, 403, 200, 401);
    add("PUT /api/v1/topics/:id", "/api/v1/topics/" + t1, editT1, 200, 200, 403, 200, 403, 200, 401);
    add("POST /api/v1/topics/:id/transitions", "/api/v1/topics/" + t1 + "/transitions", approve, 409, 409, 403, 409, 403, 403, 401);
    add("GET /topics", "/topics", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /topics/approvals", "/topics/approvals", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /topics/new", "/topics/new", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /topics", "/topics", none, 422, 422, 422, 422, 422, 422, 401);
    add("GET /topics/:id", "/topics/" + t1, none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /topics/:id/edit", "/topics/" + t1 + "/edit", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /topics/:id", "/topics/" + t1, none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /topics/:id/transition", "/topics/" + t1 + "/transition", none, 422, 422, 403, 422, 403, 422, 401);
    add("GET /api/v1/plans", "/api/v1/plans", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /api/v1/plans", "/api/v1/plans", newPlan, 201, 201, 403, 201, 403, 403, 401);
    add("GET /api/v1/plans/:id", "/api/v1/plans/" + p1, none, 200, 200, 403, 200, 403, 403, 401);
    add("PUT /api/v1/plans/:id", "/api/v1/plans/" + p1, editP1, 200, 200, 403, 200, 403, 403, 401);
    add("POST /api/v1/plans/:id/items", "/api/v1/plans/" + p1 + "/items", newItem, 201, 201, 403, 201, 403, 403, 401);
    add("PUT /api/v1/plans/:id/items/:itemId", "/api/v1" + item1, editI1, 200, 200, 403, 200, 403, 403, 401);
    add("DELETE /api/v1/plans/:id/items/:itemId", "/api/v1" + item1, none, 409, 409, 403, 409, 403, 403, 401);
    add("GET /plans", "/plans", none, 200, 200, 200, 200, 200, 403, 303);
    add("GET /plans/new", "/plans/new", none, 200, 200, 200, 200, 200, 403, 303);
    add("POST /plans", "/plans", none, 422, 422, 422, 422, 422, 403, 401);
    add("GET /plans/:id", "/plans/" + p1, none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /plans/:id/items", "/plans/" + p1 + "/items", none, 422, 422, 403, 422, 403, 403, 401);
    add("GET /plans/:id/items/:itemId/delete", item1 + "/delete", none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /plans/:id/items/:itemId/delete", item1 + "/delete", none, 409, 409, 403, 409, 403, 403, 401);
    // outcomes: o1 is a referred outcome of a meeting at s1 that has started (moved into the past with SQL)
    long started = node.services().meetings().schedule(adminP,
        new org.yishi.meeting.MeetingService.MeetingInput(topic, base.plusDays(30), base.plusDays(30).plusHours(1), "社区会议室",
            "on_site", null, "grassroots", null, null, List.of(), List.of())).await().getLong("id");
    node.app().pool().query("UPDATE meeting SET starts_at = now() - interval '7 hours', ends_at = now() - interval '6 hours' WHERE id = "
        + started).execute().await();
    var outcomeService = node.services().outcomes();
    String due = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).plusDays(30).toString();
    long o1 = outcomeService.create(adminP, new org.yishi.outcome.OutcomeService.OutcomeInput(started,
        new org.yishi.outcome.OutcomeStore.OutcomeValues("管网改造建议", "suggestion_letter", "区住建局", null,
            java.time.LocalDate.parse(due)), null)).await().getLong("id");
    Supplier<String> newOutcome = () -> new JsonObject().put("meetingId", started).put("content", "新成果").put("form", "minutes")
        .put("responsibleUnit", "区民政局").put("dueOn", due).encode();
    Supplier<String> editO1 = () -> new JsonObject().put("content", "管网改造建议").put("form", "suggestion_letter")
        .put("responsibleUnit", "区住建局").put("dueOn", due).put("version", outcomeVersion(o1)).encode();
    Supplier<String> implementO1 = () -> new JsonObject().put("action", "implement").put("evidence", "已完成")
        .put("version", outcomeVersion(o1)).encode();
    Supplier<String> notTypical = () -> new JsonObject().put("typical", false).encode();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/outcomes", "/api/v1/outcomes", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/outcomes", "/api/v1/outcomes", newOutcome, 201, 201, 403, 201, 403, 201, 401);
    add("GET /api/v1/outcomes/:id", "/api/v1/outcomes/" + o1, none, 200, 200, 403, 200, 403, 200, 401);
    add("PUT /api/v1/outcomes/:id", "/api/v1/outcomes/" + o1, editO1, 200, 200, 403, 200, 403, 200, 401);
    add("POST /api/v1/outcomes/:id/transitions", "/api/v1/outcomes/" + o1 + "/transitions", implementO1, 409, 409, 403, 409, 403, 409, 401);
    add("PUT /api/v1/outcomes/:id/members", "/api/v1/outcomes/" + o1 + "/members", () -> "{\"suggesters\":[]}", 200, 200, 403, 200, 403, 200, 401);
    add("POST /outcomes/:id/members", "/outcomes/" + o1 + "/members", none, 303, 303, 403, 303, 403, 303, 401);
    add("PUT /api/v1/outcomes/:id/typical", "/api/v1/outcomes/" + o1 + "/typical", notTypical, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/cases", "/api/v1/cases", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /outcomes", "/outcomes", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /outcomes/new", "/outcomes/new", none, 200, 200, 200, 200, 200, 200, 303);
    add("POST /outcomes", "/outcomes", none, 422, 422, 422, 422, 422, 422, 401);
    add("GET /outcomes/:id", "/outcomes/" + o1, none, 200, 200, 403, 200, 403, 200, 303);
    add("GET /outcomes/:id/edit", "/outcomes/" + o1 + "/edit", none, 200, 200, 403, 200, 403, 200, 303);
    add("POST /outcomes/:id", "/outcomes/" + o1, none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /outcomes/:id/transition", "/outcomes/" + o1 + "/transition", none, 422, 422, 403, 422, 403, 422, 401);
    add("POST /outcomes/:id/typical", "/outcomes/" + o1 + "/typical", none, 422, 422, 403, 422, 403, 403, 401);
    add("GET /cases", "/cases", none, 200, 200, 200, 200, 200, 200, 303);
    // divisions: readable by everyone signed in; imports by admins only (the 白城 slice imported first)
    long divisionImport = org.yishi.division.DivisionFixtures.importBaicheng(node);
    Supplier<String> headerOnlyCsv = () -> "code,name,level,parent_code\n";
    add("GET /api/v1/divisions", "/api/v1/divisions?parent=220800000000", none, 200, 200, 200, 200, 200, 200, 401);
    add("GET /api/v1/divisions/:code", "/api/v1/divisions/220802000000", none, 200, 200, 200, 200, 200, 200, 401);
    add("POST /api/v1/divisions/imports", "/api/v1/divisions/imports", headerOnlyCsv, 202, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/divisions/imports", "/api/v1/divisions/imports", none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/divisions/imports/:id", "/api/v1/divisions/imports/" + divisionImport, none, 200, 403, 403, 403, 403, 403, 401);
    add("GET /divisions", "/divisions?parent=220802000000", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /divisions/options", "/divisions/options?parent=220800000000", none, 200, 200, 200, 200, 200, 200, 303);
    add("GET /admin/divisions", "/admin/divisions", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/divisions/imports", "/admin/divisions/imports", none, 422, 403, 403, 403, 403, 403, 401);
    add("GET /admin/divisions/imports/:id", "/admin/divisions/imports/" + divisionImport, none, 200, 403, 403, 403, 403, 403, 303);
    add("GET /admin/divisions/imports/:id/status", "/admin/divisions/imports/" + divisionImport + "/status", none, 200, 403, 403, 403, 403, 403, 303);
    // reports: r1 is a monthly report of 洮北区 (d1's district, in the city of "city")
    String lastMonth = java.time.YearMonth.now(java.time.ZoneId.of("Asia/Shanghai")).minusMonths(1).toString();
    long r1 = node.services().reports().generate(adminP,
        org.yishi.report.ReportPeriod.parse(org.yishi.report.ReportPeriod.Kind.MONTHLY, lastMonth, "period"), AccountFixtures.TAOBEI)
        .await().getLong("id");
    Supplier<String> generateTaobei = () -> new JsonObject().put("kind", "monthly").put("unit", AccountFixtures.TAOBEI)
        .put("period", lastMonth).encode();
    Supplier<String> badCron = () -> new JsonObject().put("cron", "0 25 1 * *").encode();
    //                       admin city  c-oth d1   d2   c1   anon
    add("GET /api/v1/reports", "/api/v1/reports", none, 200, 200, 200, 200, 200, 403, 401);
    add("POST /api/v1/reports/generate", "/api/v1/reports/generate", generateTaobei, 201, 201, 403, 201, 403, 403, 401);
    add("GET /api/v1/reports/schedules", "/api/v1/reports/schedules", none, 200, 403, 403, 403, 403, 403, 401);
    add("PUT /api/v1/reports/schedules/:id", "/api/v1/reports/schedules/city_monthly", badCron, 422, 403, 403, 403, 403, 403, 401);
    add("GET /api/v1/reports/:id", "/api/v1/reports/" + r1, none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/reports/:id/xlsx", "/api/v1/reports/" + r1 + "/xlsx", none, 200, 200, 403, 200, 403, 403, 401);
    add("GET /api/v1/reports/:id/csv", "/api/v1/reports/" + r1 + "/csv", none, 200, 200, 403, 200, 403, 403, 401);
    // PDF: 200 where a CJK font is found (the test machines have one), else 503 for everyone allowed
    int pdfStatus = org.yishi.report.ReportPdfProbe.fontFound() ? 200 : 503;
    add("GET /api/v1/reports/:id/pdf", "/api/v1/reports/" + r1 + "/pdf", none, pdfStatus, pdfStatus, 403, pdfStatus, 403, 403, 401);
    add("GET /reports/:id/pdf", "/reports/" + r1 + "/pdf", none, pdfStatus, pdfStatus, 403, pdfStatus, 403, 403, 303);
    add("POST /api/v1/reports/:id/regenerate", "/api/v1/reports/" + r1 + "/regenerate", none, 201, 201, 403, 201, 403, 403, 401);
    add("GET /reports", "/reports", none, 200, 200, 200, 200, 200, 403, 303);
    add("POST /reports/generate", "/reports/generate", none, 422, 422, 422, 422, 422, 403, 401);
    add("GET /reports/:id", "/reports/" + r1, none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /reports/:id/xlsx", "/reports/" + r1 + "/xlsx", none, 200, 200, 403, 200, 403, 403, 303);
    add("GET /reports/:id/csv", "/reports/" + r1 + "/csv", none, 200, 200, 403, 200, 403, 403, 303);
    add("POST /reports/:id/regenerate", "/reports/" + r1 + "/regenerate", none, 303, 303, 403, 303, 403, 403, 401);
    add("GET /admin/report-schedules", "/admin/report-schedules", none, 200, 403, 403, 403, 403, 403, 303);
    add("POST /admin/report-schedules/:id", "/admin/report-schedules/city_monthly", none, 422, 403, 403, 403, 403, 403, 401);
  }

  private static void add(String route, String path, Supplier<String> body, int... expected) {
    CASES.add(new Case(route, path, body, expected));
  }

  private static int stationVersion(long id) {
    return new org.yishi.station.StationStore(node.app().pool(), node.app().config().zone()).byId(id).await().getInteger("version");
  }

  private static int memberVersion(long id) {
    return new org.yishi.member.MemberStore(node.app().pool()).byId(node.app().pool(), id).await().getInteger("version");
  }

  private static int topicVersion(long id) {
    return new org.yishi.topic.TopicStore(node.app().pool(), node.app().config().zone()).byId(node.app().pool(), id).await().getInteger("version");
  }

  private static int planVersion(long id) {
    return new org.yishi.plan.PlanStore(node.app().pool(), node.app().config().zone()).byId(node.app().pool(), id).await().getInteger("version");
  }

  private static int outcomeVersion(long id) {
    return new org.yishi.outcome.OutcomeStore(node.app().pool(), node.app().config().zone()).byId(node.app().pool(), id).await().getInteger("version");
  }

  private static int currentVersion(long id) {
    return node.accounts().get(id).await().version();
  }

  @Test
  void matrixCoversEveryRoute() {
    Set<String> registered = new TreeSet<>(node.app().routes().routes().keySet());
    Set<String> inMatrix = CASES.stream().map(Case::route).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(registered, inMatrix, "every route needs a row in the access matrix");
  }

  @Test
  void everyRoleGetsExactlyItsExpectedAnswer() {
    List<String> mismatches = new ArrayList<>();
    for (Case c : CASES) {
      String method = c.route().substring(0, c.route().indexOf(' '));
      for (int i = 0; i < CALLERS.size(); i++) {
        String caller = CALLERS.get(i);
        int status = c.path().startsWith("/api/") ? callApi(caller, method, c) : callPage(caller, method, c);
        if (status != c.expected()[i]) {
          mismatches.add(c.route() + " as " + caller + ": expected " + c.expected()[i] + ", got " + status);
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  private int callApi(String caller, String method, Case c) {
    String token = "anon".equals(caller) ? null : api.token(caller, AccountFixtures.passwordOf(caller));
    HttpResponse<String> r = api.call(method, c.path(), token, c.body().get());
    if (r.statusCode() >= 400 && !c.path().endsWith("openapi.yaml")) {
      Api.errorCode(r); // every error is the contract's JSON
    }
    return r.statusCode();
  }

  private int callPage(String caller, String method, Case c) {
    Browser b = new Browser(node.baseUrl());
    if ("anon".equals(caller)) {
      b.get("/login"); // a session with a CSRF token, but nobody signed in
    } else {
      b.login(caller, AccountFixtures.passwordOf(caller)).get("/");
    }
    if ("GET /stats/live".equals(c.route())) { // an event stream does not end: its status is all there is to check
      HttpResponse<java.io.InputStream> stream = b.stream(c.path());
      try {
        stream.body().close();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return stream.statusCode();
    }
    HttpResponse<String> r = "GET".equals(method) ? b.get(c.path()) : b.post(c.path(), Map.of());
    if (r.statusCode() == 303 && "anon".equals(caller) && "GET".equals(method) && !c.route().contains("/lang/")
        && !c.path().equals("/login")) {
      assertTrue(r.headers().firstValue("Location").orElse("").startsWith("/login?back="), c.route());
    }
    return r.statusCode();
  }

  /**
   * Feed links, for every role and every kind of unit: a link is made (201) exactly for the units
   * inside the caller's jurisdiction, 403 otherwise with nothing stored; the calendar page answers the
   * same for the unit it is asked to show; and the feed of each link made holds only meetings inside
   * the owner's jurisdiction.
   */
  @Test
  void feedLinksFollowTheJurisdictionForEveryRoleAndUnit() {
    long s1 = f.stations.get(AccountFixtures.HAIMING);
    long s3 = f.stations.get(AccountFixtures.CHANGQING);
    long s2 = f.stations.get(AccountFixtures.TUANJIE);
    Map<String, String> units = new LinkedHashMap<>();
    units.put("station=" + s1, "s1");
    units.put("station=" + s3, "s3");
    units.put("station=" + s2, "s2");
    units.put("district=" + AccountFixtures.TAOBEI, "taobei");
    units.put("district=" + AccountFixtures.TAONAN, "taonan");
    units.put("district=" + AccountFixtures.BAICHENG, "baicheng");
    units.put("district=" + AccountFixtures.CHANGCHUN, "changchun");
    Map<String, Set<String>> inside = Map.of(
        "admin", Set.of("s1", "s3", "s2", "taobei", "taonan", "baicheng", "changchun"),
        "city", Set.of("s1", "s3", "s2", "taobei", "taonan", "baicheng"),
        "city-other", Set.of("changchun"),
        "d1", Set.of("s1", "s3", "taobei"),
        "d2", Set.of("s2", "taonan"),
        "c1", Set.of("s1"));
    List<String> mismatches = new ArrayList<>();
    for (String caller : CALLERS) {
      Browser b = new Browser(node.baseUrl());
      if ("anon".equals(caller)) {
        b.get("/login");
      } else {
        b.login(caller, AccountFixtures.passwordOf(caller)).get("/account/feeds");
      }
      for (Map.Entry<String, String> unit : units.entrySet()) {
        String[] kv = unit.getKey().split("=");
        boolean in = inside.getOrDefault(caller, Set.of()).contains(unit.getValue());
        long before = count("SELECT count(*) FROM calendar_feed_token");
        HttpResponse<String> made = b.post("/calendar/feeds", Map.of(kv[0], kv[1]));
        int expected = "anon".equals(caller) ? 401 : in ? 201 : 403;
        if (made.statusCode() != expected) {
          mismatches.add("feed link of " + unit.getValue() + " as " + caller + ": expected " + expected + ", got " + made.statusCode());
        }
        if (expected != 201 && count("SELECT count(*) FROM calendar_feed_token") != before) {
          mismatches.add("a refused feed link of " + unit.getValue() + " as " + caller + " was stored");
        }
        int page = b.get("/calendar?" + unit.getKey()).statusCode();
        int expectedPage = "anon".equals(caller) ? 303 : in ? 200 : 403;
        if (page != expectedPage) {
          mismatches.add("/calendar?" + unit.getKey() + " as " + caller + ": expected " + expectedPage + ", got " + page);
        }
        java.util.regex.Matcher link = java.util.regex.Pattern.compile("id=\"feed-link\"[^>]*>(/calendar/feed/[^<]+)<")
            .matcher(made.body());
        if (made.statusCode() == 201 && link.find()) {
          String feed = Http.get(node.baseUrl() + link.group(1)).body();
          java.util.regex.Matcher uid = java.util.regex.Pattern.compile("UID:meeting-(\\d+)@yishi").matcher(feed);
          while (uid.find()) {
            String where = String.valueOf(node.app().pool().query("SELECT s.division_code FROM meeting m JOIN station s ON s.id = m.station_id"
                + " WHERE m.id = " + uid.group(1)).execute().await().iterator().next().getValue(0)).trim();
            long station = (Long) node.app().pool().query("SELECT station_id FROM meeting WHERE id = " + uid.group(1)).execute().await()
                .iterator().next().getValue(0);
            var owner = node.accounts().store().byUsername(caller).await().principal();
            if (!owner.jurisdiction().coversStation(station, where)) {
              mismatches.add("the feed of " + unit.getValue() + " made by " + caller + " carries meeting " + uid.group(1));
            }
          }
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  private static long count(String sql) {
    return node.app().pool().query(sql).execute().await().iterator().next().getLong(0);
  }

  @Test
  void listsShowOnlyTheCallersJurisdiction() {
    assertEquals(Set.of("admin", "city", "city-other", "d1", "d2", "d-other", "c1", "c2", "c3"), usernamesSeenBy("admin"));
    assertEquals(Set.of("city", "d1", "d2", "c1", "c2", "c3"), usernamesSeenBy("city"));
    assertEquals(Set.of("city-other", "d-other"), usernamesSeenBy("city-other"));
    assertEquals(Set.of("d1", "c1", "c3"), usernamesSeenBy("d1"));
    assertEquals(Set.of("d2", "c2"), usernamesSeenBy("d2"));
  }

  private static Set<String> usernamesSeenBy(String caller) {
    String token = api.token(caller, AccountFixtures.passwordOf(caller));
    JsonObject page = Http.json(api.get("/api/v1/users?size=200", token));
    Set<String> names = new TreeSet<>();
    page.getJsonArray("items").forEach(o -> {
      String u = ((JsonObject) o).getString("username");
      if (u.equals("admin") || !u.startsWith("u")) { // ignore accounts created by the matrix itself
        names.add(u);
      }
    });
    return names;
  }

  @Test
  void htmlListIsFilteredToo() {
    String page = new Browser(node.baseUrl()).login("d2", AccountFixtures.PASSWORD).get("/admin/users").body();
    assertTrue(page.contains("洮南联络员") && page.contains(">d2<"), "own district shown: " + page);
    assertTrue(!page.contains("洮北联络员") && !page.contains("长春市政协"), "other districts hidden");
  }

  /**
   * Every route that can answer a schedule clash (API and pages: schedule, reschedule) × every caller
   * who may use it at 海明 (issue 18, item 2): the meeting in the way lies in 洮南 (another district).
   * Callers whose jurisdiction covers it see its id, time and title; the others see only that the
   * member they invited is booked. Nobody sees its venue, online link or research plan.
   */
  @Test
  void clashAnswersShowOnlyWhatTheCallerMaySee() {
    List<String> clashRoutes = List.of("POST /api/v1/meetings", "POST /api/v1/meetings/:id/reschedule", "POST /meetings",
        "POST /meetings/:id/reschedule");
    assertTrue(node.app().routes().routes().keySet().containsAll(clashRoutes), "the routes that answer clashes exist");
    var adminP = node.accounts().store().byUsername("admin").await().principal();
    var meetings = node.services().meetings();
    long cityMember = node.services().members().create(adminP, new org.yishi.member.MemberService.MemberInput(
        "周市委员", "经济界", f.committees.get(AccountFixtures.BAICHENG), null, null, true, null)).await().getLong("id");
    long secretTopic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.TUANJIE), "洮南保密议题");
    long myTopic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "冲突检查议题");
    String venue = "洮南保密会场";
    String plan = "洮南保密调研方案";
    String link = "https://meet.example/taonan-only";
    Map<String, Boolean> callers = new LinkedHashMap<>();
    callers.put("admin", true);
    callers.put("city", true);
    callers.put("d1", false);
    callers.put("c1", false);
    java.time.OffsetDateTime first = java.time.OffsetDateTime.now().plusDays(300).withHour(9).withMinute(0).withSecond(0).withNano(0);
    int k = 0;
    List<String> leaks = new ArrayList<>();
    for (String route : clashRoutes) {
      for (Map.Entry<String, Boolean> caller : callers.entrySet()) {
        java.time.OffsetDateTime at = first.plusDays(3L * k++);
        long secret = meetings.schedule(adminP, new org.yishi.meeting.MeetingService.MeetingInput(secretTopic, at, at.plusHours(2),
            venue, "hybrid", link, "forum", plan, null, List.of(), List.of(cityMember))).await().getLong("id");
        boolean moving = route.contains("reschedule");
        JsonObject mine = moving ? meetings.schedule(adminP, new org.yishi.meeting.MeetingService.MeetingInput(myTopic, at.plusDays(1),
            at.plusDays(1).plusHours(1), "会议室", "on_site", null, "forum", null, null, List.of(), List.of(cityMember))).await() : null;
        HttpResponse<String> r;
        if (route.startsWith("POST /api/")) {
          String token = api.token(caller.getKey(), AccountFixtures.passwordOf(caller.getKey()));
          r = moving
              ? api.call("POST", "/api/v1/meetings/" + mine.getLong("id") + "/reschedule", token, new JsonObject()
                  .put("startsAt", at.plusHours(1).toString()).put("endsAt", at.plusHours(2).toString()).put("reason", "改期")
                  .put("version", mine.getInteger("version")).encode())
              : api.call("POST", "/api/v1/meetings", token, new JsonObject().put("topicId", myTopic)
                  .put("startsAt", at.plusHours(1).toString()).put("endsAt", at.plusHours(2).toString()).put("venue", "会议室")
                  .put("format", "on_site").put("kind", "forum").put("memberIds", new io.vertx.core.json.JsonArray().add(cityMember)).encode());
        } else {
          Browser b = new Browser(node.baseUrl()).login(caller.getKey(), AccountFixtures.passwordOf(caller.getKey()));
          String starts = at.plusHours(1).atZoneSameInstant(java.time.ZoneId.of("Asia/Shanghai")).toLocalDateTime().toString();
          String ends = at.plusHours(2).atZoneSameInstant(java.time.ZoneId.of("Asia/Shanghai")).toLocalDateTime().toString();
          r = moving
              ? b.post("/meetings/" + mine.getLong("id") + "/reschedule", Map.of("startsAt", starts, "endsAt", ends, "reason", "改期",
                  "version", String.valueOf(mine.getInteger("version"))))
              : b.post("/meetings", Map.of("topicId", String.valueOf(myTopic), "startsAt", starts, "endsAt", ends, "format", "on_site",
                  "venue", "会议室", "kind", "forum", "memberIds", String.valueOf(cityMember)));
        }
        String where = route + " as " + caller.getKey();
        if (r.statusCode() != 409) {
          leaks.add(where + ": expected 409, got " + r.statusCode());
          continue;
        }
        for (String hidden : List.of(venue, plan, link)) {
          if (r.body().contains(hidden)) {
            leaks.add(where + " shows " + hidden);
          }
        }
        if (!r.body().contains("周市委员")) {
          leaks.add(where + " does not name the booked member");
        }
        boolean showsMeeting = r.body().contains("洮南保密议题");
        if (showsMeeting != caller.getValue()) {
          leaks.add(where + (caller.getValue() ? " hides the meeting it may see" : " shows the title of a meeting outside"));
        }
        if (route.startsWith("POST /api/")) {
          Long id = Http.json(r).getJsonObject("clash").getLong("id");
          if (caller.getValue() ? !Long.valueOf(secret).equals(id) : id != null) {
            leaks.add(where + ": clash.id " + id);
          }
        }
      }
    }
    assertTrue(leaks.isEmpty(), String.join("\n", leaks));
  }

  @Test
  void routeInventoryDescribesEveryPolicy() {
    Map<String, String> described = new LinkedHashMap<>();
    node.app().routes().routes().forEach((k, v) -> described.put(k, v.describe()));
    assertEquals("roles [ADMIN] + jurisdiction of the resource", described.get(RouteInventory.key(HttpMethod.PUT, "/api/v1/users/:id")));
    assertTrue(described.get("GET /health").startsWith("open ("));
  }

  // ------------------------------------------------------------------ path normalisation (issue 18, item 4)

  /** GET rows of the matrix, without the event stream (whose status alone is checked elsewhere). */
  private static List<Case> getCases() {
    return CASES.stream().filter(c -> c.route().startsWith("GET ") && !"GET /stats/live".equals(c.route())).toList();
  }

  /**
   * Paths that the router normalises to {@code path}: a dot segment, an escaped dot segment, a
   * doubled slash. Every security decision must be made on what the router matches, not on these.
   */
  private static List<String> detours(String path) {
    String rest = path.substring(1);
    return List.of("/x/../" + rest, "/x/%2e%2e/" + rest, "/" + path);
  }

  @Test
  void everyRouteAnswersTheSameThroughADetouringPath() {
    List<String> mismatches = new ArrayList<>();
    for (Case c : getCases()) {
      for (String caller : List.of("d1", "anon")) {
        int expected = c.expected()[CALLERS.indexOf(caller)];
        for (String detour : detours(c.path())) {
          Case variant = new Case(c.route(), detour, c.body(), c.expected());
          int status = c.path().startsWith("/api/") ? callApi(caller, "GET", variant) : callPage(caller, "GET", variant);
          if (status != expected) {
            mismatches.add(c.route() + " as " + caller + " via " + detour + ": expected " + expected + ", got " + status);
          }
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  @Test
  void aSessionCookieNeverAuthenticatesTheApiWhateverThePath() {
    Browser b = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    List<String> mismatches = new ArrayList<>();
    for (Case c : getCases()) {
      if (!c.path().startsWith("/api/")) {
        continue;
      }
      int anonymous = c.expected()[CALLERS.indexOf("anon")];
      List<String> paths = new ArrayList<>(detours(c.path()));
      paths.add(c.path());
      paths.add("/%61pi/" + c.path().substring("/api/".length()));
      for (String p : paths) {
        int status = b.get(p).statusCode();
        if (status != anonymous) {
          mismatches.add(c.route() + " via " + p + " with an admin's session cookie: expected " + anonymous + ", got " + status);
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  @Test
  void aTemporaryPasswordBlocksEveryRouteWhateverThePath() {
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    String username = "utemp" + System.nanoTime(); // "u…": ignored by the list checks above
    HttpResponse<String> created = api.call("POST", "/api/v1/users", admin, new JsonObject().put("username", username)
        .put("displayName", "临时密码").put("role", "district_staff").put("scopeCode", AccountFixtures.TAOBEI).encode());
    assertEquals(201, created.statusCode(), created.body());
    String temporary = Http.json(created).getString("temporaryPassword");
    String token = api.token(username, temporary);
    Browser b = new Browser(node.baseUrl());
    b.get("/login");
    assertEquals(303, b.post("/login", Map.of("username", username, "password", temporary)).statusCode());
    Set<String> exempt = Set.of("GET /api/v1/me", "GET /account/password");
    List<String> mismatches = new ArrayList<>();
    for (Case c : getCases()) {
      if (exempt.contains(c.route()) || node.app().routes().routes().get(c.route()).isOpen()) {
        continue;
      }
      boolean isApi = c.path().startsWith("/api/");
      List<String> paths = isApi
          ? List.of(c.path(), "/api/v1/me/.." + c.path().substring("/api/v1".length()),
              "/api/v1/me/%2e%2e" + c.path().substring("/api/v1".length()), "/api/v1/me/%2E%2E" + c.path().substring("/api/v1".length()))
          : List.of(c.path(), "/account/password/../.." + c.path(), "/account/password/%2e%2e/%2e%2e" + c.path());
      for (String p : paths) {
        HttpResponse<String> r = isApi ? api.get(p, token) : b.get(p);
        boolean blocked = isApi ? r.statusCode() == 403
            : r.statusCode() == 303 && "/account/password".equals(r.headers().firstValue("Location").orElse(""));
        if (!blocked) {
          mismatches.add(c.route() + " via " + p + " before the password change: got " + r.statusCode());
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  // ------------------------------------------------------------------ a GET changes no stored state (issue 18, item 8)

  /** The next transaction id PostgreSQL will hand out: it moves only when some transaction writes. */
  private static String nextTransactionId() {
    return node.app().pool().query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").execute().await()
        .iterator().next().getString(0);
  }

  @Test
  void noGetRouteWritesToTheDatabase() {
    List<String> writers = new ArrayList<>();
    for (String caller : List.of("admin", "d1", "c1", "anon")) {
      String token = "anon".equals(caller) ? null : api.token(caller, AccountFixtures.passwordOf(caller));
      Browser b = new Browser(node.baseUrl());
      if ("anon".equals(caller)) {
        b.get("/login");
      } else {
        b.login(caller, AccountFixtures.passwordOf(caller)).get("/");
      }
      for (Case c : getCases()) {
        // transaction ids are the server's, shared with every database on it: a write elsewhere (a
        // scheduler, another test's node still stopping) may coincide with the request. An attempt
        // counts only when an idle interval as long as the request, right after it, saw no write;
        // a GET that writes does so on every counted attempt.
        int wrote = 0;
        int counted = 0;
        for (int attempt = 0; attempt < 10 && counted < 3; attempt++) {
          String before = nextTransactionId();
          long started = System.nanoTime();
          if (c.path().startsWith("/api/")) {
            api.get(c.path(), token);
          } else {
            b.get(c.path());
          }
          String after = nextTransactionId();
          long millis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (!after.equals(nextTransactionId())) {
            continue; // something else wrote meanwhile: this attempt tells nothing
          }
          counted++;
          if (!before.equals(after)) {
            wrote++;
          }
        }
        if (counted > 0 && wrote == counted) {
          writers.add(c.route() + " as " + caller);
        }
      }
    }
    assertTrue(writers.isEmpty(), "GET requests that wrote to the database:\n" + String.join("\n", writers));
  }

  // ------------------------------------------------------------------ event streams (issue 18, item 6)

  @Test
  void everyEventStreamEndsWhenItsUserIsDisabled() throws Exception {
    Browser probe = new Browser(node.baseUrl()).login("admin", TestNodes.ADMIN_PASSWORD);
    Map<String, String> streams = new LinkedHashMap<>();
    for (Case c : CASES) {
      if (!c.route().startsWith("GET ") || c.path().startsWith("/api/")) {
        continue;
      }
      HttpResponse<java.io.InputStream> r = probe.stream(c.path());
      if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
        streams.put(c.route(), c.path());
      }
      r.body().close();
    }
    assertEquals(Set.of("GET /stats/live"), streams.keySet(), "the event streams this test knows (add a new one below)");
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    for (Map.Entry<String, String> stream : streams.entrySet()) {
      String username = "ulive" + System.nanoTime(); // "u…": ignored by the list checks above
      HttpResponse<String> created = api.call("POST", "/api/v1/users", admin, new JsonObject().put("username", username)
          .put("displayName", "流").put("role", "city_staff").put("scopeCode", AccountFixtures.BAICHENG)
          .put("password", AccountFixtures.PASSWORD).encode());
      assertEquals(201, created.statusCode(), created.body());
      JsonObject account = Http.json(created);
      Browser b = new Browser(node.baseUrl()).login(username, AccountFixtures.PASSWORD);
      HttpResponse<java.io.InputStream> r = b.stream(stream.getValue());
      assertEquals(200, r.statusCode(), stream.getKey());
      try (org.yishi.support.EventStream events = new org.yishi.support.EventStream(r.body())) {
        assertTrue(events.next("ready", java.time.Duration.ofSeconds(20)) != null, stream.getKey() + " listens");
        HttpResponse<String> off = api.call("PUT", "/api/v1/users/" + account.getLong("id"), admin, new JsonObject()
            .put("displayName", "流").put("role", "city_staff").put("scopeCode", AccountFixtures.BAICHENG)
            .put("disabled", true).put("version", account.getInteger("version")).encode());
        assertEquals(200, off.statusCode(), off.body());
        assertTrue(events.awaitEnd(java.time.Duration.ofSeconds(20)), stream.getKey() + " ends once its user is disabled");
      }
    }
  }
}
