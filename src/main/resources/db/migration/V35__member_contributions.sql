-- What a member's record (履职档案) counts beyond attendance (issue 23): topics a member proposed,
-- suggestions of theirs in outcomes (adopted when the outcome is adopted or implemented) and typical
-- cases naming them. Additive: the previous release ignores the new column and table.

-- the committee member who proposed a topic (the free-text `proposer` stays for anyone else)
ALTER TABLE topic ADD COLUMN proposer_member_id bigint REFERENCES member (id);
CREATE INDEX topic_proposer_member ON topic (proposer_member_id) WHERE proposer_member_id IS NOT NULL;

-- members named on an outcome: who made the suggestion, and (staff only) who a typical case names
CREATE TABLE outcome_member (
  outcome_id bigint      NOT NULL REFERENCES outcome (id),
  member_id  bigint      NOT NULL REFERENCES member (id),
  role       text        NOT NULL CHECK (role IN ('suggester', 'typical')),
  named_by   bigint      REFERENCES account (id),
  named_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (outcome_id, role, member_id)
);
CREATE INDEX outcome_member_member ON outcome_member (member_id, role);

-- points rules may count these too
ALTER TABLE member_points_rule DROP CONSTRAINT member_points_rule_kind_check;
ALTER TABLE member_points_rule ADD CONSTRAINT member_points_rule_kind_check
  CHECK (kind IN ('attended', 'checkin', 'confirmed', 'outcome', 'proposed', 'suggested', 'adopted', 'typical'));
