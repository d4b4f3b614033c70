-- GRT-2: the library catalogue (3,101 books today).
CREATE TABLE books (
  id uuid PRIMARY KEY,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
  author text NOT NULL DEFAULT '' CHECK (char_length(author) <= 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
  publisher text NOT NULL DEFAULT '' CHECK (char_length(publisher) <= 200),
  published_on text NOT NULL DEFAULT '' CHECK (published_on ~ '^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$'),
  receipt_number text NOT NULL CHECK (receipt_number ~ '^[A-Za-z0-9-]{1,30}$'),
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
CREATE UNIQUE INDEX books_receipt_number ON books (receipt_number);
CREATE INDEX books_public ON books (published_at DESC NULLS LAST, id) WHERE state = 'published';
CREATE INDEX books_grams ON books USING gin (search_grams) WHERE state = 'published';
CREATE INDEX books_state ON books (state, created_at DESC);
