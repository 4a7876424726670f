-- Topics (议题), yearly consultation plans (年度协商计划) and scheduled meetings.

-- Topic categories are a configurable list (admins may add more rows).
CREATE TABLE topic_category (
  key     text PRIMARY KEY CHECK (key ~ '^[a-z][a-z_]{1,39}$'),
  name_zh text NOT NULL,
  name_en text NOT NULL,
  sort    integer NOT NULL DEFAULT 0,
  active  boolean NOT NULL DEFAULT true
);
INSERT INTO topic_category (key, name_zh, name_en, sort) VALUES
  ('economy', '经济发展', 'Economy', 10),
  ('livelihood', '民生保障', 'Livelihood', 20),
  ('ecology', '生态环境', 'Ecology', 30),
  ('rural_revitalisation', '乡村振兴', 'Rural revitalisation', 40),
  ('urban_management', '城市管理', 'Urban management', 50),
  ('elderly_children', '一老一小', 'Elderly and children', 60),
  ('education', '教育', 'Education', 70),
  ('health', '医疗卫生', 'Health', 80),
  ('other', '其他', 'Other', 90);

-- A committee's yearly plan and its planned topics, each with a target quarter.
CREATE TABLE plan (
  id           bigserial PRIMARY KEY,
  committee_id bigint  NOT NULL REFERENCES committee (id),
  year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  title        text    NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  version      integer NOT NULL DEFAULT 1,
  UNIQUE (committee_id, year)
);

CREATE TABLE plan_item (
  id             bigserial PRIMARY KEY,
  plan_id        bigint  NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
  title          text    NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  description    text    CHECK (length(description) <= 2000),
  kind           text    NOT NULL CHECK (kind IN ('standing_committee_session', 'thematic_consultation', 'other')),
  category       text    REFERENCES topic_category (key),
  target_quarter integer NOT NULL CHECK (target_quarter BETWEEN 1 AND 4),
  sort           integer NOT NULL DEFAULT 0
);
CREATE INDEX plan_item_plan ON plan_item (plan_id, sort);

-- A topic raised at a station, vetted by the "two questions" before it is submitted.
CREATE TABLE topic (
  id               bigserial PRIMARY KEY,
  station_id       bigint   NOT NULL REFERENCES station (id),
  division_code    char(12) NOT NULL,          -- the station's, kept for jurisdiction filtering
  title            text     NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  description      text     CHECK (length(description) <= 4000),
  category         text     NOT NULL REFERENCES topic_category (key),
  source           text     NOT NULL CHECK (source IN ('party_government', 'yearly_plan', 'member', 'residents', 'bulletin')),
  plan_item_id     bigint   REFERENCES plan_item (id),
  proposer         text     CHECK (length(proposer) <= 100),
  -- 两问: is it central work or a hot livelihood issue; is it suitable for the committee
  q1_answer        boolean,
  q1_reason        text     CHECK (length(q1_reason) <= 1000),
  q2_answer        boolean,
  q2_reason        text     CHECK (length(q2_reason) <= 1000),
  status           text     NOT NULL DEFAULT 'draft'
                            CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn')),
  decision_reason  text,
  created_by       bigint   REFERENCES account (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  version          integer  NOT NULL DEFAULT 1,
  CHECK (source <> 'yearly_plan' OR plan_item_id IS NOT NULL),
  -- nothing leaves draft without both questions answered yes, with reasons
  CHECK (status IN ('draft', 'withdrawn') OR (q1_answer AND q2_answer AND q1_reason IS NOT NULL AND q2_reason IS NOT NULL))
);
CREATE INDEX topic_division_status ON topic (division_code bpchar_pattern_ops, status);
CREATE INDEX topic_station ON topic (station_id);
CREATE INDEX topic_plan_item ON topic (plan_item_id);

CREATE TABLE topic_history (
  id          bigserial PRIMARY KEY,
  topic_id    bigint NOT NULL REFERENCES topic (id) ON DELETE CASCADE,
  from_status text,
  to_status   text   NOT NULL,
  reason      text,
  actor_id    bigint,
  actor_name  text   NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topic_history_topic ON topic_history (topic_id, at);

-- Meetings: an approved topic scheduled at its station. The exclusion constraints make
-- overlapping bookings impossible even when two nodes book at the same instant.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE meeting (
  id                  bigserial PRIMARY KEY,
  topic_id            bigint   NOT NULL REFERENCES topic (id),
  station_id          bigint   NOT NULL REFERENCES station (id),
  division_code       char(12) NOT NULL,
  starts_at           timestamptz NOT NULL,
  ends_at             timestamptz NOT NULL,
  venue               text     CHECK (length(venue) <= 200),
  format              text     NOT NULL CHECK (format IN ('on_site', 'online', 'hybrid')),
  online_link         text     CHECK (length(online_link) <= 500),
  kind                text     NOT NULL CHECK (kind IN ('standing_committee_session', 'thematic_consultation', 'forum',
                                                       'counterpart', 'proposal_handling', 'sector', 'grassroots')),
  research_plan       text     CHECK (length(research_plan) <= 4000),
  capacity_assessment text     CHECK (length(capacity_assessment) <= 2000),
  status              text     NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'held', 'not_held')),
  cancel_reason       text,
  created_by          bigint   REFERENCES account (id),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer  NOT NULL DEFAULT 1,
  CHECK (ends_at > starts_at),
  CHECK (format = 'on_site' OR online_link IS NOT NULL),
  CONSTRAINT meeting_station_no_overlap EXCLUDE USING gist
    (station_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX meeting_division_start ON meeting (division_code bpchar_pattern_ops, starts_at);
CREATE INDEX meeting_topic ON meeting (topic_id);

-- The five parties (host, proposer, responder department, related parties, experts/residents).
CREATE TABLE meeting_participant (
  id           bigserial PRIMARY KEY,
  meeting_id   bigint NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  role         text   NOT NULL CHECK (role IN ('host', 'proposer', 'responder', 'related', 'expert_resident')),
  name         text   NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  organisation text   CHECK (length(organisation) <= 100),
  contact      text   CHECK (length(contact) <= 100)
);
CREATE INDEX meeting_participant_meeting ON meeting_participant (meeting_id);

-- Members invited; the meeting's time is copied so one member cannot be double-booked.
CREATE TABLE meeting_member (
  meeting_id bigint NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  member_id  bigint NOT NULL REFERENCES member (id),
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  active     boolean NOT NULL DEFAULT true,
  PRIMARY KEY (meeting_id, member_id),
  CONSTRAINT meeting_member_no_overlap EXCLUDE USING gist
    (member_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active)
);

CREATE TABLE meeting_history (
  id         bigserial PRIMARY KEY,
  meeting_id bigint NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  action     text   NOT NULL CHECK (action IN ('schedule', 'reschedule', 'cancel')),
  before     jsonb,
  after      jsonb,
  reason     text,
  actor_name text   NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);

-- In-app notifications; dedupe_key makes each reminder exactly-once per recipient.
CREATE TABLE notification (
  id         bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  kind       text   NOT NULL,
  title      text   NOT NULL,
  body       text,
  link       text,
  dedupe_key text   NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz
);
CREATE INDEX notification_account ON notification (account_id, created_at DESC);

-- Messages to people outside Yishi (members, departments), sent by one node, each exactly once.
CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  channel    text   NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient  text   NOT NULL,
  subject    text   NOT NULL,
  body       text   NOT NULL,
  dedupe_key text   NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  sent_by    text,
  attempts   integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
