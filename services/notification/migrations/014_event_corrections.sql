-- 募集情報修正依頼 (issue 13): corrections of a published event, as DIR-4's of organisations.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('recruitment.event_correction_confirm', 'ja', '【スーパーネット】イベント・募集情報「{{title}}」の修正依頼の確認のお願い',
$$イベント・募集情報「{{title}}」をご依頼いただいた方へ

掲載中の「{{title}}」について、次の修正依頼が届きました。

依頼者: {{requester_name}}
理由: {{reason}}

内容に問題がなければ、下記のリンクを開いて確認してください（72時間有効）。
確認後、県民活動支援センターが内容を確かめてから掲載情報に反映します。

{{url}}

お心当たりがない場合は、このメールを破棄してください。反映されることはありません。

山口県県民活動支援センター$$),
('recruitment.event_correction_applied', 'ja', '【スーパーネット】イベント・募集情報「{{title}}」の修正を反映しました',
$$イベント・募集情報「{{title}}」をご依頼いただいた方へ

確認いただいた修正依頼を、掲載中の情報に反映しました。

{{url}}

山口県県民活動支援センター$$);
