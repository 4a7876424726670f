package org.yishi.home;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The work queue (我的待办) of each role, read from the rows the features keep: nothing is stored for
 * the queue itself, so an item leaves it as soon as the work is done where it is done.
 *
 * <p>Every statement starts with the caller's parameters as a one-row CTE {@code p} (stations,
 * account, jurisdiction prefix, now, today in the node's zone, YISHI_ZONE), and every section filters by them:
 * coordinators by their stations ({@code = ANY(p.stations)}), staff by the division prefix of their
 * jurisdiction ({@code LIKE p.prefix || '%'}, the prefix of {@code Jurisdiction.sqlPrefix()}), admins
 * see everything. The badge count is one statement per role: the sum of the counts of the sections
 * that ask for action.
 */
public final class QueueStore {
  /** The node's time zone (YISHI_ZONE), for calendar days and the times shown. */
  private final ZoneId zone;
  /** Items listed per section (the section's total is exact). */
  static final int LIMIT = 10;
  private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  private static final String PARAMS = """
      WITH p AS (SELECT $1::bigint[] AS stations, $2::bigint AS account, $3::text AS prefix,
                        $4::timestamptz AS now, $5::date AS today)
      """;

  /**
   * One list of the queue: {@code select} names the columns shown ({@code id, title, link} and any of
   * {@code sub, at, days, state, note, n1..n3}), {@code from} its tables (the CTE {@code p} is joined
   * by the store), {@code where} and {@code order} as in SQL. {@code action}: whether it counts in the badge.
   */
  record Section(String key, String select, String from, String where, String order, boolean action) {
  }

  private static final String RECORD_DUE_DAYS = "(m.ends_at AT TIME ZONE current_setting('TimeZone'))::date + 7 - p.today";

  /** Residents' requests waiting for the coordinator's triage, oldest first, with the days left of the promise (docs/requests.md). */
  static final Section RESIDENT_REQUESTS = new Section("residentRequests",
      "r.id, left(r.description, 40) AS title, s.name AS sub, '/requests/' || r.id AS link, r.created_at AS at, r.due_on - p.today AS days",
      "resident_request r JOIN station s ON s.id = r.station_id", "r.station_id = ANY(p.stations) AND r.status = 'received'",
      "r.created_at, r.id", true);

  static final List<Section> COORDINATOR = List.of(
      new Section("meetings", "m.id, t.title, s.name AS sub, '/meetings/' || m.id AS link, m.starts_at AS at",
          "meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id",
          "m.station_id = ANY(p.stations) AND m.status = 'scheduled' AND m.starts_at >= p.now"
              + " AND m.starts_at < p.now + interval '14 days'", "m.starts_at, m.id", false),
      // a record is due within 7 days of the meeting's end (records_filed_on_time, docs/statistics.md)
      new Section("recordsDue", "m.id, t.title, s.name AS sub, '/meetings/' || m.id || '/record' AS link, m.ends_at AS at, "
          + RECORD_DUE_DAYS + " AS days",
          "meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id",
          "m.station_id = ANY(p.stations) AND m.status = 'scheduled' AND m.ends_at < p.now"
              + " AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)", "m.ends_at, m.id", true),
      new Section("recordsReturned", "m.id, t.title, s.name AS sub, '/meetings/' || m.id || '/record' AS link, "
          + "r.updated_at AS at, r.return_reason AS note",
          "meeting_record r JOIN meeting m ON m.id = r.meeting_id JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id",
          "m.station_id = ANY(p.stations) AND r.status = 'returned'", "r.updated_at, m.id", true),
      new Section("topics", "t.id, t.title, s.name AS sub, '/topics/' || t.id AS link, t.updated_at AS at, t.status AS state, "
          + "t.decision_reason AS note",
          "topic t JOIN station s ON s.id = t.station_id",
          "t.station_id = ANY(p.stations) AND t.status IN ('rejected', 'submitted')",
          "t.status = 'submitted', t.updated_at, t.id", true),
      new Section("outcomesToRate", "o.id, left(o.content, 80) AS title, o.responsible_unit AS sub, '/outcomes/' || o.id AS link, "
          + "o.status AS state", "outcome o",
          "o.station_id = ANY(p.stations) AND (o.status = 'implemented' OR (o.status = 'answered' AND o.answer = 'not_adopted'))",
          "o.updated_at, o.id", true),
      new Section("notifications", "n.id, n.title, n.body AS sub, coalesce(n.link, '/notifications') AS link, n.created_at AS at",
          "notification n", "n.account_id = p.account AND n.read_at IS NULL", "n.created_at DESC, n.id DESC", true),
      RESIDENT_REQUESTS);


