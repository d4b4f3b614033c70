-- The in-memory public grant list polls the rows changed since its last look.
CREATE INDEX grants_updated ON grants (updated_at);
