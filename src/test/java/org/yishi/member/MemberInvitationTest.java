package org.yishi.member;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.platform.security.SecretTokens;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.LocalGateway;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestNodes;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invitation links for members' accounts and messages to members, through a real node, PostgreSQL,
 * an SMTP server (GreenMail) and a local SMS gateway: staff invite a member, the e-mail's link is
 * followed on a "phone" to set the password, the member signs in; used, expired, forged and replaced
 * links all get one answer; bad input writes nothing. Members hear of meetings they are invited to,
 * and of changes and cancellations, by SMS and e-mail.
 */
class MemberInvitationTest {
  private static final String SCRIPT = "<script>alert('x')</script>'; DROP TABLE member_invitation; --";
  private static final Pattern LINK = Pattern.compile("https?://[^\\s/]+(/join/([A-Za-z0-9_-]{43}))");
  private static final int SMTP_PORT = TestNodes.freePort();
  private static final GreenMail SMTP = new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
  private static final LocalGateway SMS = new LocalGateway("{\"ok\":true}");
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env(Map.of(
      "YISHI_SCHEDULER_INTERVAL_SECONDS", "3600", "YISHI_SMTP_HOST", "127.0.0.1",
      "YISHI_SMTP_PORT", String.valueOf(SMTP_PORT), "YISHI_SMTP_TLS", "none", "YISHI_SMTP_FROM", "yishi@example.org",
      "YISHI_SMS_URL", SMS.url("/sms"), "YISHI_SMS_TOKEN", "sms-token"));
  @FromNode private static Node node;
  @FromNode private static Api api;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql sql;
  private static String d1;
  private static long member;        // 王建国 (fixture), phone and e-mail
  private static long noContact;     // 李秀英, neither
  private static long taonan;        // a member of 洮南市: outside d1's district

  @BeforeAll
  static void start() {
    SMTP.start();
    d1 = api.token("d1", AccountFixtures.PASSWORD);
    member = f.taobeiMember;
    sql.update("UPDATE member SET phone = '13800000009', email = 'wang@example.org' WHERE id = ?", member);
    var admin = node.accounts().store().byUsername("admin").await().principal();
    noContact = node.services().members().create(admin, new MemberService.MemberInput("李秀英", "教育界",
        f.committees.get(AccountFixtures.TAOBEI), null, null, true, null)).await().getLong("id");
    taonan = node.services().members().create(admin, new MemberService.MemberInput("赵六", "农业界",
        f.committees.get(AccountFixtures.TAONAN), "13800000007", null, true, null)).await().getLong("id");
  }

  @AfterAll
  static void stop() {
    SMTP.stop();
    SMS.close();
  }

  private static void deliver() {
    node.services().delivery().sendDue("test-node", Instant.now()).await();
  }

  private static HttpResponse<String> invite(long memberId, JsonObject body) {
    return api.call("POST", "/api/v1/members/" + memberId + "/invitation", d1, body.encode());
  }

  /** The link of the last invitation e-mail to {@code to}: its path ({@code /join/<secret>}). */
  private static String mailedLink(String to) throws Exception {
    MimeMessage[] all = SMTP.getReceivedMessages();
    for (int i = all.length - 1; i >= 0; i--) {
      if (all[i].getAllRecipients()[0].toString().equals(to) && all[i].getSubject().contains("开通委员账号")) {
        Matcher m = LINK.matcher((String) all[i].getContent());
        assertTrue(m.find(), (String) all[i].getContent());
        return m.group(1);
      }
    }
    throw new AssertionError("no invitation mail to " + to);
  }

  private static String refusalOf(HttpResponse<String> page) {
    Matcher m = Pattern.compile("id=\"join-refusal\">([^<]*)<").matcher(page.body());
    assertTrue(m.find(), page.body());
    return m.group(1);
  }

