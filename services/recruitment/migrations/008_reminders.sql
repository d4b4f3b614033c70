-- Activity reminders (issue 16 item 3): one row per application and activity day, written
-- in the transaction that requests the reminder, so each is sent exactly once however
-- often the job runs, restarts or runs on several replicas. `outcome` says whether it
-- went (mail, and LINE when linked) or why not.
CREATE TABLE reminders (
  submission_id uuid NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  activity_date date NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'member_gone', 'not_reachable', 'mail_stopped')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (submission_id, activity_date)
);
-- The job asks for the published recruitments active on a day.
CREATE INDEX recruitments_activity_dates ON recruitments USING gin (activity_dates) WHERE state = 'published';
