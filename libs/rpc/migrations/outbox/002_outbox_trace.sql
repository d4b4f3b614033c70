-- The request that wrote an event and its W3C trace: the relay delivers the event under
-- them, so the subscribers' log lines name the request an operator follows (issue 18).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS request_id text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS trace_id text NOT NULL DEFAULT '';
