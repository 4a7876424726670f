-- The roll-up counters' SQL functions and triggers, as they are now: the ONE place to read and to
-- change them. A Flyway callback: Flyway runs it after every migrate, that is at every node start,
-- after the versioned migrations (it is not a migration and leaves no row in flyway_schema_history).
--
-- Why a callback and not a repeatable migration (R__): a repeatable migration leaves a row in the
-- schema history that the previous release does not know, and Flyway then refuses to start the
-- previous release on the migrated database ("Detected applied migration not resolved locally"),
-- which breaks the rolling upgrade and the binary rollback (docs/deployment.md; RollupMigrationTest
-- shows both).
--
-- History: V8 made the counters (stats_station_month), V9 added categories, kinds, members and plan
-- items, V10 took the rebuild's one table lock, V16 moved the recount to commit (deferred constraint
-- triggers, one recount per station-month per transaction); the design notes are at the top of
-- V16__stats_recount_once_at_commit.sql. Those released files keep their copies (never edited).
-- Issue 25 keeps the counters by deltas instead: statement-level triggers with transition tables
-- (stats_delta_*, at the end of this file) add what each statement changed (stats_meeting_line and
-- the other line functions) with one upsert per affected counter row, in the writing transaction; the recount
-- functions (stats_recount, stats_refresh, stats_rebuild) stay as the rebuild, the repair path and
-- the definition the deltas are tested against (StatsDeltaTest). RollupMigrationTest checks that an
-- upgraded and a fresh database end with the same definitions.

-- Rules for editing this file (docs/testing.md, Migrations):
--   * Every statement re-runnable and harmless to repeat: CREATE OR REPLACE FUNCTION, triggers
--     created only when missing. It runs at every start of every node.
--   * The previous release keeps running on the result during a rolling upgrade: keep function
--     names, arguments and result types (a new signature is a new function; drop the old one in a
--     later release's V migration, with a "-- contract:" comment). Note that a node of the
--     previous release that restarts during the upgrade does not run this file (it has none) but
--     a node of a release that HAS this file runs ITS copy: a change here is live once no node of
--     the release before it restarts.
--   * It runs after ALL pending versioned migrations: a V migration must not need what is new here.
--   * A table the functions return (SETOF stats_...) changes in a V migration first.
--   * A restore to an older schema version (backup restore) skips callbacks (BackupCommand).

-- ${zone} is the node's time zone (YISHI_ZONE, default Asia/Shanghai), a Flyway placeholder set by
-- platform/db/Database from AppConfig#zone(): the calendar months are counted in it. Changing the
-- zone on a database with data needs a rebuild of the counters (docs/statistics.md, "Time zone").

-- nodes starting together: one at a time (concurrent CREATE OR REPLACE of one function fails)
SELECT pg_advisory_xact_lock(8024);

-- The calendar month (the configured zone, YISHI_ZONE) a timestamp is counted in.
CREATE OR REPLACE FUNCTION stats_month(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS
  $$ SELECT date_trunc('month', t AT TIME ZONE '${zone}')::date $$;

-- The counter rows per station, month and topic category of the stations first..last and the
-- months from..to (first days of months; -infinity..infinity for all), from the raw rows. Month =
-- the calendar month in the configured zone of the meeting's start (meetings, records, attendance,
-- outcomes of that meeting) or of the topic's creation (topics); category = the meeting's topic's.
-- A plain SQL function so that the planner inlines it into the calling statement.
CREATE OR REPLACE FUNCTION stats_counted_categories(p_first bigint, p_last bigint, p_from date, p_to date)
  RETURNS SETOF stats_station_month_category LANGUAGE sql STABLE AS $$
  WITH
  -- the meetings, read once, with their month, their topic's category and plan origin
  m AS MATERIALIZED (
    SELECT m.id, m.station_id, stats_month(m.starts_at) AS month, m.status, m.format, m.kind, m.ends_at, t.category,
           t.plan_item_id IS NOT NULL AS from_plan
      FROM meeting m JOIN topic t ON t.id = m.topic_id
     WHERE m.station_id BETWEEN p_first AND p_last
       AND m.starts_at >= (p_from::timestamp AT TIME ZONE '${zone}')
       AND m.starts_at < ((p_to + interval '1 month')::timestamp AT TIME ZONE '${zone}')),
  mt AS (
    SELECT station_id, month, category,
           count(*) FILTER (WHERE status = 'held') AS held,
           count(*) FILTER (WHERE status = 'not_held') AS not_held,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'held' AND format <> 'on_site') AS online,
           count(*) FILTER (WHERE status = 'held' AND kind = 'standing_committee_session') AS k_session,
           count(*) FILTER (WHERE status = 'held' AND kind = 'thematic_consultation') AS k_thematic,
           count(*) FILTER (WHERE status = 'held' AND kind = 'forum') AS k_forum,
           count(*) FILTER (WHERE status = 'held' AND kind = 'counterpart') AS k_counterpart,
           count(*) FILTER (WHERE status = 'held' AND kind = 'proposal_handling') AS k_proposal,
           count(*) FILTER (WHERE status = 'held' AND kind = 'sector') AS k_sector,
           count(*) FILTER (WHERE status = 'held' AND kind = 'grassroots') AS k_grassroots,
           count(*) FILTER (WHERE status = 'held' AND format = 'on_site') AS f_on_site,
           count(*) FILTER (WHERE status = 'held' AND format = 'online') AS f_online,
           count(*) FILTER (WHERE status = 'held' AND format = 'hybrid') AS f_hybrid,
           count(*) FILTER (WHERE status = 'held' AND from_plan) AS from_plan
      FROM m GROUP BY station_id, month, category),
  rc AS (
    SELECT m.station_id, m.month, m.category,
           sum(r.attendance_members) FILTER (WHERE r.held) AS members,
           sum(r.attendance_residents) FILTER (WHERE r.held) AS residents,
           sum(r.attendance_departments) FILTER (WHERE r.held) AS departments,
           sum(r.attendance_experts) FILTER (WHERE r.held) AS experts,
           sum(r.attendance_others) FILTER (WHERE r.held) AS others,
           sum(r.suggestions_count) FILTER (WHERE r.held) AS suggestions,
           count(*) AS filed,
           count(*) FILTER (WHERE r.filed_at <= m.ends_at + interval '7 days') AS on_time
      FROM m JOIN meeting_record r ON r.meeting_id = m.id
     WHERE m.status <> 'cancelled' GROUP BY m.station_id, m.month, m.category),
  at AS (
    SELECT m.station_id, m.month, m.category, count(*) AS attending
      FROM m JOIN meeting_attendee a ON a.meeting_id = m.id
     WHERE m.status = 'held' GROUP BY m.station_id, m.month, m.category),
  oc AS (
    SELECT m.station_id, m.month, m.category,
           count(*) AS total,
           count(*) FILTER (WHERE o.status <> 'referred') AS answered,
           count(*) FILTER (WHERE o.answer = 'adopted') AS adopted,
           count(*) FILTER (WHERE o.answer = 'partly_adopted') AS partly,
           count(*) FILTER (WHERE o.answer = 'not_adopted') AS not_adopted,
           count(*) FILTER (WHERE o.status IN ('implemented', 'closed') AND o.implemented_at IS NOT NULL) AS implemented,
           count(*) FILTER (WHERE o.status = 'closed') AS closed,
           count(*) FILTER (WHERE o.satisfaction = 'satisfied') AS satisfied,
           count(*) FILTER (WHERE o.satisfaction = 'basically_satisfied') AS basically,
           count(*) FILTER (WHERE o.satisfaction = 'dissatisfied') AS dissatisfied,
           count(*) FILTER (WHERE o.typical_case) AS typical,
           count(*) FILTER (WHERE o.form = 'minutes') AS f_minutes,
           count(*) FILTER (WHERE o.form = 'suggestion_letter') AS f_letter,
           count(*) FILTER (WHERE o.form = 'research_report') AS f_report,
           count(*) FILTER (WHERE o.form = 'proposal') AS f_proposal,
           count(*) FILTER (WHERE o.form = 'bulletin') AS f_bulletin
      FROM m JOIN outcome o ON o.meeting_id = m.id GROUP BY m.station_id, m.month, m.category),
  tp AS (
    SELECT t.station_id, stats_month(t.created_at) AS month, t.category,
           count(*) FILTER (WHERE t.status IN ('submitted', 'approved', 'rejected')) AS proposed,
           count(*) FILTER (WHERE t.status = 'approved') AS approved,
           count(*) FILTER (WHERE t.status = 'rejected') AS rejected
      FROM topic t
     WHERE t.station_id BETWEEN p_first AND p_last
       AND t.created_at >= (p_from::timestamp AT TIME ZONE '${zone}')
       AND t.created_at < ((p_to + interval '1 month')::timestamp AT TIME ZONE '${zone}')
     GROUP BY t.station_id, stats_month(t.created_at), t.category),
  k AS (SELECT station_id, month, category FROM m UNION SELECT station_id, month, category FROM tp)
  -- the columns in the table's order (V8's counters, V9's, then the category)
  SELECT k.station_id, k.month, st.division_code,
         coalesce(mt.held, 0)::int, coalesce(mt.not_held, 0)::int, coalesce(mt.cancelled, 0)::int,
         coalesce(mt.online, 0)::int, coalesce(rc.members, 0)::int, coalesce(rc.residents, 0)::int,
         coalesce(rc.departments, 0)::int, coalesce(rc.experts, 0)::int, coalesce(rc.others, 0)::int,
         coalesce(at.attending, 0)::int, coalesce(rc.suggestions, 0)::int, coalesce(rc.filed, 0)::int,
         coalesce(rc.on_time, 0)::int, coalesce(oc.total, 0)::int, coalesce(oc.answered, 0)::int,
         coalesce(oc.adopted, 0)::int, coalesce(oc.partly, 0)::int, coalesce(oc.not_adopted, 0)::int,
         coalesce(oc.implemented, 0)::int, coalesce(oc.closed, 0)::int, coalesce(oc.satisfied, 0)::int,
         coalesce(oc.basically, 0)::int, coalesce(oc.dissatisfied, 0)::int, coalesce(oc.typical, 0)::int,
         coalesce(tp.proposed, 0)::int, coalesce(tp.approved, 0)::int, coalesce(tp.rejected, 0)::int,
         coalesce(mt.k_session, 0)::int, coalesce(mt.k_thematic, 0)::int, coalesce(mt.k_forum, 0)::int,
         coalesce(mt.k_counterpart, 0)::int, coalesce(mt.k_proposal, 0)::int, coalesce(mt.k_sector, 0)::int,
         coalesce(mt.k_grassroots, 0)::int, coalesce(mt.f_on_site, 0)::int, coalesce(mt.f_online, 0)::int,
         coalesce(mt.f_hybrid, 0)::int, coalesce(mt.from_plan, 0)::int, coalesce(oc.f_minutes, 0)::int,
         coalesce(oc.f_letter, 0)::int, coalesce(oc.f_report, 0)::int, coalesce(oc.f_proposal, 0)::int,
         coalesce(oc.f_bulletin, 0)::int,
         k.category
    FROM k
    JOIN station st ON st.id = k.station_id
    LEFT JOIN mt ON (mt.station_id, mt.month, mt.category) = (k.station_id, k.month, k.category)
    LEFT JOIN rc ON (rc.station_id, rc.month, rc.category) = (k.station_id, k.month, k.category)
    LEFT JOIN at ON (at.station_id, at.month, at.category) = (k.station_id, k.month, k.category)
    LEFT JOIN oc ON (oc.station_id, oc.month, oc.category) = (k.station_id, k.month, k.category)
    LEFT JOIN tp ON (tp.station_id, tp.month, tp.category) = (k.station_id, k.month, k.category)
