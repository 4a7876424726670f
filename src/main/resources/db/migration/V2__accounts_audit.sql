-- Accounts: one role each, scoped to a jurisdiction.
--   admin                everything (scope_code NULL)
--   city_staff           scope_code = a city code (e.g. 220800000000)
--   district_staff       scope_code = a district/county code (e.g. 220802000000)
--   station_coordinator  scope_code = the district of their stations; stations in account_station
CREATE TABLE account (
  id                   bigserial PRIMARY KEY,
  username             text        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$'),
  display_name         text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  password_hash        text        NOT NULL,
  role                 text        NOT NULL CHECK (role IN ('admin', 'city_staff', 'district_staff', 'station_coordinator')),
  scope_code           char(12)    CHECK (scope_code ~ '^[0-9]{12}$'),
  phone                text,
  locale               text        CHECK (locale IN ('zh-CN', 'en')),
  disabled             boolean     NOT NULL DEFAULT false,
  must_change_password boolean     NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  version              integer     NOT NULL DEFAULT 1,
  CHECK ((role = 'admin') = (scope_code IS NULL))
);
CREATE UNIQUE INDEX account_username_key ON account (lower(username));
CREATE INDEX account_scope ON account (scope_code bpchar_pattern_ops);

-- Stations a coordinator runs (the station table arrives with the registry; its FK is added there).
CREATE TABLE account_station (
  account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  station_id bigint NOT NULL,
  PRIMARY KEY (account_id, station_id)
);
CREATE INDEX account_station_station ON account_station (station_id);

-- API bearer tokens: only a SHA-256 of the token is stored.
CREATE TABLE api_token (
  id         bigserial PRIMARY KEY,
  account_id bigint      NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  token_hash bytea       NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX api_token_account ON api_token (account_id) WHERE revoked_at IS NULL;

-- Who changed what and when, written in the same transaction as the change.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_id      bigint,
  actor_name    text        NOT NULL,
  action        text        NOT NULL,
  entity_type   text        NOT NULL,
  entity_id     text        NOT NULL,
  division_code char(12),
  before        jsonb,
  after         jsonb
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_division ON audit_log (division_code bpchar_pattern_ops, at DESC);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
