-- Mails of the directory service (DIR-2, DIR-3). Staff edit them like the others.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('directory.registered', 'ja', '【山口県県民活動スーパーネット】団体情報の登録を受け付けました',
$${{registrant_name}} 様

「{{organization_name}}」の登録申請を受け付けました。
山口県県民活動支援センターで内容を確認のうえ公開します。公開しましたら改めてお知らせします。

このメールに心当たりがない場合は、センターまでご連絡ください。

山口県県民活動支援センター$$),
('directory.published', 'ja', '【山口県県民活動スーパーネット】団体情報を公開しました',
$${{registrant_name}} 様

「{{organization_name}}」の団体情報を公開しました。

{{url}}

内容の訂正は、公開ページの「訂正を依頼する」からお申し込みください。

山口県県民活動支援センター$$),
('directory.new_registration', 'ja', '【スーパーネット】新しい団体登録（仮登録）があります',
$$新しい団体登録の申請がありました。内容を確認し、公開または差し戻しをしてください。

団体名: {{organization_name}}
区分: {{kind}}

{{url}}$$);
