-- Notification preferences of committee members (issue 21), set by district or city staff for
-- members who may have no account: the channels of each kind of event (absent kind = SMS, as
-- before) and quiet hours (local times; no SMS between them unless urgent). The member's mobile
-- and e-mail stay on member. Additive: the previous release ignores the table and the column.
CREATE TABLE notify_member_preference (
  member_id   bigint      PRIMARY KEY REFERENCES member (id) ON DELETE CASCADE,
  channels    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object'),
  quiet_from  time,
  quiet_to    time,
  updated_by  bigint      REFERENCES account (id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_from IS NULL) = (quiet_to IS NULL) AND (quiet_from IS NULL OR quiet_from <> quiet_to))
);

-- the member a message was queued for (its quiet hours apply); NULL for accounts, parties, units, robots
ALTER TABLE outbox ADD COLUMN member_id bigint REFERENCES member (id) ON DELETE SET NULL;
