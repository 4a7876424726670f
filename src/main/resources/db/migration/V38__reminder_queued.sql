-- Meeting reminders queued through the outbox (issue 21): one row per meeting and lead (72h, 24h, or
-- record for the chase of a missing record) once its
-- reminder notice was queued, so the reminders job looks at each meeting of the lead window once
-- (not again on every scheduler tick) and two nodes running it at once queue it once.
-- Additive: the previous release does not read it.
CREATE TABLE reminder_queued (
  meeting_id bigint      NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
  lead       text        NOT NULL,
  queued_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (meeting_id, lead)
);
