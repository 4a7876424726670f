package org.yishi.topic;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;
import org.yishi.support.TestPostgres;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Topics over real HTTP: the two questions, the lifecycle and who may move it, conflicts, lists, forms, bad input. */
class TopicTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static String pgUrl;
  @FromNode private static Sql db;
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;
  private static long haiming;

  @BeforeAll
  static void start() {
    haiming = f.stations.get(AccountFixtures.HAIMING);
  }

  static String token(String user) {
    return api.token(user, AccountFixtures.passwordOf(user));
  }

  /** A topic at c1's station with both questions answered yes. */
  static JsonObject topic(String title) {
    return new JsonObject().put("stationId", haiming).put("title", title).put("category", "livelihood")
        .put("source", "residents").put("proposer", "民生社区居民代表").put("description", "老旧小区雨污管道堵塞，雨季常内涝。")
        .put("q1Answer", true).put("q1Reason", "群众反映集中的民生热点")
        .put("q2Answer", true).put("q2Reason", "涉及多个部门，适合搭台协商");
  }

  static long create(String token, JsonObject body) {
    HttpResponse<String> r = api.call("POST", "/api/v1/topics", token, body.encode());
    assertEquals(201, r.statusCode(), r.body());
    return Http.json(r).getLong("id");
  }

  static HttpResponse<String> transition(String token, long id, String action, String reason) {
    return api.call("POST", "/api/v1/topics/" + id + "/transitions", token,
        new JsonObject().put("action", action).put("reason", reason).encode());
  }

  private static Set<String> fields(HttpResponse<String> r) {
    return Http.json(r).getJsonObject("error").getJsonObject("fields").fieldNames();
  }

  private static void assertField(HttpResponse<String> r, int status, String field) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(fields(r).contains(field), r.body());
  }

  @Test
  void bothQuestionsMustBeAnsweredYesWithReasonsToSubmit() throws Exception {
    String c1 = token("c1");
    JsonObject bare = topic("社区停车难").put("q1Answer", null).put("q1Reason", null).put("q2Answer", null).put("q2Reason", null);
    bare.remove("q1Answer");
    bare.remove("q1Reason");
    bare.remove("q2Answer");
    bare.remove("q2Reason");
    long id = create(c1, bare);
    JsonObject draft = Http.json(api.get("/api/v1/topics/" + id, c1));
    assertEquals("draft", draft.getString("status"));
    assertNull(draft.getValue("q1Answer"));

    HttpResponse<String> none = transition(c1, id, "submit", null);
    assertEquals(422, none.statusCode(), none.body());
    assertEquals(Set.of("q1Answer", "q1Reason", "q2Answer", "q2Reason"), fields(none), "each missing piece its own error");

    JsonObject oneNo = bare.copy().put("q1Answer", true).put("q1Reason", "群众关心").put("q2Answer", false)
        .put("version", draft.getInteger("version"));
    oneNo.remove("stationId");
    assertEquals(200, api.call("PUT", "/api/v1/topics/" + id, c1, oneNo.encode()).statusCode());
    HttpResponse<String> no = transition(c1, id, "submit", null);
    assertEquals(Set.of("q2Answer", "q2Reason"), fields(no), no.body());
    assertTrue(Http.json(no).getJsonObject("error").getJsonObject("fields").getString("q2Answer").contains("yes"));
    JsonObject after = Http.json(api.get("/api/v1/topics/" + id, c1));
    assertEquals("draft", after.getString("status"), "nothing changes");
    assertEquals(1, after.getJsonArray("history").size());

    // the database refuses it too
    try (Connection c = TestPostgres.jdbc(pgUrl)) {
      assertThrows(SQLException.class, () -> c.createStatement().executeUpdate(
          "UPDATE topic SET status = 'submitted' WHERE id = " + id));
    }

    JsonObject fixed = oneNo.copy().put("q2Answer", true).put("q2Reason", "在政协职能范围内").put("version", after.getInteger("version"));
    assertEquals(200, api.call("PUT", "/api/v1/topics/" + id, c1, fixed.encode()).statusCode());
    HttpResponse<String> ok = transition(c1, id, "submit", null);
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals("submitted", Http.json(ok).getString("status"));
    assertEquals(2, db.count("SELECT count(*) FROM topic_history WHERE topic_id = " + id));
  }

  @Test
  void onlyStaffInsideTheJurisdictionDecideAndRejectionNeedsAReason() throws Exception {
    String c1 = token("c1");
    String d1 = token("d1");
    long id = create(c1, topic("小区加装电梯"));
    assertEquals(200, transition(c1, id, "submit", null).statusCode());

    assertEquals(403, transition(c1, id, "approve", null).statusCode(), "coordinators do not approve");
    assertEquals(403, transition(token("d2"), id, "approve", null).statusCode(), "another district does not");
    assertEquals(403, api.get("/api/v1/topics/" + id, token("d2")).statusCode());
    assertEquals(403, api.get("/api/v1/topics/" + id, token("c2")).statusCode(), "another station's coordinator");
    assertEquals(403, transition(token("city-other"), id, "approve", null).statusCode());
    assertField(transition(d1, id, "reject", null), 422, "reason");
    assertField(transition(d1, id, "reject", "   "), 422, "reason");
    assertField(transition(d1, id, "fly", null), 422, "action");

    HttpResponse<String> rejected = transition(d1, id, "reject", "请补充涉及住户的意见调查");
    assertEquals(200, rejected.statusCode(), rejected.body());
    assertEquals("rejected", Http.json(rejected).getString("status"));
    assertEquals("请补充涉及住户的意见调查", Http.json(rejected).getString("decisionReason"));
    assertEquals(409, transition(d1, id, "approve", null).statusCode(), "a rejected topic is not approved");
    assertEquals(409, transition(c1, id, "submit", null).statusCode(), "it must be revised first");

    assertEquals(200, transition(c1, id, "revise", null).statusCode());
    assertEquals(200, transition(c1, id, "submit", null).statusCode());
    HttpResponse<String> approved = transition(token("city"), id, "approve", null);
    assertEquals(200, approved.statusCode(), "city staff decide anywhere in the city");
    assertEquals("approved", Http.json(approved).getString("status"));
    HttpResponse<String> again = transition(d1, id, "approve", null);
    assertEquals(409, again.statusCode());
    assertEquals("conflict", Api.errorCode(again));
    assertEquals(409, transition(c1, id, "withdraw", null).statusCode(), "an approved topic cannot be withdrawn");

    JsonArray history = Http.json(api.get("/api/v1/topics/" + id, d1)).getJsonArray("history");
    assertEquals(6, history.size(), history.encode());
    assertEquals("rejected", history.getJsonObject(2).getString("toStatus"));
    assertEquals("洮北区政协", history.getJsonObject(2).getString("actorName"));
    assertEquals("白城市政协", history.getJsonObject(5).getString("actorName"));
    assertEquals(6, db.count("SELECT count(*) FROM audit_log WHERE entity_type = 'topic' AND entity_id = '" + id + "'"));
  }

  @Test
  void draftsAndSubmittedTopicsCanBeWithdrawnOnce() {
    String c1 = token("c1");
    long draft = create(c1, topic("撤回的草稿"));
    assertEquals(200, transition(c1, draft, "withdraw", "重复议题").statusCode());
    assertEquals(409, transition(c1, draft, "submit", null).statusCode());
    assertEquals(409, transition(c1, draft, "withdraw", null).statusCode());
    long submitted = create(c1, topic("撤回的已提交议题"));
    assertEquals(200, transition(c1, submitted, "submit", null).statusCode());
    HttpResponse<String> w = transition(c1, submitted, "withdraw", null);
    assertEquals("withdrawn", Http.json(w).getString("status"));
  }

  @Test
  void staleEditsAndEditsOutsideDraftAreConflictsWithTheCurrentValues() throws Exception {
    String c1 = token("c1");
    long id = create(c1, topic("原始标题"));
    JsonObject edit = topic("第一次修改").put("version", 1);
    edit.remove("stationId");
    HttpResponse<String> first = api.call("PUT", "/api/v1/topics/" + id, c1, edit.encode());
    assertEquals(200, first.statusCode(), first.body());
    assertEquals(2, Http.json(first).getInteger("version"));
    HttpResponse<String> stale = api.call("PUT", "/api/v1/topics/" + id, c1, edit.put("title", "迟到的修改").encode());
    assertEquals(409, stale.statusCode());
    assertEquals("第一次修改", Http.json(stale).getJsonObject("current").getString("title"));

    assertEquals(200, transition(c1, id, "submit", null).statusCode());
    int version = Http.json(api.get("/api/v1/topics/" + id, c1)).getInteger("version");
    HttpResponse<String> notDraft = api.call("PUT", "/api/v1/topics/" + id, token("d1"),
        edit.put("version", version).put("title", "审核中修改").encode());
    assertEquals(409, notDraft.statusCode(), notDraft.body());
    assertEquals("submitted", Http.json(notDraft).getJsonObject("current").getString("status"));
    assertEquals("第一次修改", Http.json(api.get("/api/v1/topics/" + id, c1)).getString("title"));
    assertEquals(0, db.count("SELECT count(*) FROM topic WHERE title IN ('迟到的修改', '审核中修改')"));
  }

  @Test
  void aTopicFromAYearlyPlanNamesAnItemOfItsOwnCommitteesPlans() {
    String admin = token("admin");
    long taobeiItem = planItem(admin, f.committees.get(AccountFixtures.TAOBEI), "洮北区2025年协商计划", "老旧小区改造");
    long cityItem = planItem(admin, f.committees.get(AccountFixtures.BAICHENG), "白城市2025年协商计划", "城市内涝治理");
    long taonanItem = planItem(admin, f.committees.get(AccountFixtures.TAONAN), "洮南市2025年协商计划", "农村养老");
    String c1 = token("c1");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("无选题").put("source", "yearly_plan").encode()), 422, "planItemId");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("他区选题").put("source", "yearly_plan")
        .put("planItemId", taonanItem).encode()), 422, "planItemId");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("不存在的选题").put("source", "yearly_plan")
        .put("planItemId", 999_999).encode()), 422, "planItemId");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("来源不符").put("planItemId", taobeiItem).encode()), 422, "planItemId");
    long own = create(c1, topic("本区选题").put("source", "yearly_plan").put("planItemId", taobeiItem));
    assertEquals("老旧小区改造", Http.json(api.get("/api/v1/topics/" + own, c1)).getString("planItemTitle"));
    create(c1, topic("市级选题").put("source", "yearly_plan").put("planItemId", cityItem));
    String form = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD).get("/topics/new").body();
    assertTrue(form.contains("老旧小区改造") && form.contains("城市内涝治理") && !form.contains("农村养老"), "offered items");
  }

  private static long planItem(String token, long committee, String title, String item) {
    HttpResponse<String> plan = api.call("POST", "/api/v1/plans", token,
        new JsonObject().put("committeeId", committee).put("year", 2025).put("title", title).encode());
    assertEquals(201, plan.statusCode(), plan.body());
    HttpResponse<String> it = api.call("POST", "/api/v1/plans/" + Http.json(plan).getLong("id") + "/items", token,
        new JsonObject().put("title", item).put("kind", "thematic_consultation").put("targetQuarter", 2).encode());
    assertEquals(201, it.statusCode(), it.body());
    return Http.json(it).getLong("id");
  }

  @Test
  void badInputGivesFieldErrorsAndWritesNothing() throws Exception {
    String c1 = token("c1");
    long before = db.count("SELECT count(*) FROM topic");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("title", 42).encode()), 422, "title");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("q1Answer", "yes").encode()), 422, "q1Answer");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("stationId", "one").encode()), 422, "stationId");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("题".repeat(101)).encode()), 422, "title");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("description", "长".repeat(4001)).encode()), 422, "description");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("q2Reason", "理".repeat(1001)).encode()), 422, "q2Reason");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("source", "rumour").encode()), 422, "source");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("category", "astrology").encode()), 422, "category");
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x\u0000y").encode()), 422, "title");
    assertField(api.call("POST", "/api/v1/topics", c1, "{}"), 422, "stationId");
    assertEquals(422, api.call("POST", "/api/v1/topics", c1, "{}").statusCode());
    assertEquals(400, api.callBytes("POST", "/api/v1/topics", c1, "{\"title\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1)).statusCode());
    assertEquals(400, api.call("POST", "/api/v1/topics", c1, "[1,2]").statusCode());
    assertEquals(403, api.call("POST", "/api/v1/topics", c1,
        topic("x").put("stationId", f.stations.get(AccountFixtures.TUANJIE)).encode()).statusCode(), "not c1's station");
    assertField(api.call("POST", "/api/v1/topics", token("admin"), topic("x").put("stationId", 987_654).encode()), 422, "stationId");
    assertEquals(before, db.count("SELECT count(*) FROM topic"), "nothing written");
  }

  @Test
  void scriptPayloadsAreStoredVerbatimAndRenderedEscaped() {
    String c1 = token("c1");
    String payload = "<script>alert('x')</script>";
    long id = create(c1, topic(payload).put("q1Reason", "<img src=x onerror=alert(1)>"));
    assertEquals(payload, Http.json(api.get("/api/v1/topics/" + id, c1)).getString("title"));
    String page = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD).get("/topics/" + id).body();
    assertFalse(page.contains("<script>alert") || page.contains("<img src=x"));
    assertTrue(page.contains("&lt;script&gt;alert(") && page.contains("&lt;img src=x onerror=alert(1)&gt;"));
  }

  @Test
  void adminsAddAndDeactivateCategories() {
    String admin = token("admin");
    JsonObject cat = new JsonObject().put("key", "culture").put("nameZh", "文化").put("nameEn", "Culture").put("sort", 95);
    assertEquals(201, api.call("POST", "/api/v1/topic-categories", admin, cat.encode()).statusCode());
    assertField(api.call("POST", "/api/v1/topic-categories", admin, cat.encode()), 409, "key");
    assertField(api.call("POST", "/api/v1/topic-categories", admin, cat.copy().put("key", "Bad-Key").encode()), 422, "key");
    assertEquals(403, api.call("POST", "/api/v1/topic-categories", token("d1"), cat.encode()).statusCode());
    String c1 = token("c1");
    long id = create(c1, topic("文化站").put("category", "culture"));
    assertEquals(200, api.call("PUT", "/api/v1/topic-categories/culture", admin, cat.copy().put("active", false).encode()).statusCode());
    JsonArray active = Http.json(api.get("/api/v1/topic-categories", c1)).getJsonArray("items");
    assertTrue(active.stream().noneMatch(o -> ((JsonObject) o).getString("key").equals("culture")));
    assertTrue(Http.json(api.get("/api/v1/topic-categories?includeInactive=true", c1)).getJsonArray("items").stream()
        .anyMatch(o -> ((JsonObject) o).getString("key").equals("culture")));
    assertField(api.call("POST", "/api/v1/topics", c1, topic("x").put("category", "culture").encode()), 422, "category");
    JsonObject keep = topic("文化站（改）").put("category", "culture").put("version", 1);
    keep.remove("stationId");
    assertEquals(200, api.call("PUT", "/api/v1/topics/" + id, c1, keep.encode()).statusCode(), "a topic keeps its category");
    assertEquals(404, api.call("PUT", "/api/v1/topic-categories/nothing_here", admin, cat.encode()).statusCode());
  }

  @Test
  void listsFilterPaginateAndStayInsideTheJurisdiction() {
    String c1 = token("c1");
    long last = 0;
    for (int i = 0; i < 5; i++) {
      last = create(c1, topic("分页议题" + i).put("category", i < 2 ? "ecology" : "economy"));
    }
    assertEquals(200, transition(c1, last, "submit", null).statusCode());
    String admin = token("admin");
    JsonObject p1 = Http.json(api.get("/api/v1/topics?q=分页议题&size=2&page=1", admin));
    JsonObject p3 = Http.json(api.get("/api/v1/topics?q=分页议题&size=2&page=3", admin));
    assertEquals(5, p1.getLong("total"));
    assertEquals(2, p1.getJsonArray("items").size());
    assertEquals(1, p3.getJsonArray("items").size());
    assertEquals("分页议题4", p1.getJsonArray("items").getJsonObject(0).getString("title"), "most recently changed first");
    assertEquals(2, Http.json(api.get("/api/v1/topics?q=分页议题&category=ecology", admin)).getLong("total"));
    assertEquals(1, Http.json(api.get("/api/v1/topics?q=分页议题&status=submitted", token("d1"))).getLong("total"));
    assertEquals(5, Http.json(api.get("/api/v1/topics?q=分页议题&stationId=" + haiming, token("city"))).getLong("total"));
    assertEquals(0, Http.json(api.get("/api/v1/topics?q=分页议题&stationId=" + f.stations.get(AccountFixtures.CHANGQING), admin)).getLong("total"));
    assertEquals(0, Http.json(api.get("/api/v1/topics?q=分页议题", token("d2"))).getLong("total"), "other district sees none");
    assertEquals(0, Http.json(api.get("/api/v1/topics?q=分页议题", token("c3"))).getLong("total"), "other station's coordinator");
    assertEquals(0, Http.json(api.get("/api/v1/topics?q=分页议题", token("city-other"))).getLong("total"));
    assertField(api.get("/api/v1/topics?status=sleeping", admin), 422, "status");
    assertField(api.get("/api/v1/topics?stationId=abc", admin), 422, "stationId");
    assertField(api.get("/api/v1/topics?size=500", admin), 422, "size");
    String queue = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD).get("/topics/approvals").body();
    assertTrue(queue.contains("分页议题4") && !queue.contains("分页议题3"), "the queue holds submitted topics only");
  }

  @Test
  void formsWorkWithoutJavaScriptKeepInputAndShowEachQuestionsError() throws Exception {
    Browser b = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
    String form = b.get("/topics/new").body();
    assertTrue(form.contains("name=\"q1Answer\" value=\"true\"") && form.contains("for=\"f-q2Reason\""), "radios and labelled reasons");
    long before = db.count("SELECT count(*) FROM topic");
    Map<String, String> fields = new HashMap<>(Map.of("stationId", String.valueOf(haiming), "title", "保留的议题名称",
        "category", "ecology", "source", "residents", "q1Answer", "true", "q1Reason", "保留的理由", "intent", "submit"));
    HttpResponse<String> bad = b.post("/topics", fields);
    assertEquals(422, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("value=\"保留的议题名称\"") && bad.body().contains("保留的理由"), "input kept");
    assertTrue(bad.body().contains("id=\"e-q2Answer\"") && bad.body().contains("id=\"e-q2Reason\""), "one error per piece");
    assertTrue(bad.body().contains("请回答此问") && bad.body().contains("请写明理由"));
    assertTrue(bad.body().matches("(?s).*id=\"f-q1-yes\"[^>]*checked.*"), "the answer stays chosen");
    assertEquals(before, db.count("SELECT count(*) FROM topic"), "nothing saved");

    fields.put("intent", "save");
    HttpResponse<String> saved = b.post("/topics", fields);
    assertEquals(303, saved.statusCode(), saved.body());
    String location = saved.headers().firstValue("Location").orElseThrow();
    long id = Long.parseLong(location.replaceAll("\\D+(\\d+).*", "$1"));
    String view = b.get(location).body();
    assertTrue(view.contains("保留的议题名称") && view.contains("草稿"));
    HttpResponse<String> submit = b.post("/topics/" + id + "/transition", Map.of("action", "submit"));
    assertEquals(422, submit.statusCode());
    assertTrue(submit.body().contains("二问") && submit.body().contains("请回答此问"));

    b.get("/topics/" + id + "/edit");
    fields.put("version", "1");
    fields.put("q2Answer", "true");
    fields.put("q2Reason", "适合协商");
    fields.put("intent", "submit");
    fields.remove("stationId");
    HttpResponse<String> resubmitted = b.post("/topics/" + id, fields);
    assertEquals(303, resubmitted.statusCode(), resubmitted.body());
    assertTrue(b.get("/topics/" + id).body().contains("待审核"));
    HttpResponse<String> late = b.post("/topics/" + id, fields);
    assertEquals(409, late.statusCode(), "no edits outside draft");
    assertTrue(late.body().contains("不是草稿"));

    Browser district = new Browser(node.baseUrl()).login("d1", AccountFixtures.PASSWORD);
    assertTrue(district.get("/topics/approvals").body().contains("保留的议题名称"));
    district.get("/topics/" + id);
    HttpResponse<String> noReason = district.post("/topics/" + id + "/transition", Map.of("action", "reject", "reason", ""));
    assertEquals(422, noReason.statusCode());
    assertTrue(noReason.body().contains("请填写原因"));
    assertEquals(303, district.post("/topics/" + id + "/transition", Map.of("action", "approve")).statusCode());
    assertTrue(district.get("/topics/" + id).body().contains("已通过"));
    assertTrue(district.get("/topics?status=approved").body().contains("保留的议题名称"));
  }
}
