-- Residents' requests (issue 24): a resident raises a concern at a station's public page (reached
-- from the station's QR poster) and follows it by an unguessable tracking code. Additive only: new
-- tables, a trigger on the new table, nothing changed in what the previous release reads.

CREATE TABLE resident_request (
  id             bigserial PRIMARY KEY,
  -- 20 characters of Crockford base32 from a CSPRNG: 100 random bits, never sequential
  tracking_code  text     NOT NULL UNIQUE CHECK (tracking_code ~ '^[0-9A-HJKMNP-TV-Z]{20}$'),
  station_id     bigint   NOT NULL REFERENCES station (id),
  division_code  char(12) NOT NULL,            -- the station's, kept for jurisdiction filtering
  category       text     NOT NULL REFERENCES topic_category (key),
  description    text     NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  place          text     CHECK (length(place) <= 200),
  -- a mainland mobile number for updates; set to null by the retention job (phone_erased_at)
  phone          text     CHECK (phone ~ '^1[3-9][0-9]{9}$'),
  phone_erased_at timestamptz,
  status         text     NOT NULL DEFAULT 'received'
                          CHECK (status IN ('received', 'accepted', 'answered', 'merged', 'declined', 'hidden')),
  -- what the resident reads: the direct answer, or the reason a request was declined
  reply          text     CHECK (length(reply) <= 2000),
  merged_into    bigint   REFERENCES resident_request (id),
  hidden_reason  text     CHECK (length(hidden_reason) <= 500),
  due_on         date     NOT NULL,            -- the station's promise: answered by this day
  created_at     timestamptz NOT NULL DEFAULT now(),
  triaged_at     timestamptz,
  triaged_by     bigint   REFERENCES account (id),
  version        integer  NOT NULL DEFAULT 1,
  CHECK (status <> 'merged' OR merged_into IS NOT NULL),
  CHECK (status NOT IN ('answered', 'declined') OR reply IS NOT NULL),
  CHECK (status = 'received' OR triaged_at IS NOT NULL),
  CHECK (merged_into IS NULL OR merged_into <> id)
);
CREATE INDEX resident_request_station ON resident_request (station_id, status, created_at DESC);
CREATE INDEX resident_request_division ON resident_request (division_code bpchar_pattern_ops, created_at DESC);
CREATE INDEX resident_request_phone_kept ON resident_request (created_at) WHERE phone IS NOT NULL;

-- At most one photo per request, its type sniffed from its first bytes (never the client's word).
CREATE TABLE resident_request_photo (
  request_id  bigint PRIMARY KEY REFERENCES resident_request (id),
  media_type  text   NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
  content     bytea  NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 10485760)
);

-- A topic keeps the link to every request it answers (accepted into it, or merged into one that was).
CREATE TABLE topic_request (
  topic_id    bigint NOT NULL REFERENCES topic (id),
  request_id  bigint NOT NULL UNIQUE REFERENCES resident_request (id),
  linked_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic_id, request_id)
);

-- Cluster-wide submission counters per key (address, station, phone) and fixed window.
CREATE TABLE resident_request_limit (
  key           text        NOT NULL,
  window_start  timestamptz NOT NULL,
  hits          integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (key, window_start)
);

-- Counters per station, month the request was received in, and category (docs/statistics.md):
-- kept by the trigger below, not by the roll-up functions (those are owned by the stats feature).
CREATE TABLE stats_request_month (
  station_id          bigint   NOT NULL REFERENCES station (id),
  division_code       char(12) NOT NULL,
  month               date     NOT NULL,
  category            text     NOT NULL,
  received            integer  NOT NULL DEFAULT 0,
  answered_in_time    integer  NOT NULL DEFAULT 0,
  turned_into_topics  integer  NOT NULL DEFAULT 0,
  answered_directly   integer  NOT NULL DEFAULT 0,
  declined            integer  NOT NULL DEFAULT 0,
  merged              integer  NOT NULL DEFAULT 0,
  hidden              integer  NOT NULL DEFAULT 0,
  PRIMARY KEY (station_id, month, category)
);
CREATE INDEX stats_request_month_division ON stats_request_month (division_code bpchar_pattern_ops, month);

CREATE FUNCTION request_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', NEW.created_at AT TIME ZONE 'Asia/Shanghai')::date;
  first_answer boolean := TG_OP = 'UPDATE' AND OLD.status = 'received' AND NEW.status <> 'received';
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
    RETURN NEW;
  END IF;
  INSERT INTO stats_request_month AS s (station_id, division_code, month, category, received, answered_in_time,
                                         turned_into_topics, answered_directly, declined, merged, hidden)
  VALUES (NEW.station_id, NEW.division_code, m, NEW.category,
          CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END,
          CASE WHEN first_answer AND NEW.status <> 'hidden'
                    AND (NEW.triaged_at AT TIME ZONE 'Asia/Shanghai')::date <= NEW.due_on THEN 1 ELSE 0 END,
          CASE WHEN NEW.status = 'accepted' THEN 1 ELSE 0 END,
          CASE WHEN NEW.status = 'answered' THEN 1 ELSE 0 END,
          CASE WHEN NEW.status = 'declined' THEN 1 ELSE 0 END,
          CASE WHEN NEW.status = 'merged' THEN 1 ELSE 0 END,
          CASE WHEN NEW.status = 'hidden' THEN 1 ELSE 0 END)
  ON CONFLICT (station_id, month, category) DO UPDATE SET
    received = s.received + EXCLUDED.received,
    answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time,
    turned_into_topics = s.turned_into_topics + EXCLUDED.turned_into_topics,
    answered_directly = s.answered_directly + EXCLUDED.answered_directly,
    declined = s.declined + EXCLUDED.declined,
    merged = s.merged + EXCLUDED.merged,
    hidden = s.hidden + EXCLUDED.hidden;
  RETURN NEW;
END $$;

CREATE TRIGGER resident_request_count AFTER INSERT OR UPDATE OF status ON resident_request
  FOR EACH ROW EXECUTE FUNCTION request_count();
