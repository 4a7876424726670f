-- Indexes the home-page benchmark (scripts/bench.sh --only home, docs/benchmarks.md) showed missing:
-- two sections of the work queue (docs/work-queue.md) scanned a whole table on every page and badge.

-- A coordinator's "outcomes to rate" reads `outcome WHERE station_id = ANY(stations) AND status ...`:
-- no index led by station_id existed, so every coordinator's page scanned all outcomes (858 k at
-- city scale: ~500 ms under load; 0.15 ms with it).
CREATE INDEX IF NOT EXISTS outcome_station_status ON outcome (station_id, status);

-- District staff's "records to review" reads the records filed in the last 7 days: without an index
-- on filed_at every district page scanned all records (~200 ms at city scale; 0.1 ms with it).
CREATE INDEX IF NOT EXISTS meeting_record_recent ON meeting_record (filed_at) WHERE status = 'filed';
