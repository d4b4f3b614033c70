-- NTF-6, the health app (issue 16). What a redemption is checked against at scan time:
-- each Aikasanet recruitment's activity days and whether it is still published (from
-- recruitment.published / recruitment.closed), the codes mailed to organisers, and the
-- redemptions, one per app member and day. The app's member id names a person in the
-- app: sealed, found by a keyed hash.
CREATE TABLE health_activities (
  recruitment_id uuid PRIMARY KEY,
  title text NOT NULL,
  organization_name text NOT NULL DEFAULT '',
  dates date[] NOT NULL DEFAULT '{}',
  state text NOT NULL CHECK (state IN ('published', 'closed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE health_codes_mailed (
  recruitment_id uuid NOT NULL REFERENCES health_activities (recruitment_id) ON DELETE CASCADE,
  activity_date date NOT NULL,
  message_id uuid NOT NULL,
  key_id integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recruitment_id, activity_date)
);

CREATE TABLE health_redemptions (
  id uuid PRIMARY KEY,
  member_key bytea NOT NULL CHECK (octet_length(member_key) = 32),
  member_sealed bytea NOT NULL,
  activity_date date NOT NULL,
  recruitment_id uuid NOT NULL REFERENCES health_activities (recruitment_id),
  client_id uuid,                                -- the API client that redeemed it
  redeemed_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (member_key, activity_date)             -- one point per member and day
);
CREATE INDEX health_redemptions_date ON health_redemptions (activity_date);

-- Files sent with a mail (the QR codes): kept until the mail is sent.
CREATE TABLE message_attachments (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  n integer NOT NULL,
  filename text NOT NULL CHECK (filename ~ '^[A-Za-z0-9._-]{1,100}$'),
  content_type text NOT NULL CHECK (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
  data bytea NOT NULL CHECK (octet_length(data) <= 1048576),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, n)
);

INSERT INTO mail_templates (key, locale, subject, body) VALUES
('health.qr_codes', 'ja', '【あいかさねっと】やまぐち健幸アプリ用 QR コード（{{recruitment_title}}）',
$${{organization_name}} ご担当者様

ボランティア募集「{{recruitment_title}}」の公開にあわせて、やまぐち健幸アプリ用の QR コードをお送りします。
活動日ごとに 1 つの QR コードを添付しています。活動当日、会場で参加者に読み取ってもらうと、アプリのポイントが付与されます。

{{dates}}

・QR コードは活動日当日だけ有効です。
・募集を取り下げると、QR コードは使えなくなります。
・QR コードに個人情報は含まれていません。

山口県県民活動支援センター$$);
