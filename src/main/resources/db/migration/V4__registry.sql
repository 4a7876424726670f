-- The city committee and its district/county committees, each tied to a division.
CREATE TABLE committee (
  id            bigserial PRIMARY KEY,
  name          text     NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  level         text     NOT NULL CHECK (level IN ('city', 'district')),
  division_code char(12) NOT NULL UNIQUE REFERENCES division (code),
  parent_id     bigint   REFERENCES committee (id),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Stations (协商议事室 and the other kinds) at township or village/community level.
-- district_code is the county-level ancestor: jurisdiction and the owning committee follow it.
CREATE TABLE station (
  id             bigserial PRIMARY KEY,
  name           text     NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  type           text     NOT NULL CHECK (type IN ('consultation_room', 'liaison_station', 'work_station',
                                                   'sector_station', 'members_home')),
  level          text     NOT NULL CHECK (level IN ('township', 'village')),
  division_code  char(12) NOT NULL REFERENCES division (code),
  district_code  char(12) NOT NULL,
  committee_id   bigint   REFERENCES committee (id),
  address        text     CHECK (length(address) <= 200),
  latitude       numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
  longitude      numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
  opening_hours  text     CHECK (length(opening_hours) <= 100),
  contact_name   text     CHECK (length(contact_name) <= 50),
  contact_phone  text     CHECK (length(contact_phone) <= 30),
  founded_on     date,
  status         text     NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'active', 'suspended', 'revoked', 'rejected')),
  status_reason  text,
  created_by     bigint   REFERENCES account (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  version        integer  NOT NULL DEFAULT 1
);
-- same name in the same division: one station (the API answers 409)
CREATE UNIQUE INDEX station_division_name_key ON station (division_code, lower(name));
CREATE INDEX station_division ON station (division_code bpchar_pattern_ops);
CREATE INDEX station_district_status ON station (district_code, status);

-- Every status change with its reason and who made it.
CREATE TABLE station_status_history (
  id          bigserial PRIMARY KEY,
  station_id  bigint      NOT NULL REFERENCES station (id) ON DELETE CASCADE,
  from_status text,
  to_status   text        NOT NULL,
  reason      text,
  actor_id    bigint,
  actor_name  text        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX station_status_history_station ON station_status_history (station_id, at);

-- The coordinators' stations now exist: enforce the link.
DELETE FROM account_station WHERE station_id NOT IN (SELECT id FROM station);
ALTER TABLE account_station ADD CONSTRAINT account_station_station_fk
  FOREIGN KEY (station_id) REFERENCES station (id) ON DELETE CASCADE;

-- Committee members (委员) by sector (界别), and the stations they are assigned to (驻站委员).
CREATE TABLE member (
  id           bigserial PRIMARY KEY,
  name         text   NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  sector       text   NOT NULL CHECK (length(sector) BETWEEN 1 AND 50),
  committee_id bigint NOT NULL REFERENCES committee (id),
  phone        text   CHECK (length(phone) <= 30),
  email        text   CHECK (length(email) <= 100),
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  version      integer NOT NULL DEFAULT 1
);
CREATE INDEX member_committee ON member (committee_id);

CREATE TABLE station_member (
  station_id  bigint NOT NULL REFERENCES station (id) ON DELETE CASCADE,
  member_id   bigint NOT NULL REFERENCES member (id) ON DELETE CASCADE,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, member_id)
);
CREATE INDEX station_member_member ON station_member (member_id);
