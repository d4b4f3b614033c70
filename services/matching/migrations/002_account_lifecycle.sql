-- Issue 14: an admin may suspend the login of a member; while it is suspended the
-- member is neither listed, searched, matched nor mailed, and comes back as it was when
-- the login is resumed (apart from the member's own 休止, kept in `status`).
ALTER TABLE members ADD COLUMN account_suspended boolean NOT NULL DEFAULT false;
