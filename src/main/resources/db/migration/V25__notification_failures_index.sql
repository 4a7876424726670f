-- Notifications (issue 21): the failed deliveries are counted by /ready and listed for admins
-- (delivery log, work queue) on every call; a partial index keeps that cheap as the outbox grows.
CREATE INDEX outbox_failed ON outbox (failed_at DESC, id DESC) WHERE failed_at IS NOT NULL;
