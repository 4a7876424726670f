-- Residents' requests, second slice (issue 24). Additive only: the previous release neither reads
-- nor writes the new columns and keeps inserting requests without them.

-- The one-time token of the public form the request was sent with (docs/requests.md, "Sending
-- twice"): a second post of the same form finds its request here and answers the same tracking code.
ALTER TABLE resident_request ADD COLUMN submit_token text CHECK (submit_token ~ '^[A-Za-z0-9_-]{22}$');
CREATE UNIQUE INDEX resident_request_submit_token ON resident_request (submit_token);

-- The language of the page the resident used ('zh-CN' or 'en'; null: Chinese, as before): the
-- text messages about the request are written in it.
ALTER TABLE resident_request ADD COLUMN locale text CHECK (locale IN ('zh-CN', 'en'));

-- The retention job finds the messages that carry a request's number by recipient when it erases it.
CREATE INDEX outbox_resident_request_recipient ON outbox (recipient) WHERE kind = 'resident_request';