  @Test
  void aMemberFollowsTheMailedLinkSetsAPasswordAndSignsInTheLinkThenWorksNoMore() throws Exception {
    HttpResponse<String> sent = invite(member, new JsonObject().put("username", "wangjg"));
    assertEquals(201, sent.statusCode(), sent.body());
    JsonObject i = Http.json(sent);
    assertEquals("wangjg", i.getString("username"));
    assertEquals(new JsonArray().add("sms").add("email"), i.getJsonArray("channels"));
    assertFalse(sent.body().contains("/join/"), "the link goes to the member only");
    assertEquals(1, sql.count("SELECT count(*) FROM account WHERE username = 'wangjg' AND member_id = ? AND role = 'member'", member));
    assertEquals(2, sql.count("SELECT count(*) FROM outbox WHERE kind = 'member_invitation' AND dedupe_key LIKE ?",
        "member_invitation:%:member:" + member + "%"));

    deliver();
    String path = mailedLink("wang@example.org");
    String token = path.substring("/join/".length());
    assertEquals(HexFormat.of().formatHex(SecretTokens.sha256(token)),
        sql.value("SELECT encode(token_hash, 'hex') FROM member_invitation WHERE member_id = ?", member));
    assertEquals(0, sql.count("SELECT count(*) FROM member_invitation WHERE position(? in encode(token_hash, 'escape')) > 0", token),
        "only the hash is kept");
    assertTrue(SMS.accepted().stream().anyMatch(r -> r.body().toString().contains(path) && r.body().toString().contains("13800000009")),
        "the same link by SMS");

    // on the phone: the page names the member and the account; bad passwords are refused and keep the link usable
    Browser phone = new Browser(node.baseUrl());
    HttpResponse<String> page = phone.get(path);
    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.body().contains("王建国") && page.body().contains("wangjg"));
    assertEquals(422, phone.post(path, Map.of("password", "short", "confirmPassword", "short")).statusCode());
    HttpResponse<String> mismatch = phone.post(path, Map.of("password", "长城-great-wall-2026", "confirmPassword", "something-else-2026"));
    assertEquals(422, mismatch.statusCode());
    assertTrue(mismatch.body().contains("id=\"confirm-error\""), mismatch.body());
    assertEquals(422, phone.post(path, Map.of("password", "wangjg", "confirmPassword", "wangjg")).statusCode());
    assertEquals(0, sql.count("SELECT count(*) FROM member_invitation WHERE member_id = ? AND used_at IS NOT NULL", member));
    HttpResponse<String> done = phone.post(path, Map.of("password", "长城-great-wall-2026", "confirmPassword", "长城-great-wall-2026"));
    assertEquals(200, done.statusCode(), done.body());
    assertTrue(done.body().contains("id=\"join-done\""));

    // the member signs in with it (no change required) and sees their schedule
    String memberToken = api.token("wangjg", "长城-great-wall-2026");
    assertEquals(200, api.get("/api/v1/my/invitations", memberToken).statusCode());
    assertEquals(Boolean.FALSE, sql.value("SELECT must_change_password FROM account WHERE username = 'wangjg'"));

