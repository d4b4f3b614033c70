-- Issue 13: application forms (申請書: PDF, Word, Excel by content) hosted on 「form」
-- articles, listed with title and size and always served as downloads.
CREATE TABLE article_files (
  id uuid PRIMARY KEY,
  article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200 AND title !~ '[[:cntrl:]]'),
  filename text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 100),
  content_type text NOT NULL CHECK (content_type IN (
    'application/pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
  data bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 10485760),
  uploaded_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_files_article ON article_files (article_id, created_at);
