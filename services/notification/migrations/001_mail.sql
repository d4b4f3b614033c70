-- Mail templates (editable by staff), the mail queue with its attempts, and the
-- inbox that makes event delivery exactly-once.

CREATE TABLE mail_templates (
  key text NOT NULL CHECK (key ~ '^[a-z0-9_.]{1,64}$'),
  locale text NOT NULL CHECK (locale IN ('ja', 'en')),
  subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200 AND subject !~ '[\r\n]'),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, locale)
);

CREATE TABLE messages (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,                 -- one message per event, ever
  template text NOT NULL,
  recipient text NOT NULL CHECK (recipient !~ '[\r\n]'),
  bcc text NOT NULL DEFAULT '' CHECK (bcc !~ '[\r\n]'),
  subject text NOT NULL CHECK (subject !~ '[\r\n]'),
  body text NOT NULL,                            -- cleared once sent (it may hold one-time links)
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'rejected')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  sent_at timestamptz,
  last_error text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_status ON messages (status, created_at DESC);

CREATE TABLE message_attempts (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  ok boolean NOT NULL,
  detail text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, attempt)
);

INSERT INTO mail_templates (key, locale, subject, body) VALUES
('auth.verify_email', 'ja', '【山口県】メールアドレスの確認のお願い',
$${{login_id}} 様

ご登録ありがとうございます。
下記のリンクを開いて、メールアドレスの確認を完了してください（24時間有効）。

{{url}}

このメールに心当たりがない場合は、破棄してください。

山口県県民活動支援センター$$),
('auth.change_email', 'ja', '【山口県】新しいメールアドレスの確認のお願い',
$${{login_id}} 様

メールアドレスの変更を受け付けました。
下記のリンクを開くと、このアドレスへの変更が完了します（24時間有効）。

{{url}}

お心当たりがない場合は、このメールを破棄してください。

山口県県民活動支援センター$$),
('auth.email_changed', 'ja', '【山口県】メールアドレスが変更されました',
$${{login_id}} 様

アカウントのメールアドレスが変更されました。
お心当たりがない場合は、至急センターまでご連絡ください。

山口県県民活動支援センター$$),
('auth.password_reset', 'ja', '【山口県】パスワード再設定のご案内',
$${{login_id}} 様

パスワード再設定のご依頼を受け付けました。
下記のリンクから新しいパスワードを設定してください（{{minutes}}分間有効、1回限り）。

{{url}}

お心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。

山口県県民活動支援センター$$),
('auth.password_changed', 'ja', '【山口県】パスワードが変更されました',
$${{login_id}} 様

アカウントのパスワードが変更されました。
お心当たりがない場合は、至急センターまでご連絡ください。

山口県県民活動支援センター$$);
