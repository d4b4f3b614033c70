-- Grants (GRT-1, GRT-4). Columns that are filtered or constrained are real columns; the
-- descriptive rest (purpose, amount, eligibility, contact, ...) is the Grant message as
-- JSON in `profile`, validated by the service before it is written.
CREATE TABLE grants (
  id uuid PRIMARY KEY,
  funder text NOT NULL CHECK (char_length(funder) BETWEEN 1 AND 200),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  fields text[] NOT NULL DEFAULT '{}',
  target_area text NOT NULL DEFAULT '',
  application_start date,
  application_end date,
  anytime boolean NOT NULL DEFAULT false,
  profile jsonb NOT NULL CHECK (jsonb_typeof(profile) = 'object'),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  created_by uuid,
  duplicated_from uuid REFERENCES grants (id),
  search_grams text[] NOT NULL DEFAULT '{}',   -- libs/text 1-/2-grams of name, funder, purpose, ...
  search_text text NOT NULL DEFAULT '',        -- normalised text for the LIKE recheck
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (anytime OR application_end IS NOT NULL),
  CHECK (application_start IS NULL OR application_end IS NULL OR application_start <= application_end),
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX grants_public ON grants (published_at DESC NULLS LAST, id) WHERE state = 'published';
CREATE INDEX grants_grams ON grants USING gin (search_grams) WHERE state = 'published';
CREATE INDEX grants_deadline ON grants (application_end) WHERE state = 'published';
CREATE INDEX grants_state ON grants (state, created_at DESC);

