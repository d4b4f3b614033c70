-- Aikasanet volunteer members (MAT-1): one record per account, individual, group or
-- company. Columns that are searched or matched on are real columns; the private
-- personal items (name, kana, phone, e-mail, gender, birth date, postal code, address,
-- fax, other) are one AES-256-GCM sealed JSON object bound to the member id (SEC-17).
CREATE TABLE members (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL UNIQUE,
  type text NOT NULL CHECK (type IN ('individual', 'group', 'company')),
  organization_id uuid,
  display_name text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 200),
  prefecture text NOT NULL DEFAULT '',
  municipality text NOT NULL DEFAULT '',
  links jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(links) = 'array'),
  occupation text NOT NULL DEFAULT '' CHECK (char_length(occupation) <= 100),
  qualifications text NOT NULL DEFAULT '' CHECK (char_length(qualifications) <= 500),
  selling_point text NOT NULL DEFAULT '' CHECK (char_length(selling_point) <= 2000),
  activity_municipalities text[] NOT NULL CHECK (cardinality(activity_municipalities) > 0),
  fields text[] NOT NULL CHECK (cardinality(fields) > 0),
  weekdays text[] NOT NULL CHECK (cardinality(weekdays) > 0),
  time_slot text NOT NULL,
  probono_field text NOT NULL DEFAULT '',
  probono_content text NOT NULL DEFAULT '' CHECK (char_length(probono_content) <= 2000),
  probono_needs text NOT NULL DEFAULT '' CHECK (char_length(probono_needs) <= 2000),
  magazine boolean NOT NULL DEFAULT false,
  private_sealed bytea NOT NULL,
  search_text text NOT NULL DEFAULT '',         -- libs/text normalised public text for the free word
  state text NOT NULL DEFAULT 'review' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'withdrawn')),
  mail_stopped boolean NOT NULL DEFAULT false,
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (type = 'individual' OR organization_id IS NOT NULL),
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE UNIQUE INDEX members_one_per_organization ON members (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX members_public ON members (published_at DESC, id) WHERE state = 'published' AND status = 'active';
CREATE INDEX members_state ON members (state, created_at DESC);

-- Aikasanet organisations as the directory announces them (organization.changed).
CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  owner_account_id uuid NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  visible boolean NOT NULL,
  recruits boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_owner ON organizations (owner_account_id);

-- Published recruitments as the recruitment service announces them: what MAT-2 needs
-- for triggers (a) and (c), the home page and a group's detail.
CREATE TABLE recruitments (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  organization_name text NOT NULL,
  title text NOT NULL,
  fields text[] NOT NULL,
  municipalities text[] NOT NULL,
  prefecture_wide boolean NOT NULL,
  weekdays text[] NOT NULL,
  anytime boolean NOT NULL,
  time_slot text NOT NULL,
  period_end date,
  organizer_email_sealed bytea NOT NULL,
  closed boolean NOT NULL DEFAULT false,
  published_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recruitments_open ON recruitments (published_at DESC) WHERE NOT closed;
CREATE INDEX recruitments_organization ON recruitments (organization_id, published_at DESC);

-- Each trigger of MAT-3 fires once per subject, ever: the row is written in the same
-- transaction as the mails it enqueues.
CREATE TABLE triggers_fired (
  kind text NOT NULL CHECK (kind IN ('member_published', 'group_published', 'recruitment_published')),
  subject_id uuid NOT NULL,
  matches integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, subject_id)
);



