-- HOME 掲載登録 (issue 13): grants and activity reports submitted by the public.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('grants.received', 'ja', '【スーパーネット】{{what}}「{{title}}」の掲載依頼を受け付けました',
$${{submitter_name}} 様

{{what}}「{{title}}」の掲載依頼を受け付けました。
県民活動支援センターが内容を確認し、掲載しましたら改めてお知らせします。

山口県県民活動支援センター$$),
('grants.to_review', 'ja', '【スーパーネット】新しい{{what}}「{{title}}」の掲載依頼',
$${{what}}「{{title}}」の掲載依頼がありました。内容を確認して公開してください。

{{url}}$$),
('grants.published', 'ja', '【スーパーネット】「{{title}}」を掲載しました',
$${{submitter_name}} 様

掲載依頼をいただいた「{{title}}」をスーパーネットに掲載しました。

{{url}}

山口県県民活動支援センター$$);