  /** Registered stations without a held meeting in the last three calendar months (stations_dormant, docs/statistics.md). */
  private static final String DORMANT = "s.status IN ('active', 'suspended') AND NOT EXISTS (SELECT 1 FROM stats_station_month sm"
      + " WHERE sm.station_id = s.id AND sm.meetings_held > 0"
      + " AND sm.month BETWEEN (date_trunc('month', p.today) - interval '2 months')::date AND p.today)";

  /**
   * Items of this year's plans of the committees inside the jurisdiction whose target quarter has
   * ended without a held meeting on a (not withdrawn) topic that names them: the "held" progress of
   * the plan pages (docs/topics.md) not reached in time.
   */
  private static final Section PLAN_BEHIND = new Section("planBehind",
      "i.id, i.title, c.name AS sub, '/plans/' || pl.id AS link, i.target_quarter AS n1",
      "plan_item i JOIN plan pl ON pl.id = i.plan_id JOIN committee c ON c.id = pl.committee_id",
      "c.division_code LIKE p.prefix || '%' AND pl.year = extract(year FROM p.today)::int"
          + " AND i.target_quarter < extract(quarter FROM p.today)::int"
          + " AND NOT EXISTS (SELECT 1 FROM topic t JOIN meeting m ON m.topic_id = t.id"
          + " WHERE t.plan_item_id = i.id AND t.status <> 'withdrawn' AND m.status = 'held')",
      "i.target_quarter, c.division_code, i.sort, i.id", true);

  static final List<Section> DISTRICT = List.of(
      new Section("stationApprovals", "s.id, s.name AS title, d.name AS sub, '/stations/' || s.id AS link, s.created_at AS at",
          "station s JOIN division d ON d.code = s.division_code",
          "s.division_code LIKE p.prefix || '%' AND s.status = 'pending'", "s.created_at, s.id", true),
      new Section("topicApprovals", "t.id, t.title, s.name AS sub, '/topics/' || t.id AS link, t.updated_at AS at",
          "topic t JOIN station s ON s.id = t.station_id",
          "t.division_code LIKE p.prefix || '%' AND t.status = 'submitted'", "t.updated_at, t.id", true),
      // the record's version goes with the queue's return form (POST /meetings/:id/record/return)
      new Section("recordsToReview", "m.id, t.title, s.name AS sub, '/meetings/' || m.id || '/record' AS link, r.filed_at AS at, "
          + "r.version",
          "meeting_record r JOIN meeting m ON m.id = r.meeting_id JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id",
          "m.division_code LIKE p.prefix || '%' AND r.status = 'filed' AND r.filed_at >= p.now - interval '7 days'",
          "r.filed_at DESC, m.id", false),
      new Section("referrals", "o.id, left(o.content, 80) AS title, s.name || ' · ' || o.responsible_unit AS sub, "
          + "'/outcomes/' || o.id AS link, o.due_on - p.today AS days",
          "outcome o JOIN station s ON s.id = o.station_id",
          "o.division_code LIKE p.prefix || '%' AND o.status = 'referred' AND o.due_on < p.today + 7", "o.due_on, o.id", true),
      new Section("dormantStations", "s.id, s.name AS title, d.name AS sub, '/stations/' || s.id AS link, "
          + "(SELECT to_char(max(sm.month), 'YYYY-MM') FROM stats_station_month sm WHERE sm.station_id = s.id AND sm.meetings_held > 0) AS note",
          "station s JOIN division d ON d.code = s.division_code",
          "s.division_code LIKE p.prefix || '%' AND " + DORMANT, "s.division_code, s.name, s.id", false),
      new Section("meetingsThisWeek", "m.id, t.title, s.name AS sub, '/meetings/' || m.id AS link, m.starts_at AS at, m.status AS state",
          "meeting m JOIN topic t ON t.id = m.topic_id JOIN station s ON s.id = m.station_id",
          "m.division_code LIKE p.prefix || '%' AND m.status <> 'cancelled'"
              + " AND (m.starts_at AT TIME ZONE current_setting('TimeZone'))::date >= p.today - (extract(isodow FROM p.today)::int - 1)"
              + " AND (m.starts_at AT TIME ZONE current_setting('TimeZone'))::date < p.today - (extract(isodow FROM p.today)::int - 1) + 7",
          "m.starts_at, m.id", false),
      PLAN_BEHIND);

