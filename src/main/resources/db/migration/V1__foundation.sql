-- Node-independent facts about this installation (first start, demo seeded, ...).
CREATE TABLE app_setting (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO app_setting (key, value) VALUES ('installed_at', now()::text);