$$;

-- Members' participation of the same range: held meetings each member was ticked as attending,
-- per station, month and category.
CREATE OR REPLACE FUNCTION stats_counted_members(p_first bigint, p_last bigint, p_from date, p_to date)
  RETURNS SETOF stats_member_month LANGUAGE sql STABLE AS $$
  SELECT a.member_id, m.station_id, stats_month(m.starts_at), t.category, st.division_code, count(*)::int
    FROM meeting m
    JOIN topic t ON t.id = m.topic_id
    JOIN station st ON st.id = m.station_id
    JOIN meeting_attendee a ON a.meeting_id = m.id
   WHERE m.station_id BETWEEN p_first AND p_last
     AND m.starts_at >= (p_from::timestamp AT TIME ZONE '${zone}')
     AND m.starts_at < ((p_to + interval '1 month')::timestamp AT TIME ZONE '${zone}')
     AND m.status = 'held'
   GROUP BY a.member_id, m.station_id, stats_month(m.starts_at), t.category, st.division_code
$$;

-- The station-month totals of the range: the sums of its category rows (every meeting and topic
-- has exactly one category), read back from stats_station_month_category.
CREATE OR REPLACE FUNCTION stats_summed_totals(p_first bigint, p_last bigint, p_from date, p_to date)
  RETURNS SETOF stats_station_month LANGUAGE sql STABLE AS $$
  SELECT station_id, month, division_code,
         sum(meetings_held)::int, sum(meetings_not_held)::int, sum(meetings_cancelled)::int,
         sum(meetings_online)::int, sum(attendance_members)::int, sum(attendance_residents)::int,
         sum(attendance_departments)::int, sum(attendance_experts)::int, sum(attendance_others)::int,
         sum(members_attending)::int, sum(suggestions)::int, sum(records_filed)::int,
         sum(records_filed_on_time)::int, sum(outcomes)::int, sum(outcomes_answered)::int,
         sum(outcomes_adopted)::int, sum(outcomes_partly_adopted)::int, sum(outcomes_not_adopted)::int,
         sum(outcomes_implemented)::int, sum(outcomes_closed)::int, sum(satisfied)::int,
         sum(basically_satisfied)::int, sum(dissatisfied)::int, sum(typical_cases)::int,
         sum(topics_proposed)::int, sum(topics_approved)::int, sum(topics_rejected)::int,
         sum(meetings_held_kind_standing_committee_session)::int,
         sum(meetings_held_kind_thematic_consultation)::int, sum(meetings_held_kind_forum)::int,
         sum(meetings_held_kind_counterpart)::int, sum(meetings_held_kind_proposal_handling)::int,
         sum(meetings_held_kind_sector)::int, sum(meetings_held_kind_grassroots)::int,
         sum(meetings_held_format_on_site)::int, sum(meetings_held_format_online)::int,
         sum(meetings_held_format_hybrid)::int, sum(meetings_held_from_plan)::int,
         sum(outcomes_form_minutes)::int, sum(outcomes_form_suggestion_letter)::int,
         sum(outcomes_form_research_report)::int, sum(outcomes_form_proposal)::int,
         sum(outcomes_form_bulletin)::int
    FROM stats_station_month_category
   WHERE station_id BETWEEN p_first AND p_last AND month BETWEEN p_from AND p_to
   GROUP BY station_id, month, division_code
$$;

