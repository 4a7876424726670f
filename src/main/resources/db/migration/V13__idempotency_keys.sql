-- Idempotency keys of form and API submissions (docs/reliability.md). A request that carries a key
-- (the API's Idempotency-Key header, a form's hidden _idempotency field) first reserves its row
-- (state 'pending', committed before the work, owner_token naming this attempt). Every transaction
-- the request then commits starts with the fence: it sets work_committed on the row only while
-- owner_token still names this attempt, so an attempt whose reservation a retry took over (its node
-- froze or died) rolls back instead of writing twice. The answer is stored ('done') before it is sent,
-- and a retry with the same key gets it again. 'lost': the work committed, the answer was not kept.
CREATE TABLE idempotency_key (
  account_id     bigint      NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  key            text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash   bytea       NOT NULL,
  method         text        NOT NULL,
  path           text        NOT NULL,
  state          text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'lost')),
  owner_node     text        NOT NULL,
  owner_token    uuid        NOT NULL,
  work_committed boolean     NOT NULL DEFAULT false,
  status         integer,
  headers        jsonb,
  body           bytea,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_key_created ON idempotency_key (created_at);
