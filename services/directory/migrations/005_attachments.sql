-- Attachments (別紙3 item 32; SEC-3, SEC-12, SEC-13): stored under generated ids; the
-- type was decided from the content; the uploaded name is kept for display only.
CREATE TABLE attachments (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  category text NOT NULL CHECK (category IN ('articles', 'activities', 'other')),
  filename text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 100),
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
  data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 10485760),
  sha256 bytea NOT NULL,
  uploaded_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_organization ON attachments (organization_id, created_at);