-- Plan progress of the plan items first..last: the held and scheduled meetings of the (not
-- withdrawn) topics that name each item; items without such meetings have no row.
CREATE OR REPLACE FUNCTION stats_counted_plan_items(p_first bigint, p_last bigint)
  RETURNS SETOF stats_plan_item LANGUAGE sql STABLE AS $$
  SELECT i.id, (count(*) FILTER (WHERE m.status = 'held'))::int, (count(*) FILTER (WHERE m.status = 'scheduled'))::int
    FROM plan_item i
    JOIN topic t ON t.plan_item_id = i.id AND t.status <> 'withdrawn'
    JOIN meeting m ON m.topic_id = t.id
   WHERE i.id BETWEEN p_first AND p_last
   GROUP BY i.id
  HAVING count(*) FILTER (WHERE m.status IN ('held', 'scheduled')) > 0
$$;

-- Recounts the counter rows of stations first..last and months from..to from the raw rows (and
-- drops the rows with nothing left to count). One station-month (first = last, from = to) is the
-- writers' path: it takes the station-month's advisory lock unless a rebuild holds the tables. A
-- wider range takes the counter tables' lock itself unless the caller holds it (the rebuild, or a
-- bulk load with no writers, says so with yishi.stats_rebuilding = on).
CREATE OR REPLACE FUNCTION stats_recount(p_first bigint, p_last bigint, p_from date, p_to date) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  IF p_first IS NULL OR p_last IS NULL OR p_from IS NULL OR p_to IS NULL THEN
    RETURN 0;
  END IF;
  -- this transaction's counter lines not applied yet go first: the recount sets what they add to
  PERFORM stats_flush();
  -- the stations' place, read before touching any counter row: FOR SHARE waits for a concurrent
  -- change of a station's division (whose trigger rewrites these rows' division_code)
  PERFORM 1 FROM station WHERE id BETWEEN p_first AND p_last FOR SHARE;
  IF current_setting('yishi.stats_rebuilding', true) IS DISTINCT FROM 'on' THEN
    IF p_first = p_last AND p_from = p_to THEN
      -- writers serialise per station-month (V8)
      PERFORM pg_advisory_xact_lock(8022, hashtext(p_first::text || ':' || p_from::text));
    ELSE
      LOCK TABLE stats_station_month, stats_station_month_category, stats_member_month IN SHARE ROW EXCLUSIVE MODE;
    END IF;
  END IF;
  DELETE FROM stats_station_month WHERE station_id BETWEEN p_first AND p_last AND month BETWEEN p_from AND p_to;
  DELETE FROM stats_station_month_category WHERE station_id BETWEEN p_first AND p_last AND month BETWEEN p_from AND p_to;
  DELETE FROM stats_member_month WHERE station_id BETWEEN p_first AND p_last AND month BETWEEN p_from AND p_to;
  INSERT INTO stats_station_month_category SELECT * FROM stats_counted_categories(p_first, p_last, p_from, p_to);
  INSERT INTO stats_member_month SELECT * FROM stats_counted_members(p_first, p_last, p_from, p_to);
  INSERT INTO stats_station_month SELECT * FROM stats_summed_totals(p_first, p_last, p_from, p_to);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- One station-month (the writers' path, and what V8-V10 called). Its statements run on the generic
-- plan (index scans by station and start, verified with EXPLAIN ANALYZE on the city data set): left
-- to choose, PostgreSQL kept re-planning the inlined definitions for every call (~9 ms of planning
-- against ~0.4 ms of execution) because the generic plan's estimate looked costlier.
CREATE OR REPLACE FUNCTION stats_refresh(p_station bigint, p_month date) RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  PERFORM stats_recount(p_station, p_station, p_month, p_month);
END $$;

-- Every month of the stations first..last, in a few set-based statements. Planned for the range at
-- hand each time (a plan cached for one station-month would visit a whole range row by row).
-- Answers the station-months counted.
CREATE OR REPLACE FUNCTION stats_recount_stations(p_first bigint, p_last bigint) RETURNS integer LANGUAGE plpgsql
  SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN stats_recount(p_first, p_last, '-infinity', 'infinity');
END $$;

CREATE OR REPLACE FUNCTION stats_plan_refresh(p_item bigint) RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_item IS NULL THEN
    RETURN;
  END IF;
  IF current_setting('yishi.stats_rebuilding', true) IS DISTINCT FROM 'on' THEN
    PERFORM pg_advisory_xact_lock(8023, hashtext(p_item::text));
  END IF;
  DELETE FROM stats_plan_item WHERE plan_item_id = p_item;
  INSERT INTO stats_plan_item SELECT * FROM stats_counted_plan_items(p_item, p_item);
END $$;

-- The rebuild: every counter from the raw rows, under one lock of the counter tables (V10), in
-- set-based statements over ranges of 25,000 stations (each range reads every outcome once; the
-- ranges only bound the temporary space of one statement). Answers the station-months counted.
CREATE OR REPLACE FUNCTION stats_rebuild() RETURNS integer LANGUAGE plpgsql
  SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  n integer := 0;
  first_station bigint;
  last_station bigint;
BEGIN
  PERFORM stats_flush(); -- this transaction's pending counter lines, before everything is recounted
  LOCK TABLE stats_station_month, stats_station_month_category, stats_member_month, stats_plan_item
    IN SHARE ROW EXCLUSIVE MODE;
  PERFORM set_config('yishi.stats_rebuilding', 'on', true);
  DELETE FROM stats_station_month;
  DELETE FROM stats_station_month_category;
  DELETE FROM stats_member_month;
  DELETE FROM stats_plan_item;
  SELECT min(id), max(id) INTO first_station, last_station FROM station;
  WHILE first_station <= last_station LOOP
    n := n + stats_recount_stations(first_station, first_station + 24999);
    first_station := first_station + 25000;
  END LOOP;
  INSERT INTO stats_plan_item SELECT * FROM stats_counted_plan_items(0, 9223372036854775807);
  PERFORM set_config('yishi.stats_rebuilding', 'off', true);
  RETURN n;
END $$;

-- Recounts a station-month at most once per transaction (see the top of this file).
CREATE OR REPLACE FUNCTION stats_touch(p_station bigint, p_month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  k text;
  done text;
BEGIN
  IF p_station IS NULL OR p_month IS NULL THEN
    RETURN;
  END IF;
  k := 's' || p_station || ':' || p_month || ',';
  done := coalesce(current_setting('yishi.stats_recounted', true), '');
  IF strpos(done, ',' || k) > 0 THEN
    RETURN;
  END IF;
  PERFORM stats_refresh(p_station, p_month);
  IF length(done) < 24000 THEN -- about 1,000 keys
    PERFORM set_config('yishi.stats_recounted', CASE WHEN done = '' THEN ',' ELSE done END || k, true);
  END IF;
END $$;

-- Recounts a plan item at most once per transaction.
CREATE OR REPLACE FUNCTION stats_plan_touch(p_item bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  k text;
  done text;
BEGIN
  IF p_item IS NULL THEN
    RETURN;
  END IF;
  k := 'p' || p_item || ',';
  done := coalesce(current_setting('yishi.stats_recounted', true), '');
  IF strpos(done, ',' || k) > 0 THEN
    RETURN;
  END IF;
  PERFORM stats_plan_refresh(p_item);
  IF length(done) < 24000 THEN
    PERFORM set_config('yishi.stats_recounted', CASE WHEN done = '' THEN ',' ELSE done END || k, true);
  END IF;
END $$;

-- After any statement that writes a counted table, what was recounted is no longer final.
CREATE OR REPLACE FUNCTION stats_forget_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('yishi.stats_recounted', true) <> '' THEN
    PERFORM set_config('yishi.stats_recounted', '', true);
  END IF;
  RETURN NULL;
END $$;

-- The trigger functions of V9, asking for a recount instead of recounting on the spot. They run
-- at commit: a child row's meeting and a meeting's topic are read in their final state.
CREATE OR REPLACE FUNCTION stats_on_meeting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_touch(OLD.station_id, stats_month(OLD.starts_at));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.station_id <> NEW.station_id
                                               OR stats_month(OLD.starts_at) <> stats_month(NEW.starts_at)) THEN
    PERFORM stats_touch(NEW.station_id, stats_month(NEW.starts_at));
  END IF;
  -- plan progress depends on the meeting's topic and status only
  IF TG_OP = 'UPDATE' AND OLD.topic_id = NEW.topic_id AND OLD.status = NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_plan_touch((SELECT plan_item_id FROM topic WHERE id = OLD.topic_id));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND OLD.topic_id <> NEW.topic_id THEN
    PERFORM stats_plan_touch((SELECT plan_item_id FROM topic WHERE id = NEW.topic_id));
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION stats_on_meeting_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT m.station_id, stats_month(m.starts_at) AS month FROM meeting m
            WHERE m.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.meeting_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.meeting_id END)
  LOOP
    PERFORM stats_touch(r.station_id, r.month);
  END LOOP;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION stats_on_topic() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_touch(OLD.station_id, stats_month(OLD.created_at));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.station_id <> NEW.station_id
                                               OR stats_month(OLD.created_at) <> stats_month(NEW.created_at)) THEN
    PERFORM stats_touch(NEW.station_id, stats_month(NEW.created_at));
  END IF;
  IF TG_OP = 'UPDATE' AND (OLD.category IS DISTINCT FROM NEW.category OR OLD.plan_item_id IS DISTINCT FROM
      NEW.plan_item_id) THEN
    -- the topic's meetings count under its category, and as drawn from a plan or not
    FOR r IN SELECT DISTINCT m.station_id, stats_month(m.starts_at) AS month FROM meeting m WHERE m.topic_id =
        NEW.id LOOP
      PERFORM stats_touch(r.station_id, r.month);
    END LOOP;
  END IF;
  IF TG_OP = 'UPDATE' AND (OLD.plan_item_id IS DISTINCT FROM NEW.plan_item_id OR OLD.status IS DISTINCT FROM
      NEW.status) OR TG_OP = 'DELETE' THEN
    -- (a deleted topic's meetings can no longer find its plan item at commit: count it here)
    PERFORM stats_plan_touch(OLD.plan_item_id);
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.plan_item_id IS DISTINCT FROM NEW.plan_item_id THEN
    PERFORM stats_plan_touch(NEW.plan_item_id);
  END IF;
  RETURN NULL;
END $$;

-- A station moved to another division: its counter rows follow it.
CREATE OR REPLACE FUNCTION stats_on_station() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stats_station_month SET division_code = NEW.division_code WHERE station_id = NEW.id;
  UPDATE stats_station_month_category SET division_code = NEW.division_code WHERE station_id = NEW.id;
  UPDATE stats_member_month SET division_code = NEW.division_code WHERE station_id = NEW.id;
  RETURN NULL;
END $$;

-- Delta lines (issue 25): what one row adds to (p_sign = 1) or takes from (p_sign = -1) the counters
-- of its station, month and category, in the shape of stats_station_month_category (division_code
-- left NULL: stats_apply sets the station's): a meeting's own counters (m in its state, t its topic),
-- a child's under its meeting (m as it is) and topic. The same definitions as
-- stats_counted_categories, row by row (StatsDeltaTest compares the two); a child counts only where
-- its predicate holds (a record unless its meeting is cancelled, an attendee when it is held).
-- Each is one SQL expression that the planner inlines into the statement that calls it: the
-- triggers below read their transition tables and the meeting and topic rows directly, without
-- building and unnesting arrays of table rows (unnest of a table's row type copies the table's
-- defaults and checks into every execution's tuple descriptor).
CREATE OR REPLACE FUNCTION stats_meeting_line(p_sign integer, m meeting, t topic)
  RETURNS stats_station_month_category LANGUAGE sql STABLE AS $$
  SELECT ROW(m.station_id, stats_month(m.starts_at), NULL::char(12),
             p_sign * (CASE WHEN m.status = 'held' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'not_held' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.format <> 'on_site' THEN 1 ELSE 0 END),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'standing_committee_session' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'thematic_consultation' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'forum' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'counterpart' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'proposal_handling' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'sector' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.kind = 'grassroots' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.format = 'on_site' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.format = 'online' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND m.format = 'hybrid' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'held' AND t.plan_item_id IS NOT NULL THEN 1 ELSE 0 END),
             0, 0, 0, 0, 0,
             t.category)::stats_station_month_category
$$;

CREATE OR REPLACE FUNCTION stats_record_counted(m meeting) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT m.status <> 'cancelled'
$$;

CREATE OR REPLACE FUNCTION stats_record_line(p_sign integer, m meeting, t topic, r meeting_record)
  RETURNS stats_station_month_category LANGUAGE sql STABLE AS $$
  SELECT ROW(m.station_id, stats_month(m.starts_at), NULL::char(12),
             0, 0, 0, 0,
             p_sign * (CASE WHEN r.held THEN r.attendance_members ELSE 0 END),
             p_sign * (CASE WHEN r.held THEN r.attendance_residents ELSE 0 END),
             p_sign * (CASE WHEN r.held THEN r.attendance_departments ELSE 0 END),
             p_sign * (CASE WHEN r.held THEN r.attendance_experts ELSE 0 END),
             p_sign * (CASE WHEN r.held THEN r.attendance_others ELSE 0 END),
             0,
             p_sign * (CASE WHEN r.held THEN r.suggestions_count ELSE 0 END),
             p_sign * (1),
             p_sign * (CASE WHEN r.filed_at <= m.ends_at + interval '7 days' THEN 1 ELSE 0 END),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             t.category)::stats_station_month_category
$$;

CREATE OR REPLACE FUNCTION stats_attendee_counted(m meeting) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT m.status = 'held'
$$;

CREATE OR REPLACE FUNCTION stats_attendee_line(p_sign integer, m meeting, t topic)
  RETURNS stats_station_month_category LANGUAGE sql STABLE AS $$
  SELECT ROW(m.station_id, stats_month(m.starts_at), NULL::char(12),
             0, 0, 0, 0, 0, 0, 0, 0, 0,
             p_sign * (1),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             t.category)::stats_station_month_category
$$;

CREATE OR REPLACE FUNCTION stats_outcome_line(p_sign integer, m meeting, t topic, o outcome)
  RETURNS stats_station_month_category LANGUAGE sql STABLE AS $$
  SELECT ROW(m.station_id, stats_month(m.starts_at), NULL::char(12),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             p_sign * (1),
             p_sign * (CASE WHEN o.status <> 'referred' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.answer = 'adopted' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.answer = 'partly_adopted' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.answer = 'not_adopted' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.status IN ('implemented', 'closed') AND o.implemented_at IS NOT NULL THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.status = 'closed' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.satisfaction = 'satisfied' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.satisfaction = 'dissatisfied' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.typical_case THEN 1 ELSE 0 END),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             p_sign * (CASE WHEN o.form = 'minutes' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.form = 'suggestion_letter' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.form = 'research_report' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.form = 'proposal' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN o.form = 'bulletin' THEN 1 ELSE 0 END),
             t.category)::stats_station_month_category
$$;

-- A member's participation (issue 23's ranking): an attendee of a held meeting (stats_attendee_counted).
CREATE OR REPLACE FUNCTION stats_member_line(p_sign integer, m meeting, t topic, a meeting_attendee)
  RETURNS stats_member_month LANGUAGE sql STABLE AS $$
  SELECT ROW(a.member_id, m.station_id, stats_month(m.starts_at), t.category, NULL::char(12), p_sign)::stats_member_month
$$;

-- Plan progress: a held or scheduled meeting whose (not withdrawn) topic names a plan item.
CREATE OR REPLACE FUNCTION stats_plan_counted(m meeting, t topic) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT t.plan_item_id IS NOT NULL AND t.status <> 'withdrawn' AND m.status IN ('held', 'scheduled')
$$;

CREATE OR REPLACE FUNCTION stats_plan_line(p_sign integer, m meeting, t topic) RETURNS stats_plan_item LANGUAGE sql STABLE AS $$
  SELECT ROW(t.plan_item_id, p_sign * (CASE WHEN m.status = 'held' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN m.status = 'scheduled' THEN 1 ELSE 0 END))::stats_plan_item
$$;

-- The lines of whole sets of rows (the meetings that moved, stats_move_meetings): meetings in the
-- states p_meetings, with their topics p_topics; children p_records, p_attendees, p_outcomes counted
-- under their meeting's state in p_meetings; the meetings' own counters only with p_meeting_level.
-- Each children's branch is gated on its array having rows: a one-time filter in the callers'
-- cached (generic) plans, so that only the branches with rows run.
CREATE OR REPLACE FUNCTION stats_lines(p_sign integer, p_meetings meeting[], p_topics topic[],
    p_records meeting_record[], p_attendees meeting_attendee[], p_outcomes outcome[], p_meeting_level boolean)
  RETURNS SETOF stats_station_month_category LANGUAGE sql STABLE AS $$
  WITH m AS MATERIALIZED (SELECT m, t FROM unnest(p_meetings) m JOIN unnest(p_topics) t ON t.id = m.topic_id)
  SELECT (stats_meeting_line(p_sign, x.m, x.t)).* FROM m x WHERE p_meeting_level
  UNION ALL
  SELECT (stats_record_line(p_sign, x.m, x.t, r)).*
    FROM m x JOIN unnest(p_records) r ON r.meeting_id = (x.m).id WHERE cardinality(p_records) > 0 AND stats_record_counted(x.m)
  UNION ALL
  SELECT (stats_attendee_line(p_sign, x.m, x.t)).*
    FROM m x JOIN unnest(p_attendees) a ON a.meeting_id = (x.m).id WHERE cardinality(p_attendees) > 0 AND stats_attendee_counted(x.m)
  UNION ALL
  SELECT (stats_outcome_line(p_sign, x.m, x.t, o)).*
    FROM m x JOIN unnest(p_outcomes) o ON o.meeting_id = (x.m).id WHERE cardinality(p_outcomes) > 0
$$;

-- A topic's own counters (proposed, approved, rejected) under its station, creation month and category.
CREATE OR REPLACE FUNCTION stats_topic_lines(p_sign integer, p_topics topic[])
  RETURNS SETOF stats_station_month_category LANGUAGE sql STABLE AS $$
  SELECT t.station_id, stats_month(t.created_at), NULL::char(12),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             p_sign * (CASE WHEN t.status IN ('submitted', 'approved', 'rejected') THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN t.status = 'approved' THEN 1 ELSE 0 END),
             p_sign * (CASE WHEN t.status = 'rejected' THEN 1 ELSE 0 END),
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             t.category
    FROM unnest(p_topics) t
$$;

-- Adds delta lines to the counters: one upsert per affected category row and per affected
-- station-month total (in key order, so that two writers lock shared rows in the same order). With
-- p_moved false (children changed: their rows exist), keys whose lines sum to nothing are skipped.
-- With p_moved (meetings or topics left or joined a station, month or category), rows that no meeting
-- or topic is counted under any more are dropped, as the recount drops them. Its column lists are
-- written out here from the catalogue (the counter columns of stats_station_month, in order), so
-- that they are stated once; the function itself is static SQL (its plans are cached).
DO $do$
DECLARE
  cols text[] := ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'stats_station_month'::regclass
                        AND attnum > 3 AND NOT attisdropped ORDER BY attnum);
  list text := (SELECT string_agg(quote_ident(c), ', ' ORDER BY i) FROM unnest(cols) WITH ORDINALITY AS u (c, i));
  sums text := (SELECT string_agg(format('sum(l.%I)::int', c), ', ' ORDER BY i) FROM unnest(cols) WITH ORDINALITY AS u (c, i));
  nonzero text := (SELECT string_agg(format('sum(l.%I) <> 0', c), ' OR ' ORDER BY i) FROM unnest(cols) WITH ORDINALITY AS u (c, i));
  adds text := (SELECT string_agg(format('%1$I = s.%1$I + excluded.%1$I', c), ', ' ORDER BY i)
                  FROM unnest(cols) WITH ORDINALITY AS u (c, i));
  zero text := (SELECT string_agg(format('s.%I = 0', c), ' AND ' ORDER BY i) FROM unnest(cols) WITH ORDINALITY AS u (c, i));