  /**
   * The city committee's plans of this year with their items by progress (the plan pages' definition,
   * stats_plan_item, docs/topics.md): {@code n1} held, {@code n2} scheduled, {@code n3} planned, and
   * {@code behind} the items whose target quarter has ended with nothing held (listed in {@code planBehind}).
   */
  static final Section PLAN_PROGRESS = new Section("planProgress",
      "pl.id, pl.title, c.name AS sub, '/plans/' || pl.id AS link, x.held AS n1, x.scheduled AS n2, x.planned AS n3, x.behind",
      """
      plan pl JOIN committee c ON c.id = pl.committee_id,
      LATERAL (SELECT count(*) FILTER (WHERE coalesce(sp.meetings_held, 0) > 0) AS held,
                      count(*) FILTER (WHERE coalesce(sp.meetings_held, 0) = 0 AND coalesce(sp.meetings_scheduled, 0) > 0) AS scheduled,
                      count(*) FILTER (WHERE coalesce(sp.meetings_held, 0) = 0 AND coalesce(sp.meetings_scheduled, 0) = 0) AS planned,
                      count(*) FILTER (WHERE coalesce(sp.meetings_held, 0) = 0
                                         AND i.target_quarter < extract(quarter FROM p.today)::int) AS behind
                 FROM plan_item i LEFT JOIN stats_plan_item sp ON sp.plan_item_id = i.id WHERE i.plan_id = pl.id) x""",
      "c.level = 'city' AND c.division_code LIKE p.prefix || '%' AND pl.year = extract(year FROM p.today)::int",
      "c.division_code, pl.id", false);

  static final List<Section> CITY = List.of(
      // a district is late by its records not filed within 7 days, its overdue referrals and its dormant stations
      new Section("lateDistricts", "x.code AS id, x.name AS title, '/stats?division=' || x.code AS link, x.n1, x.n2, x.n3",
          // one pass over each table for the whole city, grouped by district (a per-district LIKE on a
          // computed prefix cannot use the prefix indexes: 16 scans of every meeting)
          """
          LATERAL (SELECT d.code, d.name, coalesce(a.n, 0) AS n1, coalesce(b.n, 0) AS n2, coalesce(c.n, 0) AS n3
             FROM division d
             LEFT JOIN (SELECT substr(m.division_code, 1, 6) AS k, count(*) AS n FROM meeting m
                         WHERE m.division_code LIKE p.prefix || '%' AND m.status = 'scheduled' AND m.ends_at < p.now - interval '7 days'
                           AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id) GROUP BY 1) a
               ON a.k = substr(d.code, 1, 6)
             LEFT JOIN (SELECT substr(o.division_code, 1, 6) AS k, count(*) AS n FROM outcome o
                         WHERE o.division_code LIKE p.prefix || '%' AND o.status = 'referred' AND o.due_on < p.today GROUP BY 1) b
               ON b.k = substr(d.code, 1, 6)
             LEFT JOIN (SELECT substr(s.division_code, 1, 6) AS k, count(*) AS n FROM station s
                         WHERE s.division_code LIKE p.prefix || '%' AND""" + " " + DORMANT + """
           GROUP BY 1) c
               ON c.k = substr(d.code, 1, 6)
            WHERE d.level = 'county' AND d.code LIKE p.prefix || '%') x""",
          "x.n1 + x.n2 + x.n3 > 0", "x.n1 + x.n2 + x.n3 DESC, x.code", true),
      PLAN_PROGRESS,
      PLAN_BEHIND,
      new Section("reports", "r.id, r.unit_name || ' ' || r.period AS title, r.kind AS state, '/reports/' || r.id AS link, "
          + "r.generated_at AS at", "report r", "r.unit_code LIKE p.prefix || '%'", "r.generated_at DESC, r.id DESC", false));

