-- The mail magazine (NTF-4): subscribers with double opt-in, issues through the review
-- workflow, and the sending of a published issue, resumable from its cursor.
-- A subscriber's address is sealed (SEC-17, bound to the row id); `email_key` is a
-- keyed hash of the normalised address so that one address subscribes once per site.
-- The unsubscribe token in every magazine mail is the subscriber id with its HMAC, so it
-- needs no column and never expires.
CREATE TABLE newsletter_subscribers (
  id uuid PRIMARY KEY,
  site text NOT NULL CHECK (site IN ('supernet', 'aikasanet')),
  email_key bytea NOT NULL,
  email_sealed bytea NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'unsubscribed')),
  confirm_hash bytea UNIQUE,                     -- SHA-256 of the confirmation token, until used
  confirm_expires_at timestamptz,
  confirmed_at timestamptz,
  unsubscribed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site, email_key),
  CHECK (state <> 'active' OR confirmed_at IS NOT NULL)
);
CREATE INDEX newsletter_subscribers_active ON newsletter_subscribers (site, id) WHERE state = 'active';

CREATE TABLE newsletters (
  id uuid PRIMARY KEY,
  site text NOT NULL CHECK (site IN ('supernet', 'aikasanet')),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200 AND title !~ '[\r\n]'),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'review', 'published', 'archived')),
  created_by uuid,
  duplicated_from uuid REFERENCES newsletters (id),
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CHECK (state <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX newsletters_public ON newsletters (site, published_at DESC, id) WHERE state = 'published';
CREATE INDEX newsletters_state ON newsletters (state, created_at DESC);

-- One row per published issue: who is left to mail is every active subscriber of the
-- site with an id above `cursor` (subscribers are walked in id order, a batch per
-- transaction with its messages), so a restart goes on where it stopped; each mail's
-- message id is derived from (issue, subscriber), so none is queued twice.
CREATE TABLE newsletter_deliveries (
  newsletter_id uuid PRIMARY KEY REFERENCES newsletters (id),
  state text NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'done')),
  total integer NOT NULL CHECK (total >= 0),
  queued integer NOT NULL DEFAULT 0 CHECK (queued >= 0),
  cursor uuid,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX newsletter_deliveries_sending ON newsletter_deliveries (started_at) WHERE state = 'sending';


INSERT INTO mail_templates (key, locale, subject, body) VALUES
('newsletter.confirm', 'ja', '【{{site_name}}】メールマガジン登録の確認',
$$メールマガジンの登録を受け付けました。
下記のリンクを開いて、登録を完了してください（72時間有効）。

{{url}}

このメールに心当たりがない場合は、破棄してください。登録されることはありません。

山口県県民活動支援センター$$),
('newsletter.issue', 'ja', '【{{site_name}}】{{title}}',
$${{body}}

──────────────────
このメールは {{site_name}} のメールマガジンにご登録の方にお送りしています。
配信停止はこちらから（ログイン不要）:
{{unsubscribe_url}}

山口県県民活動支援センター$$);
