-- libs/workflow: every step of the review workflow, edit and deletion of a record of
-- the owning service, in the same transaction as the change (SPEC DIR-3).
-- `changed` names the fields an edit changed (names only: values of private fields
-- never enter the history).
CREATE TABLE IF NOT EXISTS workflow_history (
  seq bigserial PRIMARY KEY,
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,40}$'),
  entity_id uuid NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z_]{1,20}$'),
  from_state text CHECK (from_state IN ('draft', 'review', 'published', 'archived')),
  to_state text NOT NULL CHECK (to_state IN ('draft', 'review', 'published', 'archived', 'deleted')),
  actor uuid,
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
  changed text[] NOT NULL DEFAULT '{}' CHECK (cardinality(changed) <= 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS workflow_history_entity ON workflow_history (entity_type, entity_id, seq);
