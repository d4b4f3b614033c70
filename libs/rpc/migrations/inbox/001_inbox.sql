-- libs/rpc inbox: the ids of the events a subscriber applied, recorded in the same
-- transaction as the effect, so a redelivery changes nothing (rpc/outbox.h).
CREATE TABLE IF NOT EXISTS inbox (
  event_id uuid PRIMARY KEY,
  type text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
