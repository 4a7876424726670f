-- Administrative divisions (统计用区划代码) down to village/community level, and the import jobs
-- that load them. V2 is reserved for another change.

CREATE TABLE division (
  code        char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
  -- deferred so that one import can insert children before their parents in any order
  parent_code char(12) NULL REFERENCES division (code) DEFERRABLE INITIALLY DEFERRED
              CHECK (parent_code ~ '^[0-9]{12}$'),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- children of a unit, already in code order for paging
CREATE INDEX division_parent_idx ON division (parent_code, code);

-- Name search (ILIKE '%fragment%'). pg_trgm ships with the embedded PostgreSQL and with most
-- packaged servers, and handles CJK names in a UTF-8 database; where an external server lacks it
-- (or the role may not create it) fall back to a pattern btree, which serves prefix searches only.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX division_name_trgm_idx ON division USING gin (name gin_trgm_ops);
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable (%), using a btree on division.name', SQLERRM;
    CREATE INDEX division_name_pattern_idx ON division (name text_pattern_ops);
  END;
END
$$;

-- One row per import, written by the node that runs it, so that any node can report progress.
CREATE TABLE division_import (
  id          bigserial PRIMARY KEY,
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  mode        text NOT NULL CHECK (mode IN ('atomic', 'skip_invalid')),
  filename    text,
  started_by  text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- the size of the upload when known; progress is bytes_read / bytes_total
  bytes_total bigint,
  bytes_read  bigint NOT NULL DEFAULT 0,
  rows_read   bigint NOT NULL DEFAULT 0,
  phase       text,
  -- last progress write: a running job whose node died stops moving, and readers can tell
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- why a job failed without a report (database error, node shutdown)
  failure     text,
  report      jsonb
);

CREATE INDEX division_import_started_idx ON division_import (started_at DESC);
