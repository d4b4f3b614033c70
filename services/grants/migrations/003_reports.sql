-- GRT-3: activity reports (95 today) and their photos; alternative text required.
CREATE TABLE reports (
  id uuid PRIMARY KEY,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  content text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 20000),
  organization text NOT NULL CHECK (char_length(organization) BETWEEN 1 AND 200),
  organization_kana text NOT NULL DEFAULT '' CHECK (char_length(organization_kana) <= 200),
  held_on date,
  time text NOT NULL DEFAULT '' CHECK (char_length(time) <= 100),
  place text NOT NULL DEFAULT '' CHECK (char_length(place) <= 200),
  headcount integer NOT NULL DEFAULT 0 CHECK (headcount BETWEEN 0 AND 1000000),
  related_organizations text NOT NULL DEFAULT '' CHECK (char_length(related_organizations) <= 1000),
  url text NOT NULL DEFAULT '' CHECK (char_length(url) <= 500),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  created_by uuid,
  search_grams text[] NOT NULL DEFAULT '{}',
  search_text text NOT NULL DEFAULT '',
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX reports_public ON reports (published_at DESC NULLS LAST, id) WHERE state = 'published';
CREATE INDEX reports_grams ON reports USING gin (search_grams) WHERE state = 'published';
CREATE INDEX reports_state ON reports (state, created_at DESC);

CREATE TABLE report_photos (
  id uuid PRIMARY KEY,
  report_id uuid NOT NULL REFERENCES reports (id),
  alt text NOT NULL CHECK (char_length(alt) BETWEEN 1 AND 300),
  content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
  data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 5242880),
  uploaded_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_photos_report ON report_photos (report_id, created_at);
