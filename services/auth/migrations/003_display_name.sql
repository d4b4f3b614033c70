-- AUTH-7: staff accounts carry the name the centre's screens show (担当者名).
ALTER TABLE accounts ADD COLUMN display_name text NOT NULL DEFAULT ''
  CHECK (char_length(display_name) <= 100 AND display_name !~ '[[:cntrl:]]');
