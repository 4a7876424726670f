-- Points rules of a member's record (履职积分), set by each committee for each year. Points are
-- always computed from the record with these rules, never stored or edited by hand.
CREATE TABLE member_points_rule (
  committee_id bigint      NOT NULL REFERENCES committee (id),
  year         integer     NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  kind         text        NOT NULL CHECK (kind IN ('attended', 'checkin', 'confirmed', 'outcome')),
  points       integer     NOT NULL CHECK (points BETWEEN 0 AND 100),
  per          integer     NOT NULL DEFAULT 1 CHECK (per BETWEEN 1 AND 100),
  cap          integer     CHECK (cap BETWEEN 1 AND 10000),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (committee_id, year, kind)
);