BEGIN
  EXECUTE format($f$
CREATE OR REPLACE FUNCTION stats_apply(p_lines stats_station_month_category[], p_moved boolean) RETURNS void
  LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_lines IS NULL OR cardinality(p_lines) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO stats_station_month_category AS s (station_id, month, division_code, %1$s, category)
  SELECT l.station_id, l.month, min(st.division_code), %2$s, l.category
    FROM unnest(p_lines) l JOIN station st ON st.id = l.station_id
   GROUP BY l.station_id, l.month, l.category
  HAVING p_moved OR %3$s
   ORDER BY l.station_id, l.month, l.category
  ON CONFLICT (station_id, month, category) DO UPDATE SET %4$s;
  INSERT INTO stats_station_month AS s (station_id, month, division_code, %1$s)
  SELECT l.station_id, l.month, min(st.division_code), %2$s
    FROM unnest(p_lines) l JOIN station st ON st.id = l.station_id
   GROUP BY l.station_id, l.month
  HAVING p_moved OR %3$s
   ORDER BY l.station_id, l.month
  ON CONFLICT (station_id, month) DO UPDATE SET %4$s;
  IF NOT p_moved THEN
    RETURN;
  END IF;
  DELETE FROM stats_station_month_category s
   USING (SELECT DISTINCT station_id, month, category FROM unnest(p_lines)) k
   WHERE s.station_id = k.station_id AND s.month = k.month AND s.category = k.category AND %5$s
     AND NOT EXISTS (SELECT 1 FROM meeting m JOIN topic t ON t.id = m.topic_id
                      WHERE m.station_id = s.station_id AND t.category = s.category
                        AND m.starts_at >= (s.month::timestamp AT TIME ZONE '${zone}')
                        AND m.starts_at < ((s.month + interval '1 month')::timestamp AT TIME ZONE '${zone}'))
     AND NOT EXISTS (SELECT 1 FROM topic t
                      WHERE t.station_id = s.station_id AND t.category = s.category
                        AND t.created_at >= (s.month::timestamp AT TIME ZONE '${zone}')
                        AND t.created_at < ((s.month + interval '1 month')::timestamp AT TIME ZONE '${zone}'));
  DELETE FROM stats_station_month s
   USING (SELECT DISTINCT station_id, month FROM unnest(p_lines)) k
   WHERE s.station_id = k.station_id AND s.month = k.month
     AND NOT EXISTS (SELECT 1 FROM stats_station_month_category c WHERE c.station_id = s.station_id AND c.month = s.month);
END $$$f$, list, sums, nonzero, adds, zero);
END $do$;

