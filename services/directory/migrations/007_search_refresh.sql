-- The in-memory public search polls the rows changed since its last look.
CREATE INDEX organizations_updated ON organizations (updated_at);