  /**
   * Messages (SMS, e-mail, robots) given up in the last 30 days: the delivery log's "failed" state
   * (outbox.failed_at, V22). The hook for branch n21's notification work: its delivery log keeps the
   * rows, this section only counts and lists them; change the condition here if "failed" changes meaning.
   */
  static final Section FAILED_NOTIFICATIONS = new Section("failedNotifications",
      "o.id, coalesce(o.subject, o.kind, o.channel) AS title, o.channel || ' · ' || o.recipient AS sub, "
          + "'/admin/notifications?status=failed' AS link, o.failed_at AS at, o.last_error AS note", "outbox o",
      "o.failed_at IS NOT NULL AND o.sent_at IS NULL AND o.failed_at >= p.now - interval '30 days'",
      "o.failed_at DESC, o.id DESC", true);

  static final List<Section> ADMIN = List.of(
      new Section("imports", "j.id, coalesce(j.filename, '#' || j.id) AS title, j.status AS state, "
          + "'/admin/divisions/imports/' || j.id AS link, j.started_at AS at, j.failure AS note", "division_import j",
          "j.status IN ('queued', 'running') OR (j.status = 'failed' AND j.started_at >= p.now - interval '30 days')",
          "j.started_at DESC, j.id DESC", true),
      new Section("disabledAccounts", "a.id, a.display_name AS title, a.username AS sub, a.role AS state, "
          + "'/admin/users/' || a.id AS link, a.updated_at AS at", "account a", "a.disabled", "a.updated_at DESC, a.id", false),
      FAILED_NOTIFICATIONS);

  private final Pool pool;
  /** The aggregate sections shared by the users of one unit on this node ({@link SharedSections}). */
  private final SharedSections shared;

  public QueueStore(Pool pool, ZoneId zone, SharedSections shared) {
    this.zone = zone;
    this.pool = pool;
    this.shared = shared;
  }

  /** The node's shared copies. */
  SharedSections shared() {
    return shared;
  }

  static List<Section> sections(Role role) {
    return switch (role) {
      case STATION_COORDINATOR -> COORDINATOR;
      case DISTRICT_STAFF -> DISTRICT;
      case CITY_STAFF -> CITY;
      case ADMIN -> ADMIN;
      case MEMBER -> List.of();
    };
  }

  private Tuple params(Principal me, Instant now) {
    String prefix = me.jurisdiction().sqlPrefix();
    return Tuple.tuple().addArrayOfLong(me.stationIds().toArray(new Long[0])).addLong(me.id())
        .addString(prefix == null ? "" : prefix).addOffsetDateTime(now.atOffset(ZoneOffset.UTC))
        .addLocalDate(LocalDate.ofInstant(now, zone));
  }

  /** The caller's queue: {@code {role, total, sections: [{key, action, total, items}]}}, {@code total} the badge count. */
  Future<JsonObject> queue(Principal me, Instant now) {
    List<Section> sections = sections(me.role());
    Tuple args = params(me, now);
    if (sections.stream().allMatch(shared::shares)) {
      // every section comes from the node's copies: no connection is taken (a copy read again takes its own)
      return sectionsOn(pool, me, sections, args);
    }
    // one connection per page: its sections are pipelined on it rather than taking a connection each
    // (a burst of home pages would otherwise fill the pool's wait queue several times over)
    return pool.withConnection(conn -> sectionsOn(conn, me, sections, args));
  }

