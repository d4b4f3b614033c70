-- Registration with an address that already has an account (issue 12): the answer to
-- the registrant is the same as for a new address, and the address's owner is told.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('auth.register_existing', 'ja', '【山口県】このメールアドレスでの登録のお申し込みについて',
$${{login_id}} 様

このメールアドレスで新しいアカウントの登録のお申し込みがありましたが、
このアドレスには既にアカウント（ログインID: {{login_id}}）があります。

ご本人のお申し込みでしたら、既存のアカウントでログインしてください。
パスワードをお忘れの場合は、次のページから再設定できます。

{{url}}

お心当たりがない場合は、このメールを破棄してください。アカウントは変更されていません。

山口県県民活動支援センター$$);

-- A sustained password-guessing attack on one account (issue 12): the centre is told.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('auth.login_attack', 'ja', '【山口県】ログイン失敗が続いているアカウントがあります',
$$センター担当者 様

ログインID {{login_id}} のアカウントで、前回のログイン成功以降 {{failures}} 回のログイン失敗が記録されました。
パスワードの推測攻撃の可能性があります。失敗した接続元はそれぞれ一定時間ログインできなくなっています
（ご本人の接続元は影響を受けません）。

管理画面の監査ログ（login.failed, account.locked_for_source）で接続元をご確認ください。

山口県県民活動支援センター$$);
