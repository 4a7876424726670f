-- More kept roll-up counters, still maintained by triggers in the same transaction as the write:
--   * held meetings by kind and by format, held meetings drawn from a yearly plan, outcomes by form
--     (new columns of stats_station_month);
--   * the same counters per topic category (stats_station_month_category), so that every period
--     counter can be filtered by category without reading raw rows;
--   * members' participation per member, station, month and category (stats_member_month);
--   * plan progress per plan item (stats_plan_item: held and scheduled meetings of its topics).
-- One function, stats_refresh, recounts a station-month from the raw rows: first one row per topic
-- category, then the station-month total as their sum (every meeting and topic has exactly one
-- category), then the members' rows. The definitions are written once, here.

ALTER TABLE stats_station_month
  ADD COLUMN meetings_held_kind_standing_committee_session integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_thematic_consultation integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_forum integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_counterpart integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_proposal_handling integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_sector integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_kind_grassroots integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_format_on_site integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_format_online integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_format_hybrid integer NOT NULL DEFAULT 0,
  ADD COLUMN meetings_held_from_plan integer NOT NULL DEFAULT 0,
  ADD COLUMN outcomes_form_minutes integer NOT NULL DEFAULT 0,
  ADD COLUMN outcomes_form_suggestion_letter integer NOT NULL DEFAULT 0,
  ADD COLUMN outcomes_form_research_report integer NOT NULL DEFAULT 0,
  ADD COLUMN outcomes_form_proposal integer NOT NULL DEFAULT 0,
  ADD COLUMN outcomes_form_bulletin integer NOT NULL DEFAULT 0;

-- The same counters per topic category (the category of a meeting's topic; of the topic itself for
-- topic counters).
CREATE TABLE stats_station_month_category (LIKE stats_station_month INCLUDING DEFAULTS);
ALTER TABLE stats_station_month_category
  ADD COLUMN category text NOT NULL,
  ADD PRIMARY KEY (station_id, month, category),
  ADD FOREIGN KEY (station_id) REFERENCES station (id) ON DELETE CASCADE;
CREATE INDEX stats_station_month_category_read
  ON stats_station_month_category (category, division_code bpchar_pattern_ops, month);

-- Members' participation: held meetings each member was ticked as attending, per station, month
-- and category (the sum over members equals members_attending).
CREATE TABLE stats_member_month (
  member_id         bigint   NOT NULL REFERENCES member (id) ON DELETE CASCADE,
  station_id        bigint   NOT NULL REFERENCES station (id) ON DELETE CASCADE,
  month             date     NOT NULL,
  category          text     NOT NULL,
  division_code     char(12) NOT NULL,
  meetings_attended integer  NOT NULL,
  PRIMARY KEY (member_id, station_id, month, category)
);
CREATE INDEX stats_member_month_read ON stats_member_month (division_code bpchar_pattern_ops, month);
CREATE INDEX stats_member_month_station ON stats_member_month (station_id, month);

-- Plan progress: per plan item, the held and scheduled meetings of the (not withdrawn) topics that
-- name it. An item is held when meetings_held > 0, scheduled when only meetings_scheduled > 0
-- (the definition of the plan pages, docs/topics.md). Items without such meetings have no row.
CREATE TABLE stats_plan_item (
  plan_item_id       bigint  PRIMARY KEY REFERENCES plan_item (id) ON DELETE CASCADE,
  meetings_held      integer NOT NULL,
  meetings_scheduled integer NOT NULL
);

-- A station-month's meetings are found by station and start (the recount reads them on every write).
CREATE INDEX meeting_station_start ON meeting (station_id, starts_at);

