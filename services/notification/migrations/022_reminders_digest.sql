-- Issue 16 items 3 and 4: a push to LINE is either a matching message (a new recruitment,
-- with buttons) or a notice to one member (e.g. an activity reminder: mail.requested
-- with also_line), which names no recruitment and carries no one-click links.
ALTER TABLE line_pushes ADD COLUMN kind text NOT NULL DEFAULT 'matching' CHECK (kind IN ('matching', 'notice')),
  ALTER COLUMN recruitment_id DROP NOT NULL,
  ADD CHECK (kind = 'notice' OR recruitment_id IS NOT NULL);
ALTER TABLE line_push_targets ALTER COLUMN member_id DROP NOT NULL;

INSERT INTO mail_templates (key, locale, subject, body) VALUES
('recruitment.reminder', 'ja', '【あいかさねっと】{{date}}は「{{title}}」の活動日です',
$$お申し込みいただいたボランティア活動が近づきました。

活動：{{title}}（{{organization_name}}）
日にち：{{date}}
時間：{{time_note}}
場所：{{place}}
服装・持ち物：{{belongings}}
連絡先：{{organizer_name}} {{organizer_contact}}
{{url}}

参加できなくなったときは、早めに連絡先へお知らせください。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('line.recruitment.reminder', 'ja', '{{date}}は「{{title}}」の活動日です',
$$【あいかさねっと】{{date}}は「{{title}}」の活動日です。
時間：{{time_note}}
場所：{{place}}
服装・持ち物：{{belongings}}
連絡先：{{organizer_name}} {{organizer_contact}}
{{url}}$$),
('matching.digest', 'ja', '【あいかさねっと】条件に合う新しいボランティア募集が{{count}}件あります',
$$前回のお知らせのあとに公開された、ご登録の条件に合うボランティア募集です（{{count}}件）。
参加の申込み・問い合わせは、各募集のリンクからどうぞ（リンク先で確認してから送ります）。

{{recruitments}}
お知らせの頻度（すぐに／1日1回／週1回）は会員ページで変えられます。
お知らせが不要な場合は、会員ページで「休止」を選んでください。

やまぐち社会貢献活動支援ネット あいかさねっと$$);
