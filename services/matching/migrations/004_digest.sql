-- Issue 16 item 4: each member chooses how matching mails of new recruitments come —
-- at once, one each (instant, as before), or in one digest a day or a week. A digest
-- member's matches wait here until their digest is mailed; the rows are deleted in the
-- transaction that requests the mail, so each match is in exactly one mail.
ALTER TABLE members ADD COLUMN mail_frequency text NOT NULL DEFAULT 'instant'
  CHECK (mail_frequency IN ('instant', 'daily', 'weekly'));

CREATE TABLE pending_matches (
  member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  recruitment_id uuid NOT NULL REFERENCES recruitments (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (member_id, recruitment_id)
);
