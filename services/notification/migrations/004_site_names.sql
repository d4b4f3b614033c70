-- Directory mails serve both sites (Aikasanet groups and companies register through the
-- same service): the site's name comes with the request as {{site_name}}.
UPDATE mail_templates SET subject = replace(replace(subject, '山口県県民活動スーパーネット', '{{site_name}}'),
                                            'スーパーネット', '{{site_name}}'),
                          version = version + 1, updated_at = now()
 WHERE key IN ('directory.registered', 'directory.published', 'directory.new_registration',
               'directory.correction_confirm', 'directory.correction_applied');