-- Members' participation lines and plan progress lines of sets of meetings (stats_move_meetings).
CREATE OR REPLACE FUNCTION stats_member_lines(p_sign integer, p_meetings meeting[], p_topics topic[],
    p_attendees meeting_attendee[]) RETURNS SETOF stats_member_month LANGUAGE sql STABLE AS $$
  SELECT (stats_member_line(p_sign, m, t, a)).*
    FROM unnest(p_meetings) m
    JOIN unnest(p_topics) t ON t.id = m.topic_id
    JOIN unnest(p_attendees) a ON a.meeting_id = m.id
   WHERE stats_attendee_counted(m)
$$;

CREATE OR REPLACE FUNCTION stats_plan_lines(p_sign integer, p_meetings meeting[], p_topics topic[])
  RETURNS SETOF stats_plan_item LANGUAGE sql STABLE AS $$
  SELECT (stats_plan_line(p_sign, m, t)).*
    FROM unnest(p_meetings) m JOIN unnest(p_topics) t ON t.id = m.topic_id
   WHERE stats_plan_counted(m, t)
$$;

CREATE OR REPLACE FUNCTION stats_apply_members(p_lines stats_member_month[]) RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_lines IS NULL OR cardinality(p_lines) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO stats_member_month AS s (member_id, station_id, month, category, division_code, meetings_attended)
  SELECT l.member_id, l.station_id, l.month, l.category, min(st.division_code), sum(l.meetings_attended)::int
    FROM unnest(p_lines) l JOIN station st ON st.id = l.station_id
   GROUP BY l.member_id, l.station_id, l.month, l.category ORDER BY 1, 2, 3, 4
  ON CONFLICT (member_id, station_id, month, category) DO UPDATE SET meetings_attended = s.meetings_attended + excluded.meetings_attended;
  DELETE FROM stats_member_month s USING (SELECT DISTINCT member_id, station_id, month, category FROM unnest(p_lines)) k
   WHERE (s.member_id, s.station_id, s.month, s.category) = (k.member_id, k.station_id, k.month, k.category)
     AND s.meetings_attended = 0;
