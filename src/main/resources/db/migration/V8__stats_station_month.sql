-- Roll-up counters per station and month, kept exact by triggers in the same transaction as every
-- write to the raw tables (so a committed change is always counted once and a rolled-back one
-- never). A trigger recomputes the one (station, month) row a change touches from raw rows, under
-- an advisory lock for that row, so concurrent writers to the same station-month serialise and the
-- second one's recount (a fresh READ COMMITTED snapshot) sees the first one's rows.
-- Month = the calendar month in Asia/Shanghai of: the meeting's start (meetings, records,
-- attendance, outcomes of that meeting) or the topic's creation (topics).

CREATE TABLE stats_station_month (
  station_id             bigint   NOT NULL REFERENCES station (id) ON DELETE CASCADE,
  month                  date     NOT NULL,
  division_code          char(12) NOT NULL,
  meetings_held          integer  NOT NULL DEFAULT 0,
  meetings_not_held      integer  NOT NULL DEFAULT 0,
  meetings_cancelled     integer  NOT NULL DEFAULT 0,
  meetings_online        integer  NOT NULL DEFAULT 0,
  attendance_members     integer  NOT NULL DEFAULT 0,
  attendance_residents   integer  NOT NULL DEFAULT 0,
  attendance_departments integer  NOT NULL DEFAULT 0,
  attendance_experts     integer  NOT NULL DEFAULT 0,
  attendance_others      integer  NOT NULL DEFAULT 0,
  members_attending      integer  NOT NULL DEFAULT 0,
  suggestions            integer  NOT NULL DEFAULT 0,
  records_filed          integer  NOT NULL DEFAULT 0,
  records_filed_on_time  integer  NOT NULL DEFAULT 0,
  outcomes               integer  NOT NULL DEFAULT 0,
  outcomes_answered      integer  NOT NULL DEFAULT 0,
  outcomes_adopted       integer  NOT NULL DEFAULT 0,
  outcomes_partly_adopted integer NOT NULL DEFAULT 0,
  outcomes_not_adopted   integer  NOT NULL DEFAULT 0,
  outcomes_implemented   integer  NOT NULL DEFAULT 0,
  outcomes_closed        integer  NOT NULL DEFAULT 0,
  satisfied              integer  NOT NULL DEFAULT 0,
  basically_satisfied    integer  NOT NULL DEFAULT 0,
  dissatisfied           integer  NOT NULL DEFAULT 0,
  typical_cases          integer  NOT NULL DEFAULT 0,
  topics_proposed        integer  NOT NULL DEFAULT 0,
  topics_approved        integer  NOT NULL DEFAULT 0,
  topics_rejected        integer  NOT NULL DEFAULT 0,
  PRIMARY KEY (station_id, month)
);
CREATE INDEX stats_station_month_division ON stats_station_month (division_code bpchar_pattern_ops, month);

