-- NTF-4 staff management of mail-magazine members (issue 14): where a subscription came
-- from — the public form (double opt-in), staff on the person's request, the member's
-- profile (the login's verified address), or the import — and who added it.
ALTER TABLE newsletter_subscribers
  ADD COLUMN source text NOT NULL DEFAULT 'form' CHECK (source IN ('form', 'staff', 'profile', 'import')),
  ADD COLUMN added_by uuid,
  ADD COLUMN note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500);
CREATE INDEX newsletter_subscribers_staff ON newsletter_subscribers (site, state, created_at DESC);
