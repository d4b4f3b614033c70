-- Issue 13: an organiser withdraws a published recruitment; each applicant is told.
INSERT INTO mail_templates (key, locale, subject, body) VALUES
('recruitment.withdrawn', 'ja', '【あいかさねっと】ボランティア募集「{{title}}」は取り下げられました',
$${{name}} 様

お申し込みいただいたボランティア募集「{{title}}」（{{organization_name}}）は、
募集した団体により取り下げられました。お申し込みは終了しています。

ほかの募集は、あいかさねっとでご覧いただけます。

やまぐち社会貢献活動支援ネット あいかさねっと$$);
