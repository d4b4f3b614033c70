-- Organisations of both sites (DIR-1 .. DIR-8). Columns that are filtered, constrained
-- or private are real columns; the descriptive public profile (activities, offices,
-- links, ...) is the Organization message as JSON in `profile`, validated by the service.
CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('group', 'npo', 'company')),
  class_code text NOT NULL CHECK (class_code ~ '^[a-z0-9_]{1,40}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  name_kana text NOT NULL CHECK (char_length(name_kana) BETWEEN 1 AND 200),
  fields text[] NOT NULL DEFAULT '{}',
  target_area text NOT NULL DEFAULT '',
  target_municipalities text[] NOT NULL DEFAULT '{}',
  municipality text NOT NULL CHECK (municipality ~ '^[a-z0-9_]{1,40}$'),
  features text[] NOT NULL DEFAULT '{}',
  profile jsonb NOT NULL CHECK (jsonb_typeof(profile) = 'object'),
  -- Private (登録担当者, 一般非公開): never in a public response; phone and e-mail sealed
  -- with AES-256-GCM (SEC-17), the organisation id as associated data.
  registrant_name text NOT NULL CHECK (char_length(registrant_name) BETWEEN 1 AND 100),
  registrant_title text NOT NULL DEFAULT '' CHECK (char_length(registrant_title) <= 100),
  registrant_phone_sealed bytea NOT NULL,
  registrant_email_sealed bytea NOT NULL,
  registration_requirements text[] NOT NULL DEFAULT '{}',
  accepted_terms_version integer NOT NULL CHECK (accepted_terms_version > 0),
  accepted_terms_at timestamptz NOT NULL DEFAULT now(),
  guardian_consent boolean NOT NULL CHECK (guardian_consent),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dissolved', 'withdrawn')),
  state text NOT NULL DEFAULT 'review' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  owner_account_id uuid,
  duplicated_from uuid REFERENCES organizations (id),
  search_grams text[] NOT NULL DEFAULT '{}',   -- libs/text 1-/2-grams of name, kana, activities, ...
  search_text text NOT NULL DEFAULT '',        -- normalised text for the LIKE recheck
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX organizations_public ON organizations (status, published_at DESC, id) WHERE state = 'published';
CREATE INDEX organizations_grams ON organizations USING gin (search_grams) WHERE state = 'published';
CREATE INDEX organizations_filters ON organizations USING gin (fields, target_municipalities, features)
  WHERE state = 'published';
CREATE INDEX organizations_state ON organizations (state, created_at DESC);


