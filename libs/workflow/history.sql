-- The workflow history table every service that uses libs/workflow creates in its own
-- migrations (copy this verbatim into a NNN_*.sql of the service).
CREATE TABLE workflow_history (
  seq bigserial PRIMARY KEY,
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z_]{1,40}$'),
  entity_id uuid NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z_]{1,20}$'),
  from_state text CHECK (from_state IN ('draft', 'review', 'published', 'archived')),
  to_state text NOT NULL CHECK (to_state IN ('draft', 'review', 'published', 'archived')),
  actor uuid,
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_history_entity ON workflow_history (entity_type, entity_id, seq);