CREATE FUNCTION stats_month(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS
  $$ SELECT date_trunc('month', t AT TIME ZONE 'Asia/Shanghai')::date $$;

-- Recounts one station-month from the raw rows (and drops it when nothing is left to count).
CREATE FUNCTION stats_refresh(p_station bigint, p_month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m_from timestamptz := (p_month::timestamp AT TIME ZONE 'Asia/Shanghai');
  m_to   timestamptz := ((p_month + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
BEGIN
  IF p_station IS NULL OR p_month IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(8022, hashtext(p_station::text || ':' || p_month::text));
  INSERT INTO stats_station_month AS s
  SELECT p_station, p_month, st.division_code,
         coalesce(mt.held, 0), coalesce(mt.not_held, 0), coalesce(mt.cancelled, 0), coalesce(mt.online, 0),
         coalesce(rc.members, 0), coalesce(rc.residents, 0), coalesce(rc.departments, 0), coalesce(rc.experts, 0),
         coalesce(rc.others, 0), coalesce(at.attending, 0), coalesce(rc.suggestions, 0), coalesce(rc.filed, 0),
         coalesce(rc.on_time, 0),
         coalesce(oc.total, 0), coalesce(oc.answered, 0), coalesce(oc.adopted, 0), coalesce(oc.partly, 0),
         coalesce(oc.not_adopted, 0), coalesce(oc.implemented, 0), coalesce(oc.closed, 0), coalesce(oc.satisfied, 0),
         coalesce(oc.basically, 0), coalesce(oc.dissatisfied, 0), coalesce(oc.typical, 0),
         coalesce(tp.proposed, 0), coalesce(tp.approved, 0), coalesce(tp.rejected, 0)
    FROM station st
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE m.status = 'held') AS held,
             count(*) FILTER (WHERE m.status = 'not_held') AS not_held,
             count(*) FILTER (WHERE m.status = 'cancelled') AS cancelled,
             count(*) FILTER (WHERE m.status = 'held' AND m.format <> 'on_site') AS online
        FROM meeting m WHERE m.station_id = p_station AND m.starts_at >= m_from AND m.starts_at < m_to) mt ON true
    LEFT JOIN LATERAL (
      SELECT sum(r.attendance_members) FILTER (WHERE r.held) AS members,
             sum(r.attendance_residents) FILTER (WHERE r.held) AS residents,
             sum(r.attendance_departments) FILTER (WHERE r.held) AS departments,
             sum(r.attendance_experts) FILTER (WHERE r.held) AS experts,
             sum(r.attendance_others) FILTER (WHERE r.held) AS others,
             sum(r.suggestions_count) FILTER (WHERE r.held) AS suggestions,
             count(*) AS filed,
             count(*) FILTER (WHERE r.filed_at <= m.ends_at + interval '7 days') AS on_time
        FROM meeting_record r JOIN meeting m ON m.id = r.meeting_id
       WHERE m.station_id = p_station AND m.starts_at >= m_from AND m.starts_at < m_to AND m.status <> 'cancelled') rc ON true
    LEFT JOIN LATERAL (
      SELECT count(*) AS attending
        FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id
       WHERE m.station_id = p_station AND m.starts_at >= m_from AND m.starts_at < m_to AND m.status = 'held') at ON true
    LEFT JOIN LATERAL (
      SELECT count(*) AS total,
             count(*) FILTER (WHERE o.status <> 'referred') AS answered,
             count(*) FILTER (WHERE o.answer = 'adopted') AS adopted,
             count(*) FILTER (WHERE o.answer = 'partly_adopted') AS partly,
             count(*) FILTER (WHERE o.answer = 'not_adopted') AS not_adopted,
             count(*) FILTER (WHERE o.status IN ('implemented', 'closed') AND o.implemented_at IS NOT NULL) AS implemented,
             count(*) FILTER (WHERE o.status = 'closed') AS closed,
             count(*) FILTER (WHERE o.satisfaction = 'satisfied') AS satisfied,
             count(*) FILTER (WHERE o.satisfaction = 'basically_satisfied') AS basically,
             count(*) FILTER (WHERE o.satisfaction = 'dissatisfied') AS dissatisfied,
             count(*) FILTER (WHERE o.typical_case) AS typical
        FROM outcome o JOIN meeting m ON m.id = o.meeting_id
       WHERE m.station_id = p_station AND m.starts_at >= m_from AND m.starts_at < m_to) oc ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE t.status IN ('submitted', 'approved', 'rejected')) AS proposed,
             count(*) FILTER (WHERE t.status = 'approved') AS approved,
             count(*) FILTER (WHERE t.status = 'rejected') AS rejected
        FROM topic t WHERE t.station_id = p_station AND t.created_at >= m_from AND t.created_at < m_to) tp ON true
   WHERE st.id = p_station
  ON CONFLICT (station_id, month) DO UPDATE SET
    division_code = EXCLUDED.division_code, meetings_held = EXCLUDED.meetings_held,
    meetings_not_held = EXCLUDED.meetings_not_held, meetings_cancelled = EXCLUDED.meetings_cancelled,
    meetings_online = EXCLUDED.meetings_online, attendance_members = EXCLUDED.attendance_members,
    attendance_residents = EXCLUDED.attendance_residents, attendance_departments = EXCLUDED.attendance_departments,
    attendance_experts = EXCLUDED.attendance_experts, attendance_others = EXCLUDED.attendance_others,
    members_attending = EXCLUDED.members_attending, suggestions = EXCLUDED.suggestions,
    records_filed = EXCLUDED.records_filed, records_filed_on_time = EXCLUDED.records_filed_on_time,
    outcomes = EXCLUDED.outcomes, outcomes_answered = EXCLUDED.outcomes_answered,
    outcomes_adopted = EXCLUDED.outcomes_adopted, outcomes_partly_adopted = EXCLUDED.outcomes_partly_adopted,
    outcomes_not_adopted = EXCLUDED.outcomes_not_adopted, outcomes_implemented = EXCLUDED.outcomes_implemented,
    outcomes_closed = EXCLUDED.outcomes_closed, satisfied = EXCLUDED.satisfied,
    basically_satisfied = EXCLUDED.basically_satisfied, dissatisfied = EXCLUDED.dissatisfied,
    typical_cases = EXCLUDED.typical_cases, topics_proposed = EXCLUDED.topics_proposed,
    topics_approved = EXCLUDED.topics_approved, topics_rejected = EXCLUDED.topics_rejected;
END $$;

-- What each raw table's change touches: the old and the new (station, month).
CREATE FUNCTION stats_on_meeting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM stats_refresh(OLD.station_id, stats_month(OLD.starts_at)); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM stats_refresh(NEW.station_id, stats_month(NEW.starts_at)); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION stats_on_meeting_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT m.station_id, stats_month(m.starts_at) AS month FROM meeting m
            WHERE m.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.meeting_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.meeting_id END)
  LOOP
    PERFORM stats_refresh(r.station_id, r.month);
  END LOOP;
  RETURN NULL;
END $$;

CREATE FUNCTION stats_on_topic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM stats_refresh(OLD.station_id, stats_month(OLD.created_at)); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM stats_refresh(NEW.station_id, stats_month(NEW.created_at)); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER stats_meeting AFTER INSERT OR UPDATE OR DELETE ON meeting FOR EACH ROW EXECUTE FUNCTION stats_on_meeting();
CREATE TRIGGER stats_meeting_record AFTER INSERT OR UPDATE OR DELETE ON meeting_record FOR EACH ROW EXECUTE FUNCTION stats_on_meeting_child();
CREATE TRIGGER stats_meeting_attendee AFTER INSERT OR UPDATE OR DELETE ON meeting_attendee FOR EACH ROW EXECUTE FUNCTION stats_on_meeting_child();
CREATE TRIGGER stats_outcome AFTER INSERT OR UPDATE OR DELETE ON outcome FOR EACH ROW EXECUTE FUNCTION stats_on_meeting_child();
CREATE TRIGGER stats_topic AFTER INSERT OR UPDATE OR DELETE ON topic FOR EACH ROW EXECUTE FUNCTION stats_on_topic();

-- Recomputes every station-month from the raw rows (the rebuild; also after a bulk load done with
-- the triggers disabled). Rows with nothing to count are dropped.
CREATE FUNCTION stats_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  DELETE FROM stats_station_month;
  FOR r IN SELECT DISTINCT station_id, stats_month(starts_at) AS month FROM meeting
           UNION SELECT DISTINCT station_id, stats_month(created_at) FROM topic
  LOOP
    PERFORM stats_refresh(r.station_id, r.month);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
