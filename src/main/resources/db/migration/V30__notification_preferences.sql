-- Notification preferences (issue 21): per account, the channels of each kind of event (absent
-- kind = e-mail), a daily digest instead of single e-mails, and quiet hours (Asia/Shanghai local
-- times; no SMS between them unless the message is urgent). Additive: the previous release ignores it.
CREATE TABLE notify_preference (
  account_id  bigint      PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  channels    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object'),
  digest      boolean     NOT NULL DEFAULT false,
  quiet_from  time,
  quiet_to    time,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_from IS NULL) = (quiet_to IS NULL) AND (quiet_from IS NULL OR quiet_from <> quiet_to))
);

-- an urgent message (a meeting moved or cancelled, an overdue outcome) is sent during quiet hours
-- and never held for a digest; the previous release leaves it NULL (= not urgent)
ALTER TABLE outbox ADD COLUMN urgent boolean;
-- a digest message lists the messages it replaces (their sent_at is the digest's queueing time)
ALTER TABLE outbox ADD COLUMN digest_of bigint REFERENCES outbox (id);

-- The contacts of responsible units (住建局, 城管局 …) per district, kept by staff: an outcome
-- referred to a unit is sent to its contact (a mobile number by SMS, an address by e-mail), and
-- reminded before its answer is due. Units have no accounts; outcomes name them by text.
CREATE TABLE notify_unit_contact (
  district_code char(12)    NOT NULL CHECK (district_code ~ '^[0-9]{12}$'),
  unit_name     text        NOT NULL CHECK (length(unit_name) BETWEEN 1 AND 100),
  contact       text        NOT NULL CHECK (contact ~ '^1[3-9][0-9]{9}$' OR contact ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  updated_by    bigint      REFERENCES account (id) ON DELETE SET NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (district_code, unit_name)
);
