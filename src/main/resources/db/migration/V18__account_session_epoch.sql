-- The generation of an account's sign-ins (docs/security.md, "Browser sessions"): a browser
-- session records the value it was signed in under, and the guard refuses a session whose value
-- is no longer the account's. A password change or reset and disabling the account raise it, which
-- ends every other session of the account on every node at once. Additive: older nodes ignore it.
ALTER TABLE account ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
