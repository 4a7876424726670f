-- Notification delivery (issue 21): the outbox becomes the delivery queue and log. Every change
-- is additive; the previous release keeps inserting sms/e-mail rows and may still claim rows
-- during a rolling upgrade (it marks them sent by writing its spool file, as before).

-- Robots (WeCom, DingTalk, Feishu group robots) join SMS and e-mail; the old check is relaxed
-- (the previous release only writes sms/email, which the new check still accepts).
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_known CHECK (channel IN ('sms', 'email', 'robot'));

-- The delivery log of each message: queued (created_at), each attempt (attempts, last_attempt_at,
-- last_error), the next try (next_attempt_at, exponential backoff), accepted by the gateway
-- (sent_at, sent_by, gateway_reply) or given up (failed_at, last_error = the gateway's reason).
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE outbox ADD COLUMN last_attempt_at timestamptz;
ALTER TABLE outbox ADD COLUMN last_error      text;
ALTER TABLE outbox ADD COLUMN gateway_reply   text;
ALTER TABLE outbox ADD COLUMN failed_at       timestamptz;
-- what the message is about and for whom (delivery log search, link back to the page)
ALTER TABLE outbox ADD COLUMN kind            text;
ALTER TABLE outbox ADD COLUMN account_id      bigint REFERENCES account (id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN link            text;
ALTER TABLE outbox ADD COLUMN locale          text;

CREATE INDEX outbox_due ON outbox (next_attempt_at NULLS FIRST, id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_robot_sent ON outbox (recipient, sent_at) WHERE channel = 'robot';
CREATE INDEX outbox_log ON outbox (created_at DESC);

-- An e-mail address for accounts (coordinators get reminders by e-mail); the mobile number is the
-- existing optional phone column.
ALTER TABLE account ADD COLUMN email text CHECK (email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$');
