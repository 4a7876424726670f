package org.yishi.demo;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.request.TrackingCode;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Residents' requests at every active demo station (docs/requests.md), one in every state: two
 * waiting for triage (one past its promised day, with a phone number the coordinator sees), one
 * taken up into the station's topic that went furthest (so its status page shows the meeting and
 * the outcome), one merged into it, one answered, one declined with a reason, one hidden. Written
 * straight into the tables, received first and then triaged, so that the counters' trigger counts
 * them as live submissions would be counted.
 */
final class DemoRequests {
  /** days ago received, category, text, place, phone, final status, reply, days until triage. */
  private static final Object[][] KINDS = {
      {1, "urban_management", "小区门口的路灯坏了，晚上出行看不清", "幸福小区北门", "13800000001", "received", null, 0},
      {12, "ecology", "河边有人倾倒建筑垃圾，气味很大", "洮儿河堤东段", "13800000002", "received", null, 0},
      {70, "livelihood", "老旧小区供暖不热，室温不到十六度", "建设街3号楼", null, "accepted", null, 3},
      {68, "livelihood", "我们楼也是暖气不热，希望一起解决", null, null, "merged", null, 4},
      {40, "elderly_children", "社区老年食堂几点开饭？", null, null, "answered", "工作日午餐11:30开饭，晚餐17:00开饭，周末照常。", 2},
      {35, "other", "要求社区给我家免费装修", null, null, "declined", "属于个人家庭事务，不属于协商议事范围。可咨询社区住房保障窗口。", 5},
      {20, "other", "（含辱骂他人的内容）", null, null, "hidden", "辱骂他人", 1}};

  private final Pool pool;

  private final ZoneId zone;

  DemoRequests(Pool pool, ZoneId zone) {
    this.zone = zone;
    this.pool = pool;
  }

  Future<Void> write() {
    return pool.query("""
            SELECT s.id, s.division_code, t.id, t.created_at
              FROM station s LEFT JOIN LATERAL (
                     SELECT t.id, t.created_at FROM topic t JOIN meeting m ON m.topic_id = t.id JOIN outcome o ON o.meeting_id = m.id
                      WHERE t.station_id = s.id ORDER BY o.rated_at NULLS LAST, o.implemented_at NULLS LAST, t.id LIMIT 1) t ON true
             WHERE s.status = 'active' ORDER BY s.id""").execute()
        .compose(stations -> {
          List<Tuple> inserts = new ArrayList<>();
          List<Object[]> plan = new ArrayList<>();
          OffsetDateTime now = OffsetDateTime.now(zone).withHour(10).withMinute(0).withSecond(0).withNano(0);
          for (Row s : stations) {
            for (Object[] k : KINDS) {
              OffsetDateTime at = now.minusDays((Integer) k[0]);
              boolean intoTopic = "accepted".equals(k[5]) || "merged".equals(k[5]);
              if (intoTopic && s.getOffsetDateTime(3) != null) {
                // raised a few days before the topic it went into was drafted
                at = s.getOffsetDateTime(3).minusDays("accepted".equals(k[5]) ? 5 : 4);
              }
              inserts.add(Tuple.tuple().addString(TrackingCode.next()).addLong(s.getLong(0)).addString(s.getString(1))
                  .addString((String) k[1]).addString((String) k[2]).addString((String) k[3]).addString((String) k[4])
                  .addLocalDate(LocalDate.from(at).plusDays(7)).addOffsetDateTime(at));
              plan.add(new Object[] {s.getLong(2), k, at});
            }
          }
          if (inserts.isEmpty()) {
            return Future.succeededFuture();
          }
          return pool.withTransaction(tx -> tx.preparedQuery("""
                  INSERT INTO resident_request (tracking_code, station_id, division_code, category, description, place, phone, due_on, created_at)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""").executeBatch(inserts)
              .compose(rows -> {
                List<Long> ids = new ArrayList<>();
                for (var r = rows; r != null; r = r.next()) {
                  ids.add(r.iterator().next().getLong(0));
                }
                List<Tuple> triage = new ArrayList<>();
                List<Tuple> links = new ArrayList<>();
                Long accepted = null;
                for (int i = 0; i < ids.size(); i++) {
                  Object[] p = plan.get(i);
                  Object[] k = (Object[]) p[1];
                  String status = (String) k[5];
                  if (i % KINDS.length == 0) {
                    accepted = null;
                  }
                  if ("received".equals(status)) {
                    continue;
                  }
                  Long topic = (Long) p[0];
                  String reply = (String) k[6];
                  if ("accepted".equals(status) && topic == null) {
                    status = "answered"; // a station without an outcome yet: answered instead
                    reply = "已转交社区居委会和物业公司处理，本周内上门查看。";
                  }
                  if ("merged".equals(status) && accepted == null) {
                    status = "answered";
                    reply = "与此前反映的同一事项一并处理。";
                  }
                  OffsetDateTime triaged = ((OffsetDateTime) p[2]).plusDays((Integer) k[7]);
                  triage.add(Tuple.tuple().addLong(ids.get(i)).addString(status)
                      .addString("hidden".equals(status) ? null : reply)
                      .addLong("merged".equals(status) ? accepted : null)
                      .addString("hidden".equals(status) ? reply : null)
                      .addOffsetDateTime(triaged));
                  if ("accepted".equals(status)) {
                    accepted = ids.get(i);
                    links.add(Tuple.of(topic, ids.get(i), triaged));
                  } else if ("merged".equals(status)) {
                    links.add(Tuple.of(topic, ids.get(i), triaged));
                  }
                }
                return tx.preparedQuery("""
                        UPDATE resident_request SET status = $2, reply = $3, merged_into = $4, hidden_reason = $5,
                               triaged_at = $6, version = version + 1 WHERE id = $1""").executeBatch(triage)
                    .compose(v -> links.isEmpty() ? Future.succeededFuture()
                        : tx.preparedQuery("INSERT INTO topic_request (topic_id, request_id, linked_at) VALUES ($1, $2, $3)").executeBatch(links))
                    .mapEmpty();
              }));
        });
  }
}
