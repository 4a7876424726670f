package org.yishi.stats;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * Raw rows for the statistics tests, written directly in SQL (the services refuse times in the
 * past, and each feature has its own tests): topics, meetings, records, attendees, outcomes.
 * Every write goes through the tables' triggers, like the services' writes.
 */
final class StatsFixtures {
  private final Pool pool;

  StatsFixtures(Pool pool) {
    this.pool = pool;
  }

  RowSet<Row> sql(String q, Object... args) {
    return pool.preparedQuery(q).execute(Tuple.wrap(Arrays.asList(args))).await();
  }

  long id(String q, Object... args) {
    return sql(q, args).iterator().next().getLong(0);
  }

  long topic(long station, String status, String createdAt) {
    return topic(station, status, createdAt, "livelihood", null);
  }

  long topic(long station, String status, String createdAt, String category, Long planItem) {
    return id("""
        INSERT INTO topic (station_id, division_code, title, category, source, plan_item_id, q1_answer, q1_reason, q2_answer,
                           q2_reason, status, created_at)
        SELECT id, division_code, '议题', $4, CASE WHEN $5::bigint IS NULL THEN 'residents' ELSE 'yearly_plan' END, $5,
               true, '热点', true, '适合', $2, $3::timestamptz FROM station WHERE id = $1
        RETURNING id""", station, status, OffsetDateTime.parse(createdAt), category, planItem);
  }

  long meeting(long topic, String start, String status, String format) {
    return meeting(topic, start, status, format, "forum");
  }

  long meeting(long topic, String start, String status, String format, String kind) {
    return id("""
        INSERT INTO meeting (topic_id, station_id, division_code, starts_at, ends_at, venue, format, online_link, kind, status)
        SELECT t.id, t.station_id, t.division_code, $2::timestamptz, $2::timestamptz + interval '2 hours', '室', $4,
               CASE WHEN $4 = 'on_site' THEN NULL ELSE 'https://m.example.invalid/x' END, $5, $3
          FROM topic t WHERE t.id = $1 RETURNING id""", topic, OffsetDateTime.parse(start), status, format, kind);
  }

  void record(long meeting, boolean held, int members, int residents, int suggestions, int filedDaysLater) {
    sql("""
        INSERT INTO meeting_record (meeting_id, held, not_held_reason, actual_start, actual_end, attendance_members,
               attendance_residents, attendance_departments, attendance_experts, suggestions_count, filed_at)
        SELECT m.id, $2, CASE WHEN $2 THEN NULL ELSE '雨' END, CASE WHEN $2 THEN m.starts_at END, CASE WHEN $2 THEN m.ends_at END,
               $3, $4, 1, 1, $5, m.ends_at + make_interval(days => $6)
          FROM meeting m WHERE m.id = $1""", meeting, held, members, residents, suggestions, filedDaysLater);
  }

  void attended(long meeting, long... members) {
    for (long m : members) {
      sql("INSERT INTO meeting_attendee (meeting_id, member_id) VALUES ($1, $2)", meeting, m);
    }
  }

  long outcome(long meeting, String status, String answer, String satisfaction, boolean typical, String due) {
    return outcome(meeting, status, answer, satisfaction, typical, due, "suggestion_letter");
  }

  long outcome(long meeting, String status, String answer, String satisfaction, boolean typical, String due, String form) {
    boolean answered = !"referred".equals(status);
    boolean implemented = "implemented".equals(status) || "closed".equals(status) && !"not_adopted".equals(answer);
    return id("""
        INSERT INTO outcome (meeting_id, station_id, division_code, content, form, responsible_unit, due_on, status, answer, reply,
               answered_at, implementation_evidence, implemented_at, satisfaction, closed_at, rated_at, typical_case)
        SELECT m.id, m.station_id, m.division_code, '成果', $9, '区住建局', $6::date, $2, $3,
               CASE WHEN $7 THEN '已办' END, CASE WHEN $7 THEN now() END, CASE WHEN $8 THEN '已完成' END,
               CASE WHEN $8 THEN now() END, $4, CASE WHEN $2 = 'closed' THEN now() END, CASE WHEN $2 = 'closed' THEN now() END, $5
          FROM meeting m WHERE m.id = $1 RETURNING id""", meeting, status, answer, satisfaction, typical, LocalDate.parse(due),
        answered, implemented, form);
  }
}
