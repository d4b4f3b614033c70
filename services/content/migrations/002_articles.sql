-- CNT-1: articles of every kind under the review workflow; CNT-2: per-site blocks.
CREATE TABLE articles (
  id uuid PRIMARY KEY,
  site text NOT NULL CHECK (site IN ('supernet', 'aikasanet', 'both')),
  kind text NOT NULL CHECK (kind IN ('page', 'notice', 'center_news', 'interview', 'faq', 'link', 'form')),
  slug text CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 64),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body text NOT NULL DEFAULT '' CHECK (char_length(body) <= 50000),
  url text NOT NULL DEFAULT '' CHECK (char_length(url) <= 500),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  created_by uuid,
  duplicated_from uuid REFERENCES articles (id),
  search_grams text[] NOT NULL DEFAULT '{}',
  search_text text NOT NULL DEFAULT '',
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK ((kind = 'page') = (slug IS NOT NULL)),
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
-- One live page per slug and site (an archived page frees its slug).
CREATE UNIQUE INDEX articles_page_slug ON articles (site, slug) WHERE kind = 'page' AND state <> 'archived';
CREATE INDEX articles_public ON articles (kind, published_at DESC NULLS LAST, id) WHERE state = 'published';
CREATE INDEX articles_grams ON articles USING gin (search_grams) WHERE state = 'published';
CREATE INDEX articles_state ON articles (state, created_at DESC);

-- Images of an article; the alternative text is required (JIS X 8341-3 1.1.1).
CREATE TABLE article_images (
  id uuid PRIMARY KEY,
  article_id uuid NOT NULL REFERENCES articles (id),
  alt text NOT NULL CHECK (char_length(alt) BETWEEN 1 AND 300),
  content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
  data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 5242880),
  uploaded_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_images_article ON article_images (article_id, created_at);

CREATE TABLE site_blocks (
  site text PRIMARY KEY CHECK (site IN ('supernet', 'aikasanet')),
  emergency_enabled boolean NOT NULL DEFAULT false,
  emergency_title text NOT NULL DEFAULT '' CHECK (char_length(emergency_title) <= 200),
  emergency_body text NOT NULL DEFAULT '' CHECK (char_length(emergency_body) <= 5000),
  variable_block text NOT NULL DEFAULT '' CHECK (char_length(variable_block) <= 20000),
  version integer NOT NULL DEFAULT 1,
  updated_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT emergency_enabled OR emergency_title <> '')
);
INSERT INTO site_blocks (site) VALUES ('supernet'), ('aikasanet');