END $$;

CREATE OR REPLACE FUNCTION stats_apply_plans(p_lines stats_plan_item[]) RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_lines IS NULL OR cardinality(p_lines) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO stats_plan_item AS s (plan_item_id, meetings_held, meetings_scheduled)
  SELECT l.plan_item_id, sum(l.meetings_held)::int, sum(l.meetings_scheduled)::int
    FROM unnest(p_lines) l GROUP BY l.plan_item_id ORDER BY 1
  ON CONFLICT (plan_item_id) DO UPDATE SET meetings_held = s.meetings_held + excluded.meetings_held,
    meetings_scheduled = s.meetings_scheduled + excluded.meetings_scheduled;
  DELETE FROM stats_plan_item s USING (SELECT DISTINCT plan_item_id FROM unnest(p_lines)) k
   WHERE s.plan_item_id = k.plan_item_id AND s.meetings_held = 0 AND s.meetings_scheduled = 0;
END $$;

-- A transaction's counter lines applied once, at its commit (issue 25). Applying each statement's
-- lines at once made every writer lock its station-month's two counter rows from its first
-- statement to its commit: concurrent records of one station-month queued behind each other for the
-- whole of each other's transactions, and a record paid three upsert pairs. Now the lines of the
-- statements that keep every counter row in place (children added, changed or removed; a meeting's
-- status changed) collect in a transaction-local setting (yishi.stats_lines: the lines as an array's
-- text; it goes with the transaction, a savepoint rolled back included) and are applied by one
-- stats_apply when the transaction commits: the deferred constraint triggers stats_commit of the
-- counted tables (one event per row written; the first applies, the others find nothing collected),
-- so the counter rows are locked for the commit only. Lines that move counters between rows or may
-- empty one (p_moved) are applied at once, after the collected ones: the order of the applies stays
-- the order of the statements, so the result is the same as applying each at once (StatsDeltaTest).
-- Everything that recounts (stats_recount, stats_rebuild) applies the collected lines first. A
-- transaction that collects many lines (a bulk change) applies them every 256 lines, in order.
-- (The previous release collected them in temporary tables of the session, which cost a record more
-- than the apply itself: an insert per statement, a marker row and two truncations at every commit.)
CREATE OR REPLACE FUNCTION stats_flush() RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  collected text := nullif(current_setting('yishi.stats_lines', true), '');
BEGIN
  IF current_setting('yishi.stats_pending', true) = 'on' THEN
    -- lines the previous release's stats_add collected in this transaction's session tables before a rolling
    -- upgrade replaced these functions under it: applied first, as that release would have at this commit
    PERFORM set_config('yishi.stats_pending', 'off', true);
    PERFORM stats_apply(ARRAY(SELECT l FROM pg_temp.stats_pending_lines p, unnest(p.lines) l), false);
    DELETE FROM pg_temp.stats_pending_lines;
  END IF;
  IF collected IS NULL THEN
    RETURN;
  END IF;
  PERFORM set_config('yishi.stats_lines', '', true);
  PERFORM stats_apply(collected::stats_station_month_category[], false);
END $$;

CREATE OR REPLACE FUNCTION stats_flush_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- one event per row written: all but the first find nothing collected (checked here, without the call)
  IF coalesce(current_setting('yishi.stats_lines', true), '') <> '' OR current_setting('yishi.stats_pending', true) = 'on' THEN
    PERFORM stats_flush();
  END IF;
  RETURN NULL;
END $$;

-- Collects lines for the commit (p_moved false), or applies them now after the collected ones (p_moved).
CREATE OR REPLACE FUNCTION stats_add(p_lines stats_station_month_category[], p_moved boolean) RETURNS void
  LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  collected stats_station_month_category[];
BEGIN
  IF p_moved THEN
    PERFORM stats_flush();
    PERFORM stats_apply(p_lines, true);
    RETURN;
  ELSIF coalesce(cardinality(p_lines), 0) = 0 THEN
    RETURN;
  END IF;
  collected := coalesce(nullif(current_setting('yishi.stats_lines', true), '')::stats_station_month_category[], '{}') || p_lines;
  PERFORM set_config('yishi.stats_lines', collected::text, true);
  IF cardinality(collected) > 256 THEN
    PERFORM stats_flush();
  END IF;
END $$;

-- Meetings leaving the states p_old (sign -1) for p_new (sign 1), each with its children as they
-- are now (the statement changed the meetings, not their children) and the given topics: every
-- counter they move, applied.
CREATE OR REPLACE FUNCTION stats_move_meetings(p_old meeting[], p_old_topics topic[], p_new meeting[], p_new_topics topic[])
  RETURNS void LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  ids bigint[];
  recs meeting_record[];
  atts meeting_attendee[];
  outs outcome[];
  moved boolean;