  private Future<JsonObject> sectionsOn(io.vertx.sqlclient.SqlClient conn, Principal me, List<Section> sections, Tuple args) {
    List<Future<JsonObject>> lists = new ArrayList<>();
    for (Section s : sections) {
      lists.add(read(conn, s, args));
    }
    return Future.all(lists).map(all -> {
      JsonArray out = new JsonArray();
      long badge = 0;
      for (Future<JsonObject> f : lists) {
        JsonObject section = f.result();
        out.add(section);
        badge += section.getBoolean("action") ? section.getLong("total") : 0;
      }
      return new JsonObject().put("role", me.role().key()).put("total", badge).put("sections", out);
    });
  }

  /**
   * The admins' section of accounts locked by sign-in throttling: {@code names} come from the
   * cluster-wide throttle map (not the database), matched to their accounts here. Not in the badge:
   * a lock ends by itself when its window passes.
   */
  Future<JsonObject> lockedAccounts(Supplier<Future<java.util.Set<String>>> names) {
    // a cluster-wide query of the throttle map: the node's copy for the ttl of the shared sections
    return shared.get("lockedAccounts", () -> names.get().compose(this::lockedAccountsNamed));
  }

  private Future<JsonObject> lockedAccountsNamed(java.util.Set<String> names) {
    return pool.preparedQuery("""
            SELECT a.id, a.display_name AS title, a.username AS sub, a.role AS state, '/admin/users/' || a.id AS link,
                   count(*) OVER () AS total
              FROM account a WHERE lower(a.username) = ANY($1) ORDER BY a.username LIMIT""" + " " + LIMIT)
        .execute(Tuple.of(names.toArray(new String[0])))
        .map(rows -> section("lockedAccounts", false, rows));
  }

  /** A section of the queue from its rows (each with the window's {@code total}). */
  private JsonObject section(String key, boolean action, io.vertx.sqlclient.RowSet<Row> rows) {
    JsonArray items = new JsonArray();
    long total = 0;
    for (Row r : rows) {
      total = r.getLong("total");
      items.add(item(r));
    }
    return new JsonObject().put("key", key).put("action", action).put("total", total).put("items", items);
  }

  /** The city staff's reports scheduled next, as a section kept once per node ({@link SharedSections#BY_EVENT}). */
  static final Section REPORTS_NEXT = new Section("reportsNext", "", "", "", "", false);

  /**
   * The reports scheduled next at {@code now} ({@link #scheduledReports(JsonArray)} of what {@code nextRuns}
   * answers): the node's copy while no schedule changed, no run it lists has come and the copy is younger
   * than the ttl.
   */
  Future<JsonObject> scheduledReports(Instant now, java.util.function.Function<Instant, Future<JsonArray>> nextRuns) {
    Supplier<Future<JsonObject>> read = () -> nextRuns.apply(now).map(this::scheduledReports);
    Future<JsonObject> kept = shared.shares(REPORTS_NEXT) ? shared.get(REPORTS_NEXT, LocalDate.ofInstant(now, zone), read) : read.get();
    return kept.compose(section -> {
      Object first = section.getValue(FIRST_RUN);
      if (first instanceof Number n && n.longValue() <= now.toEpochMilli()) {
        // a listed run has come: the next ones are read afresh (and kept for the following pages)
        shared.heard(new JsonObject().put("type", org.yishi.platform.events.DomainEvent.REPORT_SCHEDULES_CHANGED.type()));
        return read.get();
      }
      return Future.succeededFuture(section);
    }).map(section -> {
      section.remove(FIRST_RUN);
      return section;
    });
  }

  /** When the soonest run listed comes (epoch milliseconds), kept with the section and removed before it is shown. */
  private static final String FIRST_RUN = "firstRun";

