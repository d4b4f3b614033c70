-- Mails of Aikasanet membership (MAT-1), matching (MAT-3) and recruitments,
-- applications and inquiries (REC-2, REC-4). Staff may reword them (NTF-2).
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('matching.member_received', 'ja', '【あいかさねっと】会員登録を受け付けました',
$$あいかさねっとへの会員登録を受け付けました。
県民活動支援センターが内容を確認し、公開しましたら改めてお知らせします。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.member_to_review', 'ja', '【あいかさねっと】新しい会員登録（{{member_type}}）',
$$新しい会員登録（{{member_type}}）がありました。内容を確認して公開してください。

{{url}}$$),
('matching.member_published', 'ja', '【あいかさねっと】会員登録が完了しました',
$$あいかさねっとの会員登録が完了し、公開されました。

{{url}}

条件に合うボランティア募集があると、メールでお知らせします。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.membership_changed', 'ja', '【あいかさねっと】会員からの申請（{{action}}）',
$$会員から申請（{{action}}: suspend=休止 / resume=再開 / withdraw=退会）があり、反映しました。

{{url}}$$),
('matching.membership_changed_member', 'ja', '【あいかさねっと】会員状態を変更しました',
$$お申し出のとおり会員状態を変更しました（{{action}}: suspend=休止 / resume=再開 / withdraw=退会）。
休止中と退会後は、マッチングのお知らせをお送りしません。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.recruitments_for_member', 'ja', '【あいかさねっと】条件に合うボランティア募集が{{count}}件あります',
$$ご登録の活動可能地域・曜日・分野に合う募集中のボランティアが{{count}}件あります。

{{recruitments}}
お知らせが不要な場合は、会員ページで「休止」を選んでください。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.member_for_organizer', 'ja', '【あいかさねっと】「{{recruitment_title}}」の条件に合う会員が登録されました',
$$募集中の「{{recruitment_title}}」の条件に合う{{member_type}}会員が新しく登録されました。

{{member_url}}

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.members_for_group', 'ja', '【あいかさねっと】条件に合う会員が{{count}}件あります',
$$「{{organization_name}}」様

ご登録の活動地域・曜日・分野に合う会員が{{count}}件あります（最大20件を表示）。

{{members}}
やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.recruitment_for_member', 'ja', '【あいかさねっと】ボランティア募集「{{recruitment_title}}」のお知らせ',
$$ご登録の条件に合うボランティア募集が公開されました。

{{recruitment_title}}（{{organization_name}}）
{{url}}

参加を申し込む（リンク先で確認してから申し込みます）:
{{apply_url}}

問い合わせる:
{{inquire_url}}

お知らせが不要な場合は、会員ページで「休止」を選んでください。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('matching.members_for_recruitment', 'ja', '【あいかさねっと】「{{recruitment_title}}」の条件に合う会員は{{count}}件です',
$$公開された募集「{{recruitment_title}}」の条件に合う会員は{{count}}件です（最大20件を表示）。
各会員にも募集のお知らせをお送りしました。

{{members}}
やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.received', 'ja', '【あいかさねっと】ボランティア募集「{{title}}」を受け付けました',
$$ボランティア募集「{{title}}」を受け付けました。
県民活動支援センターが内容を確認し、公開しましたら改めてお知らせします。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.to_review', 'ja', '【あいかさねっと】新しいボランティア募集「{{title}}」',
$$「{{organization_name}}」から新しいボランティア募集がありました。内容を確認して公開してください。

{{url}}$$),
('recruitment.published', 'ja', '【あいかさねっと】ボランティア募集「{{title}}」を公開しました',
$$ボランティア募集「{{title}}」を公開しました。
条件に合う会員へのお知らせと、その一覧のメールが別途届きます。

{{url}}

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.application', 'ja', '【あいかさねっと】「{{title}}」に参加申込みがありました',
$$ボランティア募集「{{title}}」に参加の申込みがありました。申込者へ直接ご連絡ください。

氏名・団体名: {{member_name}}
Eメール: {{member_email}}
電話番号: {{member_phone}}
メッセージ:
{{message}}

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.application_receipt', 'ja', '【あいかさねっと】「{{title}}」への参加申込みを送りました',
$$ボランティア募集「{{title}}」への参加申込みを主催者へ送りました。主催者からの連絡をお待ちください。

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.inquiry', 'ja', '【あいかさねっと】「{{title}}」についてお問い合わせがありました',
$$ボランティア募集「{{title}}」についてお問い合わせがありました。質問者へ直接ご回答ください。

氏名・団体名: {{member_name}}
Eメール: {{member_email}}
お問い合わせ内容:
{{question}}

やまぐち社会貢献活動支援ネット あいかさねっと$$),
('recruitment.member_inquiry', 'ja', '【あいかさねっと】「{{from_name}}」からお問い合わせがありました',
$$あいかさねっとの団体会員「{{from_name}}」からお問い合わせがありました。
ご回答は次のアドレスへ直接お送りください: {{from_email}}

お問い合わせ内容:
{{question}}

やまぐち社会貢献活動支援ネット あいかさねっと$$);
