-- Correction requests move to the table libs/workflow owns for every service
-- (component "corrections", applied before this one), with the organisation's name as
-- the request's subject.
INSERT INTO corrections (id, entity_type, entity_id, subject, changes, requester_name, requester_email_sealed, reason,
                         state, token_hash, token_expires_at, confirmed_at, decided_at, decided_by, note, created_at,
                         updated_at, version)
SELECT c.id, 'organization', c.organization_id, left(o.name, 300), c.changes, c.requester_name,
       c.requester_email_sealed, c.reason, c.state, c.token_hash, c.token_expires_at, c.confirmed_at, c.decided_at,
       c.decided_by, c.note, c.created_at, c.updated_at, c.version
FROM correction_requests c JOIN organizations o ON o.id = c.organization_id;
DROP TABLE correction_requests;
