-- Roll-up reports (org.yishi.report): issued snapshots, each version immutable, and the admins'
-- overrides of the configured schedules.

-- One row per issued report version. The numbers are stored (content), never recomputed on view.
-- Exactly one report per (kind, unit, period, version): a scheduled or caught-up generation inserts
-- version 1 with ON CONFLICT DO NOTHING, so two nodes racing for a period (a split cluster, a lock
-- lost with a dead member) still issue it once; a regeneration inserts the next version.
CREATE TABLE report (
  id            bigserial   PRIMARY KEY,
  kind          text        NOT NULL CHECK (kind IN ('monthly', 'quarterly', 'yearly')),
  unit_code     char(12)    NOT NULL REFERENCES division (code),
  unit_name     text        NOT NULL,
  unit_level    text        NOT NULL CHECK (unit_level IN ('province', 'city', 'county', 'township')),
  period        text        NOT NULL CHECK (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$'),
  period_from   date        NOT NULL,
  period_to     date        NOT NULL CHECK (period_to >= period_from),
  version       integer     NOT NULL CHECK (version >= 1),
  trigger       text        NOT NULL CHECK (trigger IN ('schedule', 'catch_up', 'manual', 'demo')),
  requested_by  bigint      REFERENCES account (id) ON DELETE SET NULL,
  generated_by  text        NOT NULL,
  generated_at  timestamptz NOT NULL DEFAULT now(),
  generation_ms integer     NOT NULL CHECK (generation_ms >= 0),
  content       jsonb       NOT NULL,
  CONSTRAINT report_period_version_key UNIQUE (kind, unit_code, period, version)
);
CREATE INDEX report_unit ON report (unit_code bpchar_pattern_ops, generated_at DESC);
CREATE INDEX report_generated ON report (generated_at DESC, id DESC);

-- Issued versions are immutable snapshots: no statement may change one.
CREATE FUNCTION report_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'report % is an issued snapshot and cannot be changed; regenerate to issue a new version', OLD.id
    USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER report_no_update BEFORE UPDATE ON report FOR EACH ROW EXECUTE FUNCTION report_immutable();

-- The admins' schedule overrides; a schedule without a row follows conf/application.yaml.
CREATE TABLE report_schedule (
  id         text        PRIMARY KEY CHECK (id IN ('city_monthly', 'city_quarterly', 'city_yearly', 'district_monthly')),
  cron       text        NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
  enabled    boolean     NOT NULL,
  updated_by bigint      REFERENCES account (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  version    integer     NOT NULL DEFAULT 1
);
