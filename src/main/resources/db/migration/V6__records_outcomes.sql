-- What a consultation produced: the meeting record and its outcomes (协商成果) with follow-up.

-- The record a coordinator files after the meeting; district staff may return it for correction.
CREATE TABLE meeting_record (
  meeting_id             bigint PRIMARY KEY REFERENCES meeting (id),
  held                   boolean NOT NULL,
  not_held_reason        text    CHECK (length(not_held_reason) <= 1000),
  actual_start           timestamptz,
  actual_end             timestamptz,
  attendance_members     integer NOT NULL DEFAULT 0 CHECK (attendance_members BETWEEN 0 AND 100000),
  attendance_residents   integer NOT NULL DEFAULT 0 CHECK (attendance_residents BETWEEN 0 AND 100000),
  attendance_departments integer NOT NULL DEFAULT 0 CHECK (attendance_departments BETWEEN 0 AND 100000),
  attendance_experts     integer NOT NULL DEFAULT 0 CHECK (attendance_experts BETWEEN 0 AND 100000),
  attendance_others      integer NOT NULL DEFAULT 0 CHECK (attendance_others BETWEEN 0 AND 100000),
  minutes                text    CHECK (length(minutes) <= 20000),
  suggestions_count      integer NOT NULL DEFAULT 0 CHECK (suggestions_count BETWEEN 0 AND 100000),
  consensus              boolean,
  status                 text    NOT NULL DEFAULT 'filed' CHECK (status IN ('filed', 'returned')),
  return_reason          text    CHECK (length(return_reason) <= 1000),
  filed_by               bigint  REFERENCES account (id),
  filed_at               timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  version                integer NOT NULL DEFAULT 1,
  CHECK (held OR not_held_reason IS NOT NULL),
  CHECK (NOT held OR (actual_start IS NOT NULL AND actual_end IS NOT NULL AND actual_end > actual_start))
);

-- Which invited (or other) members actually attended.
CREATE TABLE meeting_attendee (
  meeting_id bigint NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  member_id  bigint NOT NULL REFERENCES member (id),
  PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_attendee_member ON meeting_attendee (member_id);

-- Photos and minutes files, stored under YISHI_DATA_DIR/files by content hash (never by the
-- uploaded name, which is kept only for display).
CREATE TABLE attachment (
  id           bigserial PRIMARY KEY,
  meeting_id   bigint NOT NULL REFERENCES meeting (id),
  filename     text   NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text   NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
  sha256       text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  uploaded_by  bigint REFERENCES account (id),
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachment_meeting ON attachment (meeting_id);

-- Outcomes: several per meeting, referred to a responsible unit and followed up until closed.
--   referred -> answered (adopted / partly adopted / not adopted, with the unit's reply)
--            -> implemented (with evidence) -> closed (satisfaction rating and effectiveness evaluation)
CREATE TABLE outcome (
  id                      bigserial PRIMARY KEY,
  meeting_id              bigint   NOT NULL REFERENCES meeting (id),
  station_id              bigint   NOT NULL REFERENCES station (id),
  division_code           char(12) NOT NULL,
  content                 text     NOT NULL CHECK (length(content) BETWEEN 1 AND 4000),
  form                    text     NOT NULL CHECK (form IN ('minutes', 'suggestion_letter', 'research_report', 'proposal', 'bulletin')),
  responsible_unit        text     NOT NULL CHECK (length(responsible_unit) BETWEEN 1 AND 100),
  application             text     CHECK (length(application) <= 1000),
  due_on                  date     NOT NULL,
  status                  text     NOT NULL DEFAULT 'referred' CHECK (status IN ('referred', 'answered', 'implemented', 'closed')),
  answer                  text     CHECK (answer IN ('adopted', 'partly_adopted', 'not_adopted')),
  reply                   text     CHECK (length(reply) <= 4000),
  answered_at             timestamptz,
  implementation_evidence text     CHECK (length(implementation_evidence) <= 4000),
  implemented_at          timestamptz,
  satisfaction            text     CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
  satisfaction_comment    text     CHECK (length(satisfaction_comment) <= 1000),
  rated_at                timestamptz,
  effectiveness           text     CHECK (length(effectiveness) <= 2000),
  closed_at               timestamptz,
  typical_case            boolean  NOT NULL DEFAULT false,
  typical_marked_by       bigint   REFERENCES account (id),
  typical_marked_at       timestamptz,
  overdue_escalated_at    timestamptz,
  created_by              bigint   REFERENCES account (id),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  version                 integer  NOT NULL DEFAULT 1,
  CHECK (status = 'referred' OR (answer IS NOT NULL AND reply IS NOT NULL AND answered_at IS NOT NULL)),
  CHECK (status NOT IN ('implemented', 'closed') OR (implementation_evidence IS NOT NULL AND implemented_at IS NOT NULL)),
  CHECK (status <> 'closed' OR (satisfaction IS NOT NULL AND closed_at IS NOT NULL))
);
CREATE INDEX outcome_meeting ON outcome (meeting_id);
CREATE INDEX outcome_division_status ON outcome (division_code bpchar_pattern_ops, status);
CREATE INDEX outcome_overdue ON outcome (due_on) WHERE status = 'referred';
CREATE INDEX outcome_typical ON outcome (division_code bpchar_pattern_ops) WHERE typical_case;

CREATE TABLE outcome_history (
  id          bigserial PRIMARY KEY,
  outcome_id  bigint NOT NULL REFERENCES outcome (id) ON DELETE CASCADE,
  action      text   NOT NULL,
  from_status text,
  to_status   text,
  note        text,
  actor_id    bigint,
  actor_name  text   NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcome_history_outcome ON outcome_history (outcome_id, at);
