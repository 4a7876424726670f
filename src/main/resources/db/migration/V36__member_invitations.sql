-- Invitation links for members' accounts (issue 23): district or city staff invite a member, who opens
-- the link on a phone and sets their password. The link carries a random secret; only its SHA-256 is
-- kept here. A link works once (used_at), until expires_at; a new invitation of the same member ends
-- the earlier ones. Additive: a new table only.
CREATE TABLE member_invitation (
  id         bigserial PRIMARY KEY,
  member_id  bigint      NOT NULL REFERENCES member (id),
  account_id bigint      NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_by bigint      REFERENCES account (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_invitation_member ON member_invitation (member_id) WHERE used_at IS NULL;
