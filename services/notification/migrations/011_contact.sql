-- お問い合わせ (issue 13): messages from the contact form of either site, kept sealed
-- (name, address, subject, body, organisation: AES-GCM bound to the row id) with an
-- HMAC of the sender's address for the per-sender throttle; delivered to the centre
-- with the sender's address as Reply-To, never as From.
ALTER TABLE messages ADD COLUMN reply_to text NOT NULL DEFAULT '' CHECK (reply_to !~ '[\r\n]');

CREATE TABLE contact_messages (
  id uuid PRIMARY KEY,
  site text NOT NULL CHECK (site IN ('supernet', 'aikasanet')),
  sender_key bytea NOT NULL CHECK (octet_length(sender_key) = 32),
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_messages_sender ON contact_messages (sender_key, created_at);
CREATE INDEX contact_messages_created ON contact_messages (created_at DESC);

INSERT INTO mail_templates (key, locale, subject, body) VALUES
('contact.received', 'ja', '【お問い合わせ】{{subject}}',
$${{site_name}} のお問い合わせフォームからメッセージが届きました。
このメールに返信すると、送信者（{{email}}）に届きます。

お名前: {{name}}
団体名: {{organization}}
メールアドレス: {{email}}
件名: {{subject}}

{{body}}
$$),
('contact.received', 'en', '[Contact] {{subject}}',
$$A message arrived through the contact form of {{site_name}}.
Replying to this mail reaches the sender ({{email}}).

Name: {{name}}
Organisation: {{organization}}
E-mail: {{email}}
Subject: {{subject}}

{{body}}
$$);
