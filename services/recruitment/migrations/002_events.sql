-- Supernet events and recruitment notices (REC-1), submitted by anyone and published by
-- the centre; flyers of events and recruitments. The submitter's e-mail is sealed.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  category text NOT NULL CHECK (category IN ('event', 'course', 'participation', 'other')),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  dates date[] NOT NULL CHECK (cardinality(dates) BETWEEN 1 AND 60),
  first_date date NOT NULL,
  last_date date NOT NULL,
  municipality text NOT NULL DEFAULT '',
  fields text[] NOT NULL DEFAULT '{}',
  application_start date,
  application_end date,
  profile jsonb NOT NULL CHECK (jsonb_typeof(profile) = 'object'),
  submitter_name text NOT NULL CHECK (char_length(submitter_name) BETWEEN 1 AND 100),
  submitter_email_sealed bytea NOT NULL,
  submitted_by uuid,                             -- the account, when logged in
  search_grams text[] NOT NULL DEFAULT '{}',
  search_text text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT 'review' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  duplicated_from uuid REFERENCES events (id),
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (first_date <= last_date),
  CHECK (application_start IS NULL OR application_end IS NULL OR application_start <= application_end),
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX events_public ON events (last_date, first_date) WHERE state = 'published';
CREATE INDEX events_grams ON events USING gin (search_grams) WHERE state = 'published';
CREATE INDEX events_state ON events (state, created_at DESC);

CREATE TABLE flyers (
  id uuid PRIMARY KEY,
  recruitment_id uuid REFERENCES recruitments (id),
  event_id uuid REFERENCES events (id),
  filename text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 100),
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 5242880),
  sha256 bytea NOT NULL,
  uploaded_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((recruitment_id IS NULL) <> (event_id IS NULL))
);
CREATE INDEX flyers_recruitment ON flyers (recruitment_id, created_at) WHERE recruitment_id IS NOT NULL;
CREATE INDEX flyers_event ON flyers (event_id, created_at) WHERE event_id IS NOT NULL;
