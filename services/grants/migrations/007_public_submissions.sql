-- HOME 掲載登録 (issue 13): grants and activity reports submitted by the public land in
-- review; who submitted them is kept beside the record, the address sealed (bound to
-- the record's id) for the receipt and publication mails.
CREATE TABLE submitters (
  id uuid PRIMARY KEY,                 -- the grant's or report's id
  entity_type text NOT NULL CHECK (entity_type IN ('grant', 'report')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  email_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
