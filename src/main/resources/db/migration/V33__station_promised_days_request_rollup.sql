-- Issue 24: promised days per station, and the residents' request counters in the roll-up
-- (docs/requests.md, docs/statistics.md). Additive: a nullable column on station and one on
-- resident_request, triggers, new functions, and a new body for V24's request_count() with the same
-- name and result (the previous release keeps working on this schema: its inserts leave the new
-- columns to the trigger). The roll-up functions of afterMigrate__rollup_functions.sql are not
-- changed: the request counters keep their own trigger, recount and rebuild.

-- A station's own promise: a request is due this many days after the day it is received. Null: the
-- node's default (YISHI_REQUEST_PROMISED_DAYS).
ALTER TABLE station ADD COLUMN promised_days integer CHECK (promised_days BETWEEN 1 AND 365);

-- Whether the request was answered within its station's promise, set once, when it leaves
-- 'received' (null while received; false when hidden): what "answered in time" counts, stored so
-- that a recount gives the same number whatever the time zone or clock of the session recounting.
ALTER TABLE resident_request ADD COLUMN answered_in_time boolean;

-- the requests already triaged, as V24's trigger counted them (in Asia/Shanghai days)
UPDATE resident_request
   SET answered_in_time = status <> 'hidden' AND (triaged_at AT TIME ZONE 'Asia/Shanghai')::date <= due_on
 WHERE status <> 'received';

-- The due day from the station's own promise when it has one (the day received in the session's
-- time zone, which is the node's, YISHI_ZONE); answered_in_time when a request leaves 'received'.
CREATE FUNCTION request_promise() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT promised_days INTO d FROM station WHERE id = NEW.station_id;
    IF d IS NOT NULL THEN
      NEW.due_on := NEW.created_at::date + d;
    END IF;
    NEW.answered_in_time := NULL;
  ELSIF OLD.status = 'received' AND NEW.status <> 'received' THEN
    NEW.answered_in_time := NEW.status <> 'hidden' AND NEW.triaged_at::date <= NEW.due_on;
  ELSE
    NEW.answered_in_time := OLD.answered_in_time;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER resident_request_promise BEFORE INSERT OR UPDATE ON resident_request
  FOR EACH ROW EXECUTE FUNCTION request_promise();

-- V24's counting trigger, now exact whatever the transitions: it adds the request's new state and
-- takes away its old one (stats_counted_requests counts the same from the raw rows), in the
-- node's months (stats_month) instead of a fixed zone.
CREATE OR REPLACE FUNCTION request_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date := stats_month(NEW.created_at);
  was text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END;
  was_in_time integer := CASE WHEN TG_OP = 'UPDATE' AND OLD.answered_in_time THEN 1 ELSE 0 END;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.answered_in_time IS NOT DISTINCT FROM NEW.answered_in_time THEN
    RETURN NEW;
  END IF;
  INSERT INTO stats_request_month AS s (station_id, division_code, month, category, received, answered_in_time,
                                         turned_into_topics, answered_directly, declined, merged, hidden)
  VALUES (NEW.station_id, (SELECT division_code FROM station WHERE id = NEW.station_id), m, NEW.category,
          CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END,
          CASE WHEN NEW.answered_in_time THEN 1 ELSE 0 END - was_in_time,
          (NEW.status = 'accepted')::int - (was IS NOT DISTINCT FROM 'accepted')::int,
          (NEW.status = 'answered')::int - (was IS NOT DISTINCT FROM 'answered')::int,
          (NEW.status = 'declined')::int - (was IS NOT DISTINCT FROM 'declined')::int,
          (NEW.status = 'merged')::int - (was IS NOT DISTINCT FROM 'merged')::int,
          (NEW.status = 'hidden')::int - (was IS NOT DISTINCT FROM 'hidden')::int)
  ON CONFLICT (station_id, month, category) DO UPDATE
    SET (received, answered_in_time, turned_into_topics, answered_directly, declined, merged, hidden)
      = (s.received + EXCLUDED.received, s.answered_in_time + EXCLUDED.answered_in_time,
         s.turned_into_topics + EXCLUDED.turned_into_topics, s.answered_directly + EXCLUDED.answered_directly,
         s.declined + EXCLUDED.declined, s.merged + EXCLUDED.merged, s.hidden + EXCLUDED.hidden);
  RETURN NEW;
END $$;

-- The residents' request counters (stats_request_month) of the stations first..last, from the raw
-- rows: per station, month received (stats_month) and category, the station's current division; a
-- request counts under the state it is in, and as answered in time by its stored answered_in_time.
-- request_count() keeps the same numbers incrementally.
CREATE FUNCTION stats_counted_requests(p_first bigint, p_last bigint)
  RETURNS SETOF stats_request_month LANGUAGE sql STABLE AS $$
  SELECT r.station_id, s.division_code, stats_month(r.created_at), r.category,
         count(*)::int,
         (count(*) FILTER (WHERE r.answered_in_time))::int,
         (count(*) FILTER (WHERE r.status = 'accepted'))::int,
         (count(*) FILTER (WHERE r.status = 'answered'))::int,
         (count(*) FILTER (WHERE r.status = 'declined'))::int,
         (count(*) FILTER (WHERE r.status = 'merged'))::int,
         (count(*) FILTER (WHERE r.status = 'hidden'))::int
    FROM resident_request r JOIN station s ON s.id = r.station_id
   WHERE r.station_id BETWEEN p_first AND p_last
   GROUP BY r.station_id, s.division_code, stats_month(r.created_at), r.category
$$;

-- The rebuild of the request counters from the raw rows, holding the table (writers wait); run with
-- stats_rebuild() by POST /api/v1/stats/rebuild (StatsStore#rebuild). Answers the rows counted.
CREATE FUNCTION stats_request_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  LOCK TABLE stats_request_month IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM stats_request_month;
  INSERT INTO stats_request_month SELECT * FROM stats_counted_requests(0, 9223372036854775807);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- A station moved to another division: its request counter rows follow it (as stats_on_station
-- does for the roll-up's tables).
CREATE FUNCTION request_stats_on_station() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stats_request_month SET division_code = NEW.division_code WHERE station_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER request_stats_station AFTER UPDATE OF division_code ON station FOR EACH ROW
  WHEN (OLD.division_code IS DISTINCT FROM NEW.division_code) EXECUTE FUNCTION request_stats_on_station();

-- the counter rows of stations moved before this release
UPDATE stats_request_month x SET division_code = s.division_code
  FROM station s WHERE s.id = x.station_id AND x.division_code <> s.division_code;
