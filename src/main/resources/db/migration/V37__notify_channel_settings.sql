-- Channel settings kept in PostgreSQL (issue 21), edited by admins at runtime and read by every
-- node: one row per channel ('email', 'sms') or group robot ('robot:NAME'). A row replaces the
-- environment/YAML settings of its channel (or adds/replaces the robot of that name); without a
-- row the environment/YAML values apply. Plain values in `settings`; secrets (passwords, tokens,
-- webhook URLs, signing secrets) in `secrets`, each encrypted with AES-GCM under YISHI_SECRET_KEY
-- ("v1:" + Base64(96-bit nonce || ciphertext || tag)), never stored or shown in clear.
-- Additive: the previous release ignores the table and keeps using the environment.
CREATE TABLE notify_channel (
  name        text        PRIMARY KEY CHECK (name IN ('email', 'sms') OR name ~ '^robot:[A-Za-z0-9._-]{1,40}$'),
  settings    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  secrets     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(secrets) = 'object'),
  version     integer     NOT NULL DEFAULT 1,
  updated_by  bigint      REFERENCES account (id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
