-- Mails of Supernet events and recruitment notices (REC-1), as those of DIR-2/3.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('recruitment.event_received', 'ja', '【スーパーネット】イベント・募集情報「{{title}}」を受け付けました',
$${{submitter_name}} 様

イベント・募集情報「{{title}}」の掲載依頼を受け付けました。
県民活動支援センターが内容を確認し、掲載しましたら改めてお知らせします。

山口県県民活動支援センター$$),
('recruitment.event_to_review', 'ja', '【スーパーネット】新しいイベント・募集情報「{{title}}」',
$$「{{organizer}}」からイベント・募集情報の掲載依頼がありました。内容を確認して公開してください。

{{url}}$$),
('recruitment.event_published', 'ja', '【スーパーネット】イベント・募集情報「{{title}}」を掲載しました',
$${{submitter_name}} 様

ご依頼のイベント・募集情報「{{title}}」を掲載しました。

{{url}}

山口県県民活動支援センター$$);
