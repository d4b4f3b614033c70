-- The in-memory public library catalogue polls the rows changed since its last look.
CREATE INDEX books_updated ON books (updated_at);