CREATE OR REPLACE FUNCTION stats_refresh(p_station bigint, p_month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m_from timestamptz := (p_month::timestamp AT TIME ZONE 'Asia/Shanghai');
  m_to   timestamptz := ((p_month + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
  v_division char(12);
BEGIN
  IF p_station IS NULL OR p_month IS NULL THEN
    RETURN;
  END IF;
  -- the station's place, read before touching any counter row: FOR SHARE waits for a concurrent
  -- change of the station's division (whose trigger rewrites these rows' division_code)
  SELECT division_code INTO v_division FROM station WHERE id = p_station FOR SHARE;
  PERFORM pg_advisory_xact_lock(8022, hashtext(p_station::text || ':' || p_month::text));
  DELETE FROM stats_station_month WHERE station_id = p_station AND month = p_month;
  DELETE FROM stats_station_month_category WHERE station_id = p_station AND month = p_month;
  DELETE FROM stats_member_month WHERE station_id = p_station AND month = p_month;
  IF v_division IS NULL THEN
    RETURN;
  END IF;

  WITH
  -- the station-month's meetings, read once, with their topic's category and plan origin
  m AS MATERIALIZED (
    SELECT m.id, m.status, m.format, m.kind, m.ends_at, t.category, t.plan_item_id IS NOT NULL AS from_plan
      FROM meeting m JOIN topic t ON t.id = m.topic_id
     WHERE m.station_id = p_station AND m.starts_at >= m_from AND m.starts_at < m_to),
  mt AS (
    SELECT category,
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
      FROM m GROUP BY category),
  rc AS (
    SELECT m.category,
           sum(r.attendance_members) FILTER (WHERE r.held) AS members,
           sum(r.attendance_residents) FILTER (WHERE r.held) AS residents,
           sum(r.attendance_departments) FILTER (WHERE r.held) AS departments,
           sum(r.attendance_experts) FILTER (WHERE r.held) AS experts,
           sum(r.attendance_others) FILTER (WHERE r.held) AS others,
           sum(r.suggestions_count) FILTER (WHERE r.held) AS suggestions,
           count(*) AS filed,
           count(*) FILTER (WHERE r.filed_at <= m.ends_at + interval '7 days') AS on_time
      FROM m JOIN meeting_record r ON r.meeting_id = m.id
     WHERE m.status <> 'cancelled' GROUP BY m.category),
  at AS (
    SELECT m.category, count(*) AS attending
      FROM m JOIN meeting_attendee a ON a.meeting_id = m.id
     WHERE m.status = 'held' GROUP BY m.category),
  oc AS (
    SELECT m.category,
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
      FROM m JOIN outcome o ON o.meeting_id = m.id GROUP BY m.category),
  tp AS (
    SELECT t.category,
           count(*) FILTER (WHERE t.status IN ('submitted', 'approved', 'rejected')) AS proposed,
           count(*) FILTER (WHERE t.status = 'approved') AS approved,
           count(*) FILTER (WHERE t.status = 'rejected') AS rejected
      FROM topic t WHERE t.station_id = p_station AND t.created_at >= m_from AND t.created_at < m_to
     GROUP BY t.category),
  counted AS (
    SELECT c.category,
           coalesce(mt.held, 0) AS meetings_held, coalesce(mt.not_held, 0) AS meetings_not_held,
           coalesce(mt.cancelled, 0) AS meetings_cancelled, coalesce(mt.online, 0) AS meetings_online,
           coalesce(mt.k_session, 0) AS meetings_held_kind_standing_committee_session,
           coalesce(mt.k_thematic, 0) AS meetings_held_kind_thematic_consultation,
           coalesce(mt.k_forum, 0) AS meetings_held_kind_forum,
           coalesce(mt.k_counterpart, 0) AS meetings_held_kind_counterpart,
           coalesce(mt.k_proposal, 0) AS meetings_held_kind_proposal_handling,
           coalesce(mt.k_sector, 0) AS meetings_held_kind_sector,
           coalesce(mt.k_grassroots, 0) AS meetings_held_kind_grassroots,
           coalesce(mt.f_on_site, 0) AS meetings_held_format_on_site,
           coalesce(mt.f_online, 0) AS meetings_held_format_online,
           coalesce(mt.f_hybrid, 0) AS meetings_held_format_hybrid,
           coalesce(mt.from_plan, 0) AS meetings_held_from_plan,
           coalesce(rc.members, 0) AS attendance_members, coalesce(rc.residents, 0) AS attendance_residents,
           coalesce(rc.departments, 0) AS attendance_departments, coalesce(rc.experts, 0) AS attendance_experts,
           coalesce(rc.others, 0) AS attendance_others, coalesce(at.attending, 0) AS members_attending,
           coalesce(rc.suggestions, 0) AS suggestions, coalesce(rc.filed, 0) AS records_filed,
           coalesce(rc.on_time, 0) AS records_filed_on_time,
           coalesce(oc.total, 0) AS outcomes, coalesce(oc.answered, 0) AS outcomes_answered,
           coalesce(oc.adopted, 0) AS outcomes_adopted, coalesce(oc.partly, 0) AS outcomes_partly_adopted,
           coalesce(oc.not_adopted, 0) AS outcomes_not_adopted, coalesce(oc.implemented, 0) AS outcomes_implemented,
           coalesce(oc.closed, 0) AS outcomes_closed, coalesce(oc.satisfied, 0) AS satisfied,
           coalesce(oc.basically, 0) AS basically_satisfied, coalesce(oc.dissatisfied, 0) AS dissatisfied,
           coalesce(oc.typical, 0) AS typical_cases,
           coalesce(oc.f_minutes, 0) AS outcomes_form_minutes, coalesce(oc.f_letter, 0) AS outcomes_form_suggestion_letter,
           coalesce(oc.f_report, 0) AS outcomes_form_research_report, coalesce(oc.f_proposal, 0) AS outcomes_form_proposal,
           coalesce(oc.f_bulletin, 0) AS outcomes_form_bulletin,
           coalesce(tp.proposed, 0) AS topics_proposed, coalesce(tp.approved, 0) AS topics_approved,
           coalesce(tp.rejected, 0) AS topics_rejected
      FROM (SELECT category FROM m UNION SELECT category FROM tp) c
      LEFT JOIN mt ON mt.category = c.category
      LEFT JOIN rc ON rc.category = c.category
      LEFT JOIN at ON at.category = c.category
      LEFT JOIN oc ON oc.category = c.category
      LEFT JOIN tp ON tp.category = c.category),
  per_category AS (
    INSERT INTO stats_station_month_category (station_id, month, division_code, category,
           meetings_held, meetings_not_held, meetings_cancelled, meetings_online,
           meetings_held_kind_standing_committee_session, meetings_held_kind_thematic_consultation, meetings_held_kind_forum,
           meetings_held_kind_counterpart, meetings_held_kind_proposal_handling, meetings_held_kind_sector,
           meetings_held_kind_grassroots, meetings_held_format_on_site, meetings_held_format_online,
           meetings_held_format_hybrid, meetings_held_from_plan,
           attendance_members, attendance_residents, attendance_departments, attendance_experts, attendance_others,
           members_attending, suggestions, records_filed, records_filed_on_time,
           outcomes, outcomes_answered, outcomes_adopted, outcomes_partly_adopted, outcomes_not_adopted,
           outcomes_implemented, outcomes_closed, satisfied, basically_satisfied, dissatisfied, typical_cases,
           outcomes_form_minutes, outcomes_form_suggestion_letter, outcomes_form_research_report, outcomes_form_proposal,
           outcomes_form_bulletin, topics_proposed, topics_approved, topics_rejected)
    SELECT p_station, p_month, v_division, category,
           meetings_held, meetings_not_held, meetings_cancelled, meetings_online,
           meetings_held_kind_standing_committee_session, meetings_held_kind_thematic_consultation, meetings_held_kind_forum,
           meetings_held_kind_counterpart, meetings_held_kind_proposal_handling, meetings_held_kind_sector,
           meetings_held_kind_grassroots, meetings_held_format_on_site, meetings_held_format_online,
           meetings_held_format_hybrid, meetings_held_from_plan,
           attendance_members, attendance_residents, attendance_departments, attendance_experts, attendance_others,
           members_attending, suggestions, records_filed, records_filed_on_time,
           outcomes, outcomes_answered, outcomes_adopted, outcomes_partly_adopted, outcomes_not_adopted,
           outcomes_implemented, outcomes_closed, satisfied, basically_satisfied, dissatisfied, typical_cases,
           outcomes_form_minutes, outcomes_form_suggestion_letter, outcomes_form_research_report, outcomes_form_proposal,
           outcomes_form_bulletin, topics_proposed, topics_approved, topics_rejected
      FROM counted),
  per_member AS (
    INSERT INTO stats_member_month (member_id, station_id, month, category, division_code, meetings_attended)
    SELECT a.member_id, p_station, p_month, m.category, v_division, count(*)
      FROM m JOIN meeting_attendee a ON a.meeting_id = m.id
     WHERE m.status = 'held'
     GROUP BY a.member_id, m.category)
  -- the station-month total: the sum of its category rows (none: no row)
  INSERT INTO stats_station_month (station_id, month, division_code,
         meetings_held, meetings_not_held, meetings_cancelled, meetings_online,
         meetings_held_kind_standing_committee_session, meetings_held_kind_thematic_consultation, meetings_held_kind_forum,
         meetings_held_kind_counterpart, meetings_held_kind_proposal_handling, meetings_held_kind_sector,
         meetings_held_kind_grassroots, meetings_held_format_on_site, meetings_held_format_online,
         meetings_held_format_hybrid, meetings_held_from_plan,
         attendance_members, attendance_residents, attendance_departments, attendance_experts, attendance_others,
         members_attending, suggestions, records_filed, records_filed_on_time,
         outcomes, outcomes_answered, outcomes_adopted, outcomes_partly_adopted, outcomes_not_adopted,
         outcomes_implemented, outcomes_closed, satisfied, basically_satisfied, dissatisfied, typical_cases,
         outcomes_form_minutes, outcomes_form_suggestion_letter, outcomes_form_research_report, outcomes_form_proposal,
         outcomes_form_bulletin, topics_proposed, topics_approved, topics_rejected)
  SELECT p_station, p_month, v_division,
         sum(meetings_held), sum(meetings_not_held), sum(meetings_cancelled), sum(meetings_online),
         sum(meetings_held_kind_standing_committee_session), sum(meetings_held_kind_thematic_consultation),
         sum(meetings_held_kind_forum), sum(meetings_held_kind_counterpart), sum(meetings_held_kind_proposal_handling),
         sum(meetings_held_kind_sector), sum(meetings_held_kind_grassroots), sum(meetings_held_format_on_site),
         sum(meetings_held_format_online), sum(meetings_held_format_hybrid), sum(meetings_held_from_plan),
         sum(attendance_members), sum(attendance_residents), sum(attendance_departments), sum(attendance_experts),
         sum(attendance_others), sum(members_attending), sum(suggestions), sum(records_filed), sum(records_filed_on_time),
         sum(outcomes), sum(outcomes_answered), sum(outcomes_adopted), sum(outcomes_partly_adopted), sum(outcomes_not_adopted),
         sum(outcomes_implemented), sum(outcomes_closed), sum(satisfied), sum(basically_satisfied), sum(dissatisfied),
         sum(typical_cases), sum(outcomes_form_minutes), sum(outcomes_form_suggestion_letter),
         sum(outcomes_form_research_report), sum(outcomes_form_proposal), sum(outcomes_form_bulletin),
         sum(topics_proposed), sum(topics_approved), sum(topics_rejected)
    FROM counted
  HAVING count(*) > 0;
END $$;

-- Recounts one plan item's meetings (under an advisory lock per item, like the station-months).
CREATE FUNCTION stats_plan_refresh(p_item bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_item IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(8023, hashtext(p_item::text));
  DELETE FROM stats_plan_item WHERE plan_item_id = p_item;
  INSERT INTO stats_plan_item (plan_item_id, meetings_held, meetings_scheduled)
  SELECT i.id, count(*) FILTER (WHERE m.status = 'held'), count(*) FILTER (WHERE m.status = 'scheduled')
    FROM plan_item i
    JOIN topic t ON t.plan_item_id = i.id AND t.status <> 'withdrawn'
    JOIN meeting m ON m.topic_id = t.id
   WHERE i.id = p_item
   GROUP BY i.id
  HAVING count(*) FILTER (WHERE m.status IN ('held', 'scheduled')) > 0;
END $$;

CREATE OR REPLACE FUNCTION stats_on_meeting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_refresh(OLD.station_id, stats_month(OLD.starts_at));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.station_id <> NEW.station_id
                                               OR stats_month(OLD.starts_at) <> stats_month(NEW.starts_at)) THEN
    PERFORM stats_refresh(NEW.station_id, stats_month(NEW.starts_at));
  END IF;
  -- plan progress depends on the meeting's topic and status only
  IF TG_OP = 'UPDATE' AND OLD.topic_id = NEW.topic_id AND OLD.status = NEW.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_plan_refresh((SELECT plan_item_id FROM topic WHERE id = OLD.topic_id));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND OLD.topic_id <> NEW.topic_id THEN
    PERFORM stats_plan_refresh((SELECT plan_item_id FROM topic WHERE id = NEW.topic_id));
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION stats_on_topic() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM stats_refresh(OLD.station_id, stats_month(OLD.created_at));
  END IF;
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.station_id <> NEW.station_id
                                               OR stats_month(OLD.created_at) <> stats_month(NEW.created_at)) THEN
    PERFORM stats_refresh(NEW.station_id, stats_month(NEW.created_at));
  END IF;
  IF TG_OP = 'UPDATE' AND (OLD.category IS DISTINCT FROM NEW.category OR OLD.plan_item_id IS DISTINCT FROM
      NEW.plan_item_id) THEN
    -- the topic's meetings count under its category, and as drawn from a plan or not
    FOR r IN SELECT DISTINCT m.station_id, stats_month(m.starts_at) AS month FROM meeting m WHERE m.topic_id =
        NEW.id LOOP
      PERFORM stats_refresh(r.station_id, r.month);
    END LOOP;
  END IF;
  IF TG_OP = 'UPDATE' AND (OLD.plan_item_id IS DISTINCT FROM NEW.plan_item_id OR OLD.status IS DISTINCT FROM
      NEW.status) THEN
    PERFORM stats_plan_refresh(OLD.plan_item_id);
    IF OLD.plan_item_id IS DISTINCT FROM NEW.plan_item_id THEN
      PERFORM stats_plan_refresh(NEW.plan_item_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- A station moved to another division: its counter rows follow it.
CREATE FUNCTION stats_on_station() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stats_station_month SET division_code = NEW.division_code WHERE station_id = NEW.id;
  UPDATE stats_station_month_category SET division_code = NEW.division_code WHERE station_id = NEW.id;
  UPDATE stats_member_month SET division_code = NEW.division_code WHERE station_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER stats_station AFTER UPDATE OF division_code ON station FOR EACH ROW
  WHEN (OLD.division_code IS DISTINCT FROM NEW.division_code) EXECUTE FUNCTION stats_on_station();

CREATE OR REPLACE FUNCTION stats_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  DELETE FROM stats_station_month;
  DELETE FROM stats_station_month_category;
  DELETE FROM stats_member_month;
  DELETE FROM stats_plan_item;
  FOR r IN SELECT DISTINCT station_id, stats_month(starts_at) AS month FROM meeting
           UNION SELECT DISTINCT station_id, stats_month(created_at) FROM topic
  LOOP
    PERFORM stats_refresh(r.station_id, r.month);
    n := n + 1;
  END LOOP;
  FOR r IN SELECT DISTINCT plan_item_id FROM topic WHERE plan_item_id IS NOT NULL LOOP
    PERFORM stats_plan_refresh(r.plan_item_id);
  END LOOP;
  RETURN n;
END $$;

-- what is already there is counted into the new tables and columns by V10, whose rebuild holds one
-- table lock instead of a lock per station-month (this one ran out of lock memory on large databases)
