-- The home page's variable block (可変枠) carries structure (issue 13): its text, links,
-- and a frame of a page the centre shows (its printer / Zoom-room booking calendar)
-- from a host on the admin-kept allow-list.
ALTER TABLE site_blocks
  ADD COLUMN variable_links jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(variable_links) = 'array'),
  ADD COLUMN embed_url text NOT NULL DEFAULT '' CHECK (embed_url = '' OR embed_url LIKE 'https://%'),
  ADD COLUMN embed_title text NOT NULL DEFAULT '' CHECK (char_length(embed_title) <= 200),
  ADD CHECK (embed_url = '' OR embed_title <> '');
ALTER TABLE site_settings
  ADD COLUMN embed_hosts text[] NOT NULL DEFAULT '{calendar.google.com}' CHECK (cardinality(embed_hosts) <= 20);