BEGIN
  ids := ARRAY(SELECT id FROM unnest(p_old) UNION SELECT id FROM unnest(p_new));
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- a meeting that stays under its station, month and category (a status change: the usual case)
  -- neither makes nor empties a counter row: the cheaper apply without the drop of emptied rows
  moved := EXISTS ((SELECT m.id, m.station_id, stats_month(m.starts_at), t.category
                      FROM unnest(p_new) m JOIN unnest(p_new_topics) t ON t.id = m.topic_id
                    EXCEPT SELECT m.id, m.station_id, stats_month(m.starts_at), t.category
                      FROM unnest(p_old) m JOIN unnest(p_old_topics) t ON t.id = m.topic_id)
                   UNION ALL
                   (SELECT m.id, m.station_id, stats_month(m.starts_at), t.category
                      FROM unnest(p_old) m JOIN unnest(p_old_topics) t ON t.id = m.topic_id
                    EXCEPT SELECT m.id, m.station_id, stats_month(m.starts_at), t.category
                      FROM unnest(p_new) m JOIN unnest(p_new_topics) t ON t.id = m.topic_id));
  -- the children's lines under the old and the new state; when no meeting moved, only those that can
  -- differ: records (counted unless cancelled; on time by the end), attendees (counted when held);
  -- outcomes count under their meeting's key alone and cancel out
  IF moved OR EXISTS (SELECT 1 FROM unnest(p_old) x JOIN unnest(p_new) y ON y.id = x.id
                       WHERE (x.status = 'cancelled') <> (y.status = 'cancelled') OR x.ends_at IS DISTINCT FROM y.ends_at) THEN
    recs := ARRAY(SELECT r FROM meeting_record r WHERE r.meeting_id = ANY (ids));
  END IF;
  IF moved OR EXISTS (SELECT 1 FROM unnest(p_old) x JOIN unnest(p_new) y ON y.id = x.id
                       WHERE (x.status = 'held') <> (y.status = 'held')) THEN
    atts := ARRAY(SELECT a FROM meeting_attendee a WHERE a.meeting_id = ANY (ids));
  END IF;
  IF moved THEN
    outs := ARRAY(SELECT o FROM outcome o WHERE o.meeting_id = ANY (ids));
  END IF;
  PERFORM stats_add(ARRAY(SELECT l FROM stats_lines(-1, p_old, p_old_topics, recs, atts, outs, true) l
                            UNION ALL SELECT l FROM stats_lines(1, p_new, p_new_topics, recs, atts, outs, true) l), moved);
  IF cardinality(atts) > 0 THEN
    PERFORM stats_apply_members(ARRAY(SELECT l FROM stats_member_lines(-1, p_old, p_old_topics, atts) l
                                      UNION ALL SELECT l FROM stats_member_lines(1, p_new, p_new_topics, atts) l));
  END IF;
  PERFORM stats_apply_plans(ARRAY(SELECT l FROM stats_plan_lines(-1, p_old, p_old_topics) l
                                  UNION ALL SELECT l FROM stats_plan_lines(1, p_new, p_new_topics) l));
END $$;

-- Deleted rows' station-months (p_stations[i], p_months[i]) and plan items recounted from the raw
-- rows (stats_refresh, stats_plan_refresh), each once, in key order.
CREATE OR REPLACE FUNCTION stats_recount_deleted(p_stations bigint[], p_months date[], p_items bigint[])
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT s, m FROM unnest(p_stations, p_months) AS u (s, m) ORDER BY 1, 2 LOOP
    PERFORM stats_refresh(r.s, r.m);
  END LOOP;
  FOR r IN SELECT DISTINCT i FROM unnest(p_items) AS u (i) WHERE i IS NOT NULL ORDER BY 1 LOOP
    PERFORM stats_plan_refresh(r.i);
  END LOOP;
END $$;

