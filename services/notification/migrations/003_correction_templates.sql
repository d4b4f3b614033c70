-- Mails of directory correction requests (DIR-4).
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('directory.correction_confirm', 'ja', '【スーパーネット】団体情報の修正依頼の確認のお願い',
$$「{{organization_name}}」の登録担当者様

公開中の団体情報について、次の修正依頼が届きました。

依頼者: {{requester_name}}
理由: {{reason}}

内容に問題がなければ、下記のリンクを開いて確認してください（72時間有効）。
確認後、県民活動支援センターが内容を確かめてから公開情報に反映します。

{{url}}

お心当たりがない場合は、このメールを破棄してください。反映されることはありません。

山口県県民活動支援センター$$),
('directory.correction_applied', 'ja', '【スーパーネット】団体情報の修正を反映しました',
$$「{{organization_name}}」の登録担当者様

確認いただいた修正依頼を、公開中の団体情報に反映しました。

{{url}}

山口県県民活動支援センター$$);
