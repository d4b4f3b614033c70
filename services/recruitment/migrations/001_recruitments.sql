-- Aikasanet volunteer recruitments (REC-2), posted by group members and published by
-- the centre. Filtered and constrained items are columns; the descriptive rest is the
-- Recruitment message as JSON in `profile`. The organiser's e-mail (where applications
-- go) is sealed (SEC-17).
CREATE TABLE organizations (
  id uuid PRIMARY KEY,                         -- as the directory announces them (organization.changed)
  owner_account_id uuid NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  visible boolean NOT NULL,
  recruits boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_owner ON organizations (owner_account_id);

CREATE TABLE recruitments (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  owner_account_id uuid NOT NULL,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  fields text[] NOT NULL CHECK (cardinality(fields) > 0),
  municipalities text[] NOT NULL DEFAULT '{}',
  prefecture_wide boolean NOT NULL DEFAULT false,
  activity_dates date[] NOT NULL DEFAULT '{}',
  weekdays text[] NOT NULL DEFAULT '{}',
  time_slot text NOT NULL DEFAULT '',
  period_start date,
  period_end date,
  anytime boolean NOT NULL DEFAULT false,
  profile jsonb NOT NULL CHECK (jsonb_typeof(profile) = 'object'),
  organizer_email_sealed bytea NOT NULL,
  search_grams text[] NOT NULL DEFAULT '{}',
  search_text text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT 'review' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  duplicated_from uuid REFERENCES recruitments (id),
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (prefecture_wide OR cardinality(municipalities) > 0),
  CHECK (anytime OR period_end IS NOT NULL),
  CHECK (period_start IS NULL OR period_end IS NULL OR period_start <= period_end),
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX recruitments_public ON recruitments (published_at DESC, id) WHERE state = 'published';
CREATE INDEX recruitments_grams ON recruitments USING gin (search_grams) WHERE state = 'published';
CREATE INDEX recruitments_organization ON recruitments (organization_id, created_at DESC);
CREATE INDEX recruitments_state ON recruitments (state, created_at DESC);

-- Applications and inquiries (REC-4): who, to whom and when in clear (for the
-- one-application rule); what was sent only sealed. Not listed in any admin screen.
CREATE TABLE submissions (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('application', 'inquiry', 'member_inquiry')),
  recruitment_id uuid REFERENCES recruitments (id),
  to_member_id uuid,
  from_member_id uuid NOT NULL,
  via_oneclick boolean NOT NULL DEFAULT false,
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'member_inquiry') = (to_member_id IS NOT NULL)),
  CHECK ((kind = 'member_inquiry') = (recruitment_id IS NULL))
);
CREATE UNIQUE INDEX submissions_one_application ON submissions (recruitment_id, from_member_id) WHERE kind = 'application';

-- Confirmed one-click links (REC-5): a token acts at most once.
CREATE TABLE oneclick_uses (
  token_hash bytea PRIMARY KEY,                -- SHA-256 of the token
  member_id uuid NOT NULL,
  recruitment_id uuid NOT NULL,
  action text NOT NULL CHECK (action IN ('apply', 'inquire')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);