-- The statement-level triggers of the counted tables (issue 25, replacing V16's recount at commit):
-- each computes what its statement changed from the transition tables (old_rows, new_rows) and
-- applies it in the same transaction, before the statement returns. A meeting counts under its
-- state after every statement, so a later statement of the same transaction (a meeting moved after
-- its outcomes were added) moves exactly what is counted. Deleted meetings and topics (the product
-- deletes neither; only by hand, children first) are recounted instead, from the raw rows.
CREATE OR REPLACE FUNCTION stats_delta_meeting() RETURNS trigger LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  o meeting[];
  n meeting[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM stats_recount_deleted(ARRAY(SELECT station_id FROM old_rows), ARRAY(SELECT stats_month(starts_at) FROM old_rows),
        ARRAY(SELECT t.plan_item_id FROM old_rows m JOIN topic t ON t.id = m.topic_id));
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    n := ARRAY(SELECT x FROM new_rows x);
  ELSE
    IF NOT EXISTS (SELECT 1 FROM old_rows x JOIN new_rows y ON y.id = x.id
                    WHERE (x.station_id, stats_month(x.starts_at), x.status, x.format, x.kind, x.ends_at, x.topic_id)
                          IS DISTINCT FROM (y.station_id, stats_month(y.starts_at), y.status, y.format, y.kind, y.ends_at, y.topic_id)) THEN
      RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM old_rows x JOIN new_rows y ON y.id = x.id
                    WHERE (x.station_id, stats_month(x.starts_at), x.topic_id) IS DISTINCT FROM (y.station_id, stats_month(y.starts_at), y.topic_id)) THEN
      -- no meeting left its station, month or topic (a status change: the usual case): each meeting's own lines
      -- under its old and new state (the same for a meeting whose counted fields did not change: they cancel
      -- out), its records' where they can differ (counted unless cancelled, on time by the end), its attendees'
      -- where it became or stopped being held; its outcomes' cancel out. Read next to the transition tables'
      -- rows, collected for the commit like the children's: no counter row is made or emptied.
      PERFORM stats_add(ARRAY(
          SELECT stats_meeting_line(-1, x, t) FROM old_rows x JOIN topic t ON t.id = x.topic_id
          UNION ALL
          SELECT stats_meeting_line(1, y, t) FROM new_rows y JOIN topic t ON t.id = y.topic_id
          UNION ALL
          SELECT stats_record_line(-1, x, t, r)
            FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = x.topic_id JOIN meeting_record r ON r.meeting_id = x.id
           WHERE stats_record_counted(x) AND (stats_record_counted(x) <> stats_record_counted(y) OR x.ends_at IS DISTINCT FROM y.ends_at)
          UNION ALL
          SELECT stats_record_line(1, y, t, r)
            FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = y.topic_id JOIN meeting_record r ON r.meeting_id = y.id
           WHERE stats_record_counted(y) AND (stats_record_counted(x) <> stats_record_counted(y) OR x.ends_at IS DISTINCT FROM y.ends_at)
          UNION ALL
          SELECT stats_attendee_line(CASE WHEN stats_attendee_counted(y) THEN 1 ELSE -1 END, y, t)
            FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = y.topic_id JOIN meeting_attendee a ON a.meeting_id = y.id
           WHERE stats_attendee_counted(x) <> stats_attendee_counted(y)), false);
      PERFORM stats_apply_members(ARRAY(
          SELECT stats_member_line(CASE WHEN stats_attendee_counted(y) THEN 1 ELSE -1 END, y, t, a)
            FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = y.topic_id JOIN meeting_attendee a ON a.meeting_id = y.id
           WHERE stats_attendee_counted(x) <> stats_attendee_counted(y)));
      PERFORM stats_apply_plans(ARRAY(
          SELECT stats_plan_line(-1, x, t) FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = x.topic_id
           WHERE x.status <> y.status AND stats_plan_counted(x, t)
          UNION ALL
          SELECT stats_plan_line(1, y, t) FROM old_rows x JOIN new_rows y ON y.id = x.id JOIN topic t ON t.id = y.topic_id
           WHERE x.status <> y.status AND stats_plan_counted(y, t)));
      RETURN NULL;
    END IF;
    SELECT array_agg(x ORDER BY x.id), array_agg(y ORDER BY y.id) INTO o, n
      FROM old_rows x JOIN new_rows y ON y.id = x.id
     WHERE (x.station_id, stats_month(x.starts_at), x.status, x.format, x.kind, x.ends_at, x.topic_id)
           IS DISTINCT FROM (y.station_id, stats_month(y.starts_at), y.status, y.format, y.kind, y.ends_at, y.topic_id);
  END IF;
  PERFORM stats_move_meetings(o, ARRAY(SELECT t FROM topic t WHERE t.id IN (SELECT topic_id FROM unnest(o))),
                              n, ARRAY(SELECT t FROM topic t WHERE t.id IN (SELECT topic_id FROM unnest(n))));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION stats_delta_topic() RETURNS trigger LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  o topic[];
  n topic[];
  ms meeting[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM stats_recount_deleted(ARRAY(SELECT station_id FROM old_rows), ARRAY(SELECT stats_month(created_at) FROM old_rows),
        ARRAY(SELECT plan_item_id FROM old_rows));
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    n := ARRAY(SELECT x FROM new_rows x);
    PERFORM stats_add(ARRAY(SELECT l FROM stats_topic_lines(1, n) l), true);
    RETURN NULL;
  END IF;
  -- the topic's own counters
  SELECT array_agg(x ORDER BY x.id), array_agg(y ORDER BY y.id) INTO o, n
    FROM old_rows x JOIN new_rows y ON y.id = x.id
   WHERE (x.station_id, stats_month(x.created_at), x.category, x.status)
         IS DISTINCT FROM (y.station_id, stats_month(y.created_at), y.category, y.status);
  IF o IS NOT NULL THEN
    PERFORM stats_add(ARRAY(SELECT l FROM stats_topic_lines(-1, o) l UNION ALL SELECT l FROM stats_topic_lines(1, n) l), true);
  END IF;
  -- its meetings count under its category, as drawn from a plan or not, and in its plan item's progress
  SELECT array_agg(x ORDER BY x.id), array_agg(y ORDER BY y.id) INTO o, n
    FROM old_rows x JOIN new_rows y ON y.id = x.id
   WHERE (x.category, x.plan_item_id, x.status = 'withdrawn') IS DISTINCT FROM (y.category, y.plan_item_id, y.status = 'withdrawn');
  IF o IS NULL THEN
    RETURN NULL;
  END IF;
  ms := ARRAY(SELECT m FROM meeting m WHERE m.topic_id IN (SELECT id FROM unnest(n)));
  IF cardinality(ms) > 0 THEN
    PERFORM stats_move_meetings(ms, o, ms, n);
  END IF;
  RETURN NULL;
END $$;

-- Children of meetings (records, attendees, outcomes): counted under their meeting as it is now,
-- read with its topic next to the statement's rows (old_rows taken away, new_rows added): one
-- statement per side, the lines collected for the commit.
CREATE OR REPLACE FUNCTION stats_delta_meeting_child() RETURNS trigger LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF TG_TABLE_NAME = 'meeting_record' THEN
    IF TG_OP <> 'INSERT' THEN
      PERFORM stats_add(ARRAY(SELECT stats_record_line(-1, m, t, r) FROM old_rows r JOIN meeting m ON m.id = r.meeting_id
                                JOIN topic t ON t.id = m.topic_id WHERE stats_record_counted(m)), false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM stats_add(ARRAY(SELECT stats_record_line(1, m, t, r) FROM new_rows r JOIN meeting m ON m.id = r.meeting_id
                                JOIN topic t ON t.id = m.topic_id WHERE stats_record_counted(m)), false);
    END IF;
  ELSIF TG_TABLE_NAME = 'meeting_attendee' THEN
    IF TG_OP <> 'INSERT' THEN
      PERFORM stats_add(ARRAY(SELECT stats_attendee_line(-1, m, t) FROM old_rows a JOIN meeting m ON m.id = a.meeting_id
                                JOIN topic t ON t.id = m.topic_id WHERE stats_attendee_counted(m)), false);
      PERFORM stats_apply_members(ARRAY(SELECT stats_member_line(-1, m, t, a) FROM old_rows a JOIN meeting m ON m.id = a.meeting_id
                                          JOIN topic t ON t.id = m.topic_id WHERE stats_attendee_counted(m)));
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM stats_add(ARRAY(SELECT stats_attendee_line(1, m, t) FROM new_rows a JOIN meeting m ON m.id = a.meeting_id
                                JOIN topic t ON t.id = m.topic_id WHERE stats_attendee_counted(m)), false);
      PERFORM stats_apply_members(ARRAY(SELECT stats_member_line(1, m, t, a) FROM new_rows a JOIN meeting m ON m.id = a.meeting_id
                                          JOIN topic t ON t.id = m.topic_id WHERE stats_attendee_counted(m)));
    END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN
      PERFORM stats_add(ARRAY(SELECT stats_outcome_line(-1, m, t, o) FROM old_rows o JOIN meeting m ON m.id = o.meeting_id
                                JOIN topic t ON t.id = m.topic_id), false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM stats_add(ARRAY(SELECT stats_outcome_line(1, m, t, o) FROM new_rows o JOIN meeting m ON m.id = o.meeting_id
                                JOIN topic t ON t.id = m.topic_id), false);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- The triggers: created only where they are missing, so that running this file never drops one
-- under a running node. Changing a trigger's event or timing needs a V migration that drops it (a
-- "-- contract:" step); this file then creates it again with the new definition. Issue 25 replaced
-- V16's deferred recount triggers (stats_meeting ... stats_topic and their *_forget companions) by
-- the statement-level delta triggers below: the delta triggers are created first, then the recount
-- ones dropped (both firing at once is slow but correct: the recount at commit sets what the deltas
-- also add; a node of the previous release restarting mid-upgrade creates them again, the next start
-- of this release drops them again). stats_on_meeting, stats_touch and the other functions of V16
-- stay defined for those nodes.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('meeting', 'stats_delta_meeting'), ('topic', 'stats_delta_topic'), ('meeting_record', 'stats_delta_meeting_child'),
      ('meeting_attendee', 'stats_delta_meeting_child'), ('outcome', 'stats_delta_meeting_child')) AS v(tab, fn)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'stats_delta_insert' AND tgrelid = t.tab::regclass) THEN
      EXECUTE format('CREATE TRIGGER stats_delta_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'stats_delta_update' AND tgrelid = t.tab::regclass) THEN
      EXECUTE format('CREATE TRIGGER stats_delta_update AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'stats_delta_delete' AND tgrelid = t.tab::regclass) THEN
      EXECUTE format('CREATE TRIGGER stats_delta_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
    END IF;
  END LOOP;
  -- the commit's application of the collected lines (stats_flush above): on every table whose delta trigger
  -- may collect lines (a topic's change moves its meetings' counters), so that a statement that collected
  -- some has written a row there
  FOR t IN SELECT * FROM (VALUES ('meeting'), ('meeting_record'), ('meeting_attendee'), ('outcome'), ('topic')) AS v(tab) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'stats_commit' AND tgrelid = t.tab::regclass) THEN
      EXECUTE format('CREATE CONSTRAINT TRIGGER stats_commit AFTER INSERT OR UPDATE OR DELETE ON %I
                        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stats_flush_at_commit()', t.tab);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'stats_station' AND tgrelid = 'station'::regclass) THEN
    CREATE TRIGGER stats_station AFTER UPDATE OF division_code ON station FOR EACH ROW
      WHEN (OLD.division_code IS DISTINCT FROM NEW.division_code) EXECUTE FUNCTION stats_on_station();
  END IF;
END $$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('meeting', ''), ('meeting_record', ''), ('meeting_attendee', ''), ('outcome', ''),
      ('topic', ''), ('meeting', '_forget'), ('meeting_record', '_forget'), ('meeting_attendee', '_forget'),
      ('outcome', '_forget'), ('topic', '_forget')) AS v(tab, suffix)
  LOOP
    -- contract: no release's code uses V16's recount triggers; the delta triggers above, created first in this
    -- transaction, count the same for every node's writes (the previous release's included)
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'stats_' || t.tab || t.suffix, t.tab);
  END LOOP;
END $$;
