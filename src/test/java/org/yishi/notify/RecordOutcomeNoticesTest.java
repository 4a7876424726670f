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
import org.yishi.support.NodeExtension;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notices of a record filed with its outcomes (issue 25): queued together ({@link Outbox#queueAll}),
 * each outcome's unit contact gets exactly the message that filing the outcome on its own queues,
 * and {@code queueAll} writes what {@link Outbox#queue} writes notice by notice, for any mix of
 * audiences; a broken template among them writes nothing.
 */
class RecordOutcomeNoticesTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static AccountFixtures f;
  @FromNode private static Api api;

  private static List<String> rows(String keyPrefix) {
    List<String> out = new ArrayList<>();
    node.app().pool().preparedQuery("SELECT channel, recipient, subject, body, dedupe_key, link, locale, kind, account_id, urgent"
            + " FROM outbox WHERE dedupe_key LIKE $1 || '%' ORDER BY dedupe_key").execute(Tuple.of(keyPrefix)).await()
        .forEach(r -> out.add(r.toJson().encode()));
    return out;
  }

  private static void sql(String sql, Object... args) {
    node.app().pool().preparedQuery(sql).execute(Tuple.wrap(args)).await();
  }

  private static JsonObject outcome(String content, String unit, LocalDate due) {
    return new JsonObject().put("content", content).put("form", "proposal").put("responsibleUnit", unit)
        .put("application", "纳入年度计划").put("dueOn", due.toString());
  }

  @Test
  void aRecordsOutcomesReachTheirUnitsAsSeparateFilingsWould() {
    long station = f.stations.get(AccountFixtures.HAIMING);
    String d1 = api.token("d1", AccountFixtures.PASSWORD);
    for (String[] unit : List.of(new String[] {"城管局", "13600000011"}, new String[] {"住建局", "zjj@example.org"})) {
      HttpResponse<String> set = api.call("PUT", "/api/v1/unit-contacts", d1, new JsonObject()
          .put("districtCode", AccountFixtures.TAOBEI).put("unit", unit[0]).put("contact", unit[1]).encode());
      assertEquals(200, set.statusCode(), set.body());
    }
    sql("UPDATE account SET email = 'c1@example.org' WHERE id = $1", f.ids.get("c1"));
    long meeting = AccountFixtures.endedMeetings(node, station, "早市管理", 1, List.of())[0];
    OffsetDateTime start = OffsetDateTime.now().minusHours(3).withNano(0);
    LocalDate due = LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(10);
    String script = "<script>alert(1)</script>'); DELETE FROM outbox; --";
    HttpResponse<String> filed = api.call("PUT", "/api/v1/meetings/" + meeting + "/record", d1, new JsonObject()
        .put("held", true).put("actualStart", start.toString()).put("actualEnd", start.plusHours(2).toString())
        .put("outcomes", new JsonArray().add(outcome("规范早市摊位", "城管局", due)).add(outcome(script, "住建局", due))
            .add(outcome("增设路灯", "无联系人的单位", due))).encode());
    assertEquals(200, filed.statusCode(), filed.body());
    JsonArray outcomes = new JsonObject(filed.body()).getJsonArray("outcomes");
    long[] ids = outcomes.stream().mapToLong(o -> ((JsonObject) o).getLong("id")).toArray();

    // who gets what: each unit's contact its own outcome's message, by the channel its contact allows
    assertEquals(List.of("sms 13600000011"), recipients("outcome_referred:" + ids[0] + ":"));
    assertEquals(List.of("email zjj@example.org"), recipients("outcome_referred:" + ids[1] + ":"));
    assertEquals(List.of(), recipients("outcome_referred:" + ids[2] + ":"), "a unit without a contact gets nothing");
    String body = new JsonObject(rows("outcome_referred:" + ids[1] + ":").get(0)).getString("body");
    assertTrue(body.contains(script), "the text is queued as typed (escaped where it is rendered): " + body);

    // the same messages as queued one notice at a time
    List<String> together = new ArrayList<>();
    for (long id : ids) {
      together.addAll(rows("outcome_referred:" + id + ":"));
    }
    sql("DELETE FROM outbox WHERE dedupe_key LIKE 'outcome_referred:%'");
    node.app().pool().withTransaction(tx -> {
      io.vertx.core.Future<Integer> chain = io.vertx.core.Future.succeededFuture(0);
      for (Object o : outcomes) {
        JsonObject one = (JsonObject) o;
        chain = chain.compose(n -> Outbox.queue(tx, Notices.outcomeReferred(one.getLong("id"), one.getString("stationName"),
            one.getString("responsibleUnit"), one.getString("dueOn"), one.getString("content"))));
      }
      return chain;
    }).await();
    List<String> oneByOne = new ArrayList<>();
    for (long id : ids) {
      oneByOne.addAll(rows("outcome_referred:" + id + ":"));
    }
    assertEquals(oneByOne, together);
  }

  private static List<String> recipients(String keyPrefix) {
    return rows(keyPrefix).stream().map(JsonObject::new).map(r -> r.getString("channel") + " " + r.getString("recipient")).toList();
  }

  @Test
  void queueAllWritesWhatQueueWritesNoticeByNotice() {
    long station = f.stations.get(AccountFixtures.HAIMING);
    sql("UPDATE account SET email = 'c1@example.org', phone = '13800000021' WHERE id = $1", f.ids.get("c1"));
    sql("UPDATE account SET email = 'd1@example.org' WHERE id = $1", f.ids.get("d1"));
    List<Notice> notices = List.of(
        Notices.recordReturned(990001, 2, station, "议题 A", "海明社区", "请补充"),
        Notices.recordReturned(990002, 1, station, "议题 B", "海明社区", "<b>补充</b>"),
        new Notice("topic_rejected", "mix:1", "/topics/1", Map.of("title", "t", "station", "s", "reason", "r"),
            List.of(new Notice.Audience.StationCoordinators(station), new Notice.Audience.DistrictStaffOfStation(station),
                new Notice.Audience.Account(f.ids.get("d1")))),
        new Notice("topic_rejected", "mix:nobody", "/topics/2", Map.of("title", "t", "station", "s", "reason", "r"),
            List.of(new Notice.Audience.Account(-1))));
    int queued = node.app().pool().withTransaction(tx -> Outbox.queueAll(tx, notices)).await();
    List<String> together = new ArrayList<>(rows("record_returned:99000"));
    together.addAll(rows("mix:"));
    assertTrue(queued >= 4, "messages for the coordinator and the district staff: " + queued);
    assertEquals(queued, together.size());
    assertEquals(0, node.app().pool().withTransaction(tx -> Outbox.queueAll(tx, notices)).await(), "queued once");

    sql("DELETE FROM outbox WHERE dedupe_key LIKE 'record_returned:99000%' OR dedupe_key LIKE 'mix:%'");
    node.app().pool().withTransaction(tx -> {
      io.vertx.core.Future<Integer> chain = io.vertx.core.Future.succeededFuture(0);
      for (Notice n : notices) {
        chain = chain.compose(k -> Outbox.queue(tx, n));
      }
      return chain;
    }).await();
    List<String> oneByOne = new ArrayList<>(rows("record_returned:99000"));
    oneByOne.addAll(rows("mix:"));
    assertEquals(oneByOne, together);

    // a notice whose template misses a variable, beside good ones: a clear error, nothing written
    sql("DELETE FROM outbox WHERE dedupe_key LIKE 'record_returned:99000%' OR dedupe_key LIKE 'mix:%'");
    Notice broken = new Notice("topic_rejected", "mix:broken", "/topics/3", Map.of("title", "t", "station", "s"),
        List.of(new Notice.Audience.StationCoordinators(station)));
    List<Notice> withBroken = new ArrayList<>(notices);
    withBroken.add(broken);
    Throwable err = assertThrows(Throwable.class, () -> node.app().pool().withTransaction(tx -> Outbox.queueAll(tx, withBroken)).await());
    assertTrue(err.getMessage().contains("needs the variable 'reason'"), err.getMessage());
    assertEquals(List.of(), rows("mix:"));
    assertEquals(List.of(), rows("record_returned:99000"));
  }
}
