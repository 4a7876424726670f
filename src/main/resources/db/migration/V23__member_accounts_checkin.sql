-- Members sign in (an account with role 'member' linked to a member record), reply to invitations,
-- and check in at meetings by scanning the meeting's signed code. Additive: a looser role check,
-- a nullable column and new tables only.

ALTER TABLE account DROP CONSTRAINT account_role_check;
ALTER TABLE account ADD CONSTRAINT account_role_check
  CHECK (role IN ('admin', 'city_staff', 'district_staff', 'station_coordinator', 'member'));
-- The member record a 'member' account belongs to (one account per member).
ALTER TABLE account ADD COLUMN member_id bigint REFERENCES member (id);
CREATE UNIQUE INDEX account_member_key ON account (member_id) WHERE member_id IS NOT NULL;

-- The key that signs check-in codes: one row, made by the first node that needs it, so every node verifies alike.
CREATE TABLE checkin_secret (
  id         smallint PRIMARY KEY CHECK (id = 1),
  secret     bytea       NOT NULL CHECK (length(secret) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A member's answer to an invitation (no row: not answered yet).
CREATE TABLE meeting_member_reply (
  meeting_id bigint      NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  member_id  bigint      NOT NULL REFERENCES member (id),
  reply      text        NOT NULL CHECK (reply IN ('confirmed', 'declined')),
  note       text        CHECK (length(note) <= 500),
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (meeting_id, member_id)
);

-- One row per person checked in at a meeting. A member is checked in once (unique member per meeting);
-- a guest (resident, department representative, expert, other) once per device key.
CREATE TABLE meeting_checkin (
  id          bigserial PRIMARY KEY,
  meeting_id  bigint      NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  role        text        NOT NULL CHECK (role IN ('members', 'residents', 'departments', 'experts', 'others')),
  member_id   bigint      REFERENCES member (id),
  device_key  text        CHECK (device_key ~ '^[A-Za-z0-9_-]{16,64}$'),
  name        text        CHECK (length(name) <= 50),
  phone       text        CHECK (length(phone) <= 30),
  invited     boolean     NOT NULL DEFAULT false,
  arrival     text        NOT NULL CHECK (arrival IN ('early', 'on_time', 'late')),
  minutes_off integer     NOT NULL DEFAULT 0,
  source      text        NOT NULL CHECK (source IN ('scan', 'coordinator')),
  at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'members') = (member_id IS NOT NULL)),
  CHECK (member_id IS NOT NULL OR device_key IS NOT NULL OR source = 'coordinator')
);
CREATE UNIQUE INDEX meeting_checkin_member ON meeting_checkin (meeting_id, member_id) WHERE member_id IS NOT NULL;
CREATE UNIQUE INDEX meeting_checkin_device ON meeting_checkin (meeting_id, device_key) WHERE device_key IS NOT NULL;
CREATE INDEX meeting_checkin_member_at ON meeting_checkin (member_id, at) WHERE member_id IS NOT NULL;