  /**
   * The city staff's section of reports scheduled next, from the schedules in force ({@code schedules}:
   * {@code id, kind, level, nextRun, nextPeriod} of the enabled ones, given by the report feature),
   * soonest first; each links to the reports page. Not in the badge: nothing to do but read them.
   */
  JsonObject scheduledReports(JsonArray schedules) {
    List<JsonObject> next = new ArrayList<>();
    for (Object o : schedules) {
      JsonObject j = (JsonObject) o;
      if (j.getString("nextRun") != null) {
        next.add(j);
      }
    }
    next.sort(java.util.Comparator.comparing((JsonObject j) -> OffsetDateTime.parse(j.getString("nextRun")).toInstant())
        .thenComparing(j -> j.getString("id")));
    JsonArray items = new JsonArray();
    for (JsonObject j : next.subList(0, Math.min(LIMIT, next.size()))) {
      items.add(new JsonObject().put("id", j.getString("id")).put("title", j.getString("id")).put("state", j.getString("kind"))
          .put("sub", j.getString("nextPeriod")).put("link", "/reports")
          .put("at", OffsetDateTime.parse(j.getString("nextRun")).atZoneSameInstant(zone).format(SHOWN)));
    }
    JsonObject section = new JsonObject().put("key", "reportsNext").put("action", false).put("total", (long) next.size())
        .put("items", items);
    if (!next.isEmpty()) {
      section.put(FIRST_RUN, OffsetDateTime.parse(next.get(0).getString("nextRun")).toInstant().toEpochMilli());
    }
    return section;
  }

  /**
   * One section for the caller of {@code args} on {@code client}: a shared one ({@link SharedSections}) from the
   * node's copy for the caller's unit and day, read afresh only when there is none.
   */
  private Future<JsonObject> read(io.vertx.sqlclient.SqlClient client, Section s, Tuple args) {
    Supplier<Future<JsonObject>> read = () -> client.preparedQuery(PARAMS + "SELECT " + s.select()
            + ", count(*) OVER () AS total FROM p, " + s.from() + " WHERE " + s.where() + " ORDER BY " + s.order() + " LIMIT " + LIMIT)
        .execute(args).map(rows -> section(s.key(), s.action(), rows));
    if (!shared.shares(s)) {
      return read.get();
    }
    if (SharedSections.byAccount(s)) {
      return shared.get(s, args.getLong(1), read);
    }
    if (SharedSections.byEvent(s)) {
      return shared.get(s, args.getLocalDate(4), read);
    }
    return SharedSections.byStations(s) ? shared.get(s, java.util.Arrays.asList(args.getArrayOfLongs(0)), args.getLocalDate(4), read)
        : shared.get(s, args.getString(2), args.getLocalDate(4), read);
  }

  /**
   * The badge count alone: one statement for the sections read per caller, plus the totals of the
   * shared ones from the node's copies (read once for all the users of the unit).
   */
  Future<Long> count(Principal me, Instant now) {
    List<Section> action = sections(me.role()).stream().filter(Section::action).toList();
    Tuple args = params(me, now);
    List<String> parts = action.stream().filter(s -> !shared.shares(s))
        .map(s -> "(SELECT count(*) FROM p, " + s.from() + " WHERE " + s.where() + ")").toList();
    Future<Long> own = parts.isEmpty() ? Future.succeededFuture(0L) // a member has no work queue
        : pool.preparedQuery(PARAMS + "SELECT " + String.join(" + ", parts)).execute(args).map(rows -> rows.iterator().next().getLong(0));
    List<Future<JsonObject>> sharedParts = action.stream().filter(shared::shares).map(s -> read(pool, s, args)).toList();
    return Future.all(sharedParts).compose(all -> own.map(n -> {
      long sum = n;
      for (Future<JsonObject> f : sharedParts) {
        sum += f.result().getLong("total");
      }
      return sum;
    }));
  }

  private JsonObject item(Row r) {
    JsonObject o = new JsonObject();
    for (int i = 0; i < r.size(); i++) {
      String name = r.getColumnName(i);
      if ("total".equals(name)) {
        continue;
      }
      Object v = r.getValue(i);
      if (v instanceof OffsetDateTime t) {
        v = t.atZoneSameInstant(zone).format(SHOWN);
      } else if (v instanceof LocalDate d) {
        v = d.toString();
      }
      o.put(name, v);
    }
    return o;
  }
}
