-- The per-recipient receipt throttle (issue 12) counts recent messages by recipient and template.
CREATE INDEX messages_recipient ON messages (recipient, template, created_at DESC);
