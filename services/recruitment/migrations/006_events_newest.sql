-- The 新着順 list of events (the Supernet home's newest recruitment notices).
CREATE INDEX events_newest ON events (published_at DESC) WHERE state = 'published';
