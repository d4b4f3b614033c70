-- Issue 15: an event carried over from the former system may have no submitter on
-- record (it was entered by the centre there); every event submitted here still names one
-- (the service requires it).
ALTER TABLE events DROP CONSTRAINT events_submitter_name_check;
ALTER TABLE events ADD CONSTRAINT events_submitter_name_check CHECK (char_length(submitter_name) <= 100);