    // used, forged, garbage: one answer (410) that says nothing about the link
    HttpResponse<String> used = phone.get(path);
    assertEquals(410, used.statusCode());
    String refusal = refusalOf(used);
    assertTrue(refusal.contains("无效或已过期"), refusal);
    String forged = "/join/" + (token.charAt(0) == 'A' ? 'B' : 'A') + token.substring(1);
    for (String bad : List.of(forged, "/join/abc", "/join/" + "A".repeat(43), "/join/%3Cscript%3E")) {
      HttpResponse<String> r = new Browser(node.baseUrl()).get(bad);
      assertEquals(410, r.statusCode(), bad);
      assertEquals(refusal, refusalOf(r), bad);
    }
    assertEquals(410, phone.post(path, Map.of("password", "another-pass-2026", "confirmPassword", "another-pass-2026")).statusCode());
    HttpResponse<String> viaApi = api.call("POST", "/api/v1/invitations/accept", null, new JsonObject().put("token", token)
        .put("password", "another-pass-2026").put("confirmPassword", "another-pass-2026").encode());
    assertEquals(422, viaApi.statusCode());
    assertTrue(Http.json(viaApi).getJsonObject("error").getJsonObject("fields").containsKey("token"));
    api.token("wangjg", "长城-great-wall-2026"); // unchanged
  }

  @Test
  void aNewInvitationEndsTheEarlierOneExpiredLinksAreRefusedAndTwoUsesAtOnceSetThePasswordOnce() throws Exception {
    long m = node.services().members().create(node.accounts().store().byUsername("admin").await().principal(),
        new MemberService.MemberInput("孙七", "科技界", f.committees.get(AccountFixtures.TAOBEI), null, "sun@example.org", true, null))
        .await().getLong("id");
    assertEquals(201, invite(m, new JsonObject().put("username", "sunqi")).statusCode());
    deliver();
    String first = mailedLink("sun@example.org");
    // inviting again (the account exists: no user name needed) ends the first link
    HttpResponse<String> again = invite(m, new JsonObject());
    assertEquals(201, again.statusCode(), again.body());
    assertEquals("sunqi", Http.json(again).getString("username"));
    deliver();
    String second = mailedLink("sun@example.org");
    assertFalse(first.equals(second));
    assertEquals(410, new Browser(node.baseUrl()).get(first).statusCode(), "replaced by the newer link");
    assertEquals(200, new Browser(node.baseUrl()).get(second).statusCode());

    // two uses of the same link at once: one sets the password, the other is refused
    String token = second.substring("/join/".length());
    List<CompletableFuture<HttpResponse<String>>> both = List.of("first-password-2026", "other-password-2026").stream()
        .map(p -> CompletableFuture.supplyAsync(() -> api.call("POST", "/api/v1/invitations/accept", null,
            new JsonObject().put("token", token).put("password", p).put("confirmPassword", p).encode()))).toList();
    List<Integer> statuses = both.stream().map(c -> c.join().statusCode()).sorted().toList();
    assertEquals(List.of(200, 422), statuses);
    assertEquals(1, sql.count("SELECT count(*) FROM member_invitation WHERE member_id = ? AND used_at IS NOT NULL", m));
    assertEquals(1, sql.count("SELECT count(*) FROM audit_log WHERE action = 'account.password_set'"
        + " AND entity_id = (SELECT id::text FROM account WHERE username = 'sunqi')"));

    // an expired link
    assertEquals(201, invite(m, new JsonObject()).statusCode());
    deliver();
    String third = mailedLink("sun@example.org");
    sql.update("UPDATE member_invitation SET expires_at = now() - interval '1 minute' WHERE member_id = ? AND used_at IS NULL", m);
    HttpResponse<String> expired = new Browser(node.baseUrl()).get(third);
    assertEquals(410, expired.statusCode());
    assertEquals(refusalOf(new Browser(node.baseUrl()).get("/join/nothing")), refusalOf(expired));
  }

  @Test
  void badInvitationsAreRefusedWithClearMessagesAndWriteNothing() {
    long before = sql.count("SELECT count(*) FROM member_invitation");
    long accounts = sql.count("SELECT count(*) FROM account");
    long outbox = sql.count("SELECT count(*) FROM outbox");
    HttpResponse<String> none = invite(noContact, new JsonObject().put("username", "lixiuying"));
    assertEquals(422, none.statusCode());
    assertTrue(Http.json(none).getJsonObject("error").getJsonObject("fields").containsKey("member"), none.body());
    sql.update("UPDATE member SET phone = '13800000010' WHERE id = ?", noContact);
    assertEquals(422, invite(noContact, new JsonObject()).statusCode(), "no account yet: a user name is needed");
    assertEquals(422, invite(noContact, new JsonObject().put("username", SCRIPT)).statusCode());
    assertEquals(422, invite(noContact, new JsonObject().put("username", 7)).statusCode());
    assertEquals(422, invite(noContact, new JsonObject().put("username", "x".repeat(65))).statusCode());
    assertEquals(400, api.call("POST", "/api/v1/members/" + noContact + "/invitation", d1, "{not json").statusCode());
    assertEquals(403, invite(taonan, new JsonObject().put("username", "zhaoliu")).statusCode(), "another district's member");
    assertEquals(404, invite(999_999, new JsonObject().put("username", "nobody")).statusCode());
    assertEquals(403, api.call("POST", "/api/v1/members/" + noContact + "/invitation", api.token("c1", AccountFixtures.PASSWORD),
        new JsonObject().put("username", "lixiuying").encode()).statusCode(), "coordinators do not open accounts");
    // a user name someone has: 409, and no account, link or message
    HttpResponse<String> taken = invite(noContact, new JsonObject().put("username", "d1"));
    assertEquals(409, taken.statusCode(), taken.body());
    assertEquals(before, sql.count("SELECT count(*) FROM member_invitation"));
    assertEquals(accounts, sql.count("SELECT count(*) FROM account"));
    assertEquals(outbox, sql.count("SELECT count(*) FROM outbox"));
    // accepting: missing or wrong fields
    assertEquals(422, api.call("POST", "/api/v1/invitations/accept", null, "{}").statusCode());
    assertEquals(422, api.call("POST", "/api/v1/invitations/accept", null,
        new JsonObject().put("token", SCRIPT).put("password", "p-a-s-s-w-o-r-d").put("confirmPassword", "p-a-s-s-w-o-r-d").encode()).statusCode());
    assertEquals(400, api.call("POST", "/api/v1/invitations/accept", null, "[1,2").statusCode());

    // the staff form on the member's page: sent, and where to (never the link)
    sql.update("UPDATE member SET email = 'li@example.org' WHERE id = ?", noContact);
    Browser staff = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    assertTrue(staff.get("/members/" + noContact).body().contains("id=\"send-invitation\""));
    HttpResponse<String> formSent = staff.post("/members/" + noContact + "/invitation", Map.of("username", "lixiuying"));
    assertEquals(201, formSent.statusCode(), formSent.body());
    assertTrue(formSent.body().contains("id=\"invitation-sent\"") && formSent.body().contains("短信 · 电子邮件"), formSent.body());
    assertFalse(formSent.body().contains("/join/"));
  }

  @Test
  void invitedMembersHearOfTheMeetingItsChangeAndItsCancellationBySmsAndEmail() throws Exception {
    long station = f.stations.get(AccountFixtures.HAIMING);
    long m = node.services().members().create(node.accounts().store().byUsername("admin").await().principal(),
        new MemberService.MemberInput("周八", "文化界", f.committees.get(AccountFixtures.TAOBEI), "13800000011", "zhou@example.org",
            true, null)).await().getLong("id");
    long topic = AccountFixtures.approvedTopic(node, station, "老旧小区加装电梯");
    OffsetDateTime start = OffsetDateTime.now().plusDays(30).withHour(9).withMinute(0).withSecond(0).withNano(0);
    String admin = api.token("admin", TestNodes.ADMIN_PASSWORD);
    HttpResponse<String> made = api.call("POST", "/api/v1/meetings", admin, new JsonObject().put("topicId", topic)
        .put("startsAt", start.toString()).put("endsAt", start.plusHours(2).toString()).put("venue", SCRIPT.substring(0, 40))
        .put("format", "on_site").put("kind", "grassroots").put("memberIds", new JsonArray().add(m)).put("participants", new JsonArray())
        .encode());
    assertEquals(201, made.statusCode(), made.body());
    long meeting = Http.json(made).getLong("id");
    assertEquals("sms 13800000011, email zhou@example.org", sql.value("SELECT string_agg(channel || ' ' || recipient, ', ' ORDER BY id)"
        + " FROM outbox WHERE dedupe_key LIKE ?", "meeting_invited:" + meeting + ":%"));

    JsonObject current = Http.json(api.get("/api/v1/meetings/" + meeting, admin));
    OffsetDateTime moved = start.plusDays(1);
    assertEquals(200, api.call("POST", "/api/v1/meetings/" + meeting + "/reschedule", admin, new JsonObject()
        .put("startsAt", moved.toString()).put("endsAt", moved.plusHours(2).toString()).put("reason", "场地冲突")
        .put("version", current.getInteger("version")).encode()).statusCode());
    assertEquals(200, api.call("POST", "/api/v1/meetings/" + meeting + "/cancel", admin,
        new JsonObject().put("reason", "暴雨预警").encode()).statusCode());
    for (String kind : List.of("meeting_changed", "meeting_cancelled")) {
      assertEquals(2, sql.count("SELECT count(*) FROM outbox WHERE dedupe_key LIKE ? AND recipient IN ('13800000011', 'zhou@example.org')",
          kind + ":" + meeting + ":%"), kind);
    }

    deliver();
    MimeMessage invitation = null;
    for (MimeMessage x : SMTP.getReceivedMessages()) {
      if (x.getAllRecipients()[0].toString().equals("zhou@example.org") && x.getSubject().startsWith("会议邀请：老旧小区加装电梯")) {
        invitation = x;
      }
    }
    assertTrue(invitation != null, "the invitation e-mail");
    String text = (String) invitation.getContent();
    assertTrue(text.startsWith("周八，您好") && text.contains(SCRIPT.substring(0, 40)) && text.contains("/my"), text);
    assertTrue(SMS.accepted().stream().anyMatch(r -> r.body().toString().contains("meeting_cancelled:" + meeting + ":member:" + m)));
    // members cannot open the staff's meeting page: their copy of a change or cancellation links to their own page
    for (MimeMessage x : SMTP.getReceivedMessages()) {
      if (x.getAllRecipients()[0].toString().equals("zhou@example.org") && x.getSubject().startsWith("会议")) {
        String body = (String) x.getContent();
        assertTrue(body.contains("/my") && !body.contains("/meetings/" + meeting), x.getSubject() + ": " + body);
      }
    }
    assertEquals(0, sql.count("SELECT count(*) FROM outbox WHERE member_id IS NOT NULL AND link LIKE '%/meetings/%'"),
        "no message to a member links to a staff meeting page");
  }
}
