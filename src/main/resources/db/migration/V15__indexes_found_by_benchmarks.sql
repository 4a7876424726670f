-- Indexes the benchmarks (docs/benchmarks.md) showed missing; each turned a per-request or per-write
-- scan of a whole table into an index range scan.

-- The roll-up triggers recount one station-month from `meeting WHERE station_id = ? AND starts_at in
-- the month` on every write. The only index on station_id was the partial exclusion index
-- (status <> 'cancelled'), which that query cannot use: every recount scanned all meetings
-- (90 ms with 344 k meetings; seconds with 5 M), several times per filed record.
CREATE INDEX IF NOT EXISTS meeting_station_start ON meeting (station_id, starts_at);

-- Roll-ups count a unit's townships and villages (coverage) with `division WHERE code LIKE prefix%`:
-- the primary key's default operator class cannot serve LIKE, so each roll-up read all 665 k units.
CREATE INDEX IF NOT EXISTS division_code_pattern ON division (code bpchar_pattern_ops);

-- Roll-ups count a unit's overdue referrals: the existing partial index is on due_on alone, so a
-- district's count visited every overdue outcome in the country. This one is by unit first.
CREATE INDEX IF NOT EXISTS outcome_referred_division ON outcome (division_code bpchar_pattern_ops, due_on)
  WHERE status = 'referred';
