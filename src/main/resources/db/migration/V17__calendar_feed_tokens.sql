-- Personal calendar feed links (docs/security.md, "Calendar feeds"). A link belongs to one account
-- and one unit (a station, or a division such as a district or city) and carries a random token of
-- which only the SHA-256 is stored. The feed is read with the owner's jurisdiction at fetch time;
-- the link is dead once the account is disabled, its role, scope or stations change, or its
-- password changes: the account as it was when the link was made is kept here and compared with
-- the account row at every fetch. The HMAC-signed links of earlier releases (keyed by
-- app_setting 'feed_secret') are no longer accepted; the setting is left in place for nodes of the
-- previous release during a rolling upgrade.
CREATE TABLE calendar_feed_token (
  id             bigserial PRIMARY KEY,
  account_id     bigint      NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  token_hash     bytea       NOT NULL UNIQUE,
  station_id     bigint      REFERENCES station (id) ON DELETE CASCADE,
  division_code  char(12)    CHECK (division_code ~ '^[0-9]{12}$'),
  -- the owner as they were when the link was made
  owner_role     text        NOT NULL,
  owner_scope    char(12),
  owner_stations bigint[]    NOT NULL,
  owner_password bytea       NOT NULL, -- SHA-256 of the account's password hash (never the hash itself)
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  revoked_by     bigint,
  CHECK ((station_id IS NULL) <> (division_code IS NULL))
);
-- one live link per account and unit: asking again replaces its token in the same row
CREATE UNIQUE INDEX calendar_feed_token_unit ON calendar_feed_token
  (account_id, (COALESCE(station_id, 0)), (COALESCE(division_code, '')))
  WHERE revoked_at IS NULL;
CREATE INDEX calendar_feed_token_account ON calendar_feed_token (account_id, created_at DESC);

-- Dead for good: disabling the account, or changing its role, scope or password, revokes its links
-- in the same transaction, whichever code path made the change (re-enabling the account or changing
-- it back does not bring them back). Station changes are caught by the comparison at fetch time.
CREATE FUNCTION calendar_feed_token_owner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE calendar_feed_token SET revoked_at = now() WHERE account_id = NEW.id AND revoked_at IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER account_change_revokes_calendar_feeds
  AFTER UPDATE OF role, scope_code, password_hash, disabled ON account
  FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.scope_code IS DISTINCT FROM NEW.scope_code
        OR OLD.password_hash IS DISTINCT FROM NEW.password_hash OR (NEW.disabled AND NOT OLD.disabled))
  EXECUTE FUNCTION calendar_feed_token_owner_changed();
