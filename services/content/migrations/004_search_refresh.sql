-- The in-memory public article lists poll the rows changed since their last look.
CREATE INDEX articles_updated ON articles (updated_at);
