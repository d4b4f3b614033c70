-- Aikasanet group and company members (別紙4) live beside Supernet's organisations:
-- the site decides which items are asked, which are private and where it is listed.
ALTER TABLE organizations
  ADD COLUMN site text NOT NULL DEFAULT 'supernet' CHECK (site IN ('supernet', 'aikasanet')),
  -- 担当部署名 (Aikasanet, 一般非公開).
  ADD COLUMN registrant_department text NOT NULL DEFAULT '' CHECK (char_length(registrant_department) <= 100);
-- An Aikasanet account is one member: one live registration per account (a staff
-- duplicate or an archived record does not count).
CREATE UNIQUE INDEX organizations_one_aikasanet_member ON organizations (owner_account_id)
  WHERE site = 'aikasanet' AND state <> 'archived' AND duplicated_from IS NULL;
ALTER TABLE organizations ADD CONSTRAINT organizations_aikasanet_owner
  CHECK (site <> 'aikasanet' OR owner_account_id IS NOT NULL);
