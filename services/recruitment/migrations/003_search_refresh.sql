-- The in-memory list of coming events polls the rows changed since its last look.
CREATE INDEX events_updated ON events (updated_at);
