-- NTF-5 LINE (issue 16). The friends of the official account, taking on the former
-- site's (issue 15's staging table becomes the table itself). A LINE user id names a
-- person: kept sealed, found by its keyed hash.
ALTER TABLE line_friends_import RENAME TO line_friends;
ALTER TABLE line_friends ALTER COLUMN legacy_id DROP NOT NULL;
ALTER TABLE line_friends ALTER COLUMN display_name_sealed DROP NOT NULL;
ALTER TABLE line_friends
  ADD COLUMN state text NOT NULL DEFAULT 'following' CHECK (state IN ('following', 'unfollowed')),
  ADD COLUMN source text NOT NULL DEFAULT 'import' CHECK (source IN ('webhook', 'import')),
  ADD COLUMN unfollowed_at timestamptz,
  ADD COLUMN linked_at timestamptz,
  ADD COLUMN failed_codes integer NOT NULL DEFAULT 0,    -- wrong link codes in the current hour
  ADD COLUMN failed_window timestamptz;
ALTER TABLE line_friends ALTER COLUMN source SET DEFAULT 'webhook';
UPDATE line_friends SET linked_at = coalesce(followed_at, created_at) WHERE account_id IS NOT NULL;
-- One LINE user per account.
CREATE UNIQUE INDEX line_friends_account ON line_friends (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX line_friends_listing ON line_friends (state, created_at DESC);

-- The one-time codes members send to the official account to link their LINE: 8 digits,
-- single use, 10 minutes; kept as a keyed hash, one live code per account.
CREATE TABLE line_link_codes (
  code_key bytea PRIMARY KEY CHECK (octet_length(code_key) = 32),
  account_id uuid NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The webhook's inbox: each event as LINE sent it, once (LINE redelivers with the same
-- webhookEventId), processed in order by the LINE worker. The JSON holds LINE user ids:
-- sealed, and dropped once processed.
CREATE TABLE line_events (
  webhook_event_id text PRIMARY KEY CHECK (length(webhook_event_id) BETWEEN 1 AND 64),
  seq bigserial NOT NULL UNIQUE,
  event_sealed bytea,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX line_events_due ON line_events (seq) WHERE state = 'queued';

-- A matching message's fan-out to LINE (line.push from matching): who gets it, then its
-- multicast calls (at most 500 recipients each), each with the X-Line-Retry-Key it is
-- sent with every time, so a retried call is never delivered twice.
CREATE TABLE line_pushes (
  id uuid PRIMARY KEY,
  recruitment_id uuid NOT NULL,
  title text NOT NULL,
  message jsonb NOT NULL,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'skipped', 'failed')),
  reason text NOT NULL DEFAULT '',
  recipients integer NOT NULL DEFAULT 0,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX line_pushes_due ON line_pushes (created_at) WHERE state = 'queued';
CREATE INDEX line_pushes_month ON line_pushes (created_at DESC);

CREATE TABLE line_push_targets (
  push_id uuid NOT NULL REFERENCES line_pushes (id) ON DELETE CASCADE,
  friend_id uuid NOT NULL REFERENCES line_friends (id) ON DELETE CASCADE,
  member_id uuid NOT NULL,                  -- whose one-click links a button tap gets
  call_no integer,                           -- the multicast call that carries it
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (push_id, friend_id)
);
CREATE INDEX line_push_targets_friend ON line_push_targets (friend_id);

CREATE TABLE line_push_calls (
  push_id uuid NOT NULL REFERENCES line_pushes (id) ON DELETE CASCADE,
  call_no integer NOT NULL,
  retry_key uuid NOT NULL UNIQUE,
  recipients integer NOT NULL CHECK (recipients BETWEEN 1 AND 500),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  sent_at timestamptz,
  last_error text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (push_id, call_no)
);
CREATE INDEX line_push_calls_due ON line_push_calls (next_attempt_at) WHERE state IN ('queued', 'sending');

INSERT INTO mail_templates (key, locale, subject, body) VALUES
('line.recruitment_for_member', 'ja', '【あいかさねっと】条件に合うボランティア募集があります',
$$【あいかさねっと】条件に合うボランティア募集があります

{{recruitment_title}}
（{{organization_name}}）

詳しくはこちら：
{{url}}

下のボタンから応募・問い合わせができます。$$),
('line.linked', 'ja', 'LINE 連携', $$あいかさねっとの会員情報と LINE を連携しました。条件に合うボランティア募集をこの LINE でもお知らせします。
連携をやめるときは「連携解除」と送ってください。$$),
('line.unlinked', 'ja', 'LINE 連携解除', $$LINE の連携を解除しました。メールでのお知らせは引き続き届きます。$$),
('line.code_unknown', 'ja', 'LINE 連携', $$連携コードが正しくないか、有効期限（10分）が切れています。会員ページで新しいコードを表示して、もう一度送ってください。$$),
('line.code_locked', 'ja', 'LINE 連携', $$連携コードの誤りが続いたため、1時間受け付けを止めています。しばらくしてからお試しください。$$),
('line.oneclick', 'ja', 'LINE ワンクリック', $$「{{recruitment_title}}」への{{action}}は、こちらのリンクから確定できます（{{days}}日間有効）：
{{oneclick_url}}$$),
('line.oneclick_unknown', 'ja', 'LINE ワンクリック', $$このボタンは、LINE を連携した会員の方だけがご利用になれます。会員ページで連携コードを表示して、この LINE に送ってください。$$);
