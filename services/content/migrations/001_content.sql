-- Content service, first part: taxonomies (SPEC section 5), site settings with
-- maintenance mode (CNT-3) and terms-of-use documents with versions (DIR-1).
CREATE TABLE taxonomies (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
  version integer NOT NULL DEFAULT 1,
  updated_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Terms are never deleted: stored records keep referring to their codes.
CREATE TABLE taxonomy_terms (
  taxonomy text NOT NULL REFERENCES taxonomies (name),
  code text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,40}$'),
  label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
  position integer NOT NULL CHECK (position >= 0),
  sites text[] NOT NULL DEFAULT '{}' CHECK (sites <@ ARRAY['supernet', 'aikasanet']::text[]),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (taxonomy, code)
);

CREATE TABLE site_settings (
  id smallint PRIMARY KEY CHECK (id = 1),
  maintenance_enabled boolean NOT NULL DEFAULT false,
  maintenance_message text NOT NULL DEFAULT '' CHECK (char_length(maintenance_message) <= 500),
  retry_after_seconds integer NOT NULL DEFAULT 3600 CHECK (retry_after_seconds BETWEEN 60 AND 86400),
  version integer NOT NULL DEFAULT 1,
  updated_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO site_settings (id) VALUES (1);

-- A published version is never changed: acceptances refer to it by number.
CREATE TABLE terms_documents (
  site text NOT NULL CHECK (site IN ('supernet', 'aikasanet')),
  version integer NOT NULL CHECK (version > 0),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000),
  published_by uuid,
  published_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site, version)
);
CREATE FUNCTION terms_documents_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'terms_documents are append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER terms_documents_append_only BEFORE UPDATE OR DELETE ON terms_documents
  FOR EACH ROW EXECUTE FUNCTION terms_documents_immutable();

INSERT INTO terms_documents (site, version, title, body) VALUES
  ('supernet', 1, '山口県県民活動スーパーネット 利用規約',
   E'この規約は、山口県県民活動スーパーネット（以下「本サイト」）の利用条件を定めるものです。\n登録者は、登録情報が本サイトで公開されること（一般非公開の項目を除く）に同意するものとします。\n（初版。運用開始前に県が正式な文面に差し替えます。）'),
  ('aikasanet', 1, 'やまぐち社会貢献活動支援ネット あいかさねっと 利用規約',
   E'この規約は、あいかさねっと（以下「本サイト」）の利用条件を定めるものです。\n未成年者は、親権者など保護者の同意を得たうえで会員登録及び利用を行ってください。\n（初版。運用開始前に県が正式な文面に差し替えます。）');

-- Seed defaults (SPEC section 5); admins edit them through the API.
INSERT INTO taxonomies (name, title) VALUES ('municipalities', '市町（山口県内19市町）');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('municipalities', 'shimonoseki', '下関市', 0, '{}'),
  ('municipalities', 'ube', '宇部市', 1, '{}'),
  ('municipalities', 'yamaguchi', '山口市', 2, '{}'),
  ('municipalities', 'hagi', '萩市', 3, '{}'),
  ('municipalities', 'hofu', '防府市', 4, '{}'),
  ('municipalities', 'kudamatsu', '下松市', 5, '{}'),
  ('municipalities', 'iwakuni', '岩国市', 6, '{}'),
  ('municipalities', 'hikari', '光市', 7, '{}'),
  ('municipalities', 'nagato', '長門市', 8, '{}'),
  ('municipalities', 'yanai', '柳井市', 9, '{}'),
  ('municipalities', 'mine', '美祢市', 10, '{}'),
  ('municipalities', 'shunan', '周南市', 11, '{}'),
  ('municipalities', 'sanyo_onoda', '山陽小野田市', 12, '{}'),
  ('municipalities', 'suo_oshima', '周防大島町', 13, '{}'),
  ('municipalities', 'waki', '和木町', 14, '{}'),
  ('municipalities', 'kaminoseki', '上関町', 15, '{}'),
  ('municipalities', 'tabuse', '田布施町', 16, '{}'),
  ('municipalities', 'hirao', '平生町', 17, '{}'),
  ('municipalities', 'abu', '阿武町', 18, '{}');
INSERT INTO taxonomies (name, title) VALUES ('address_municipalities', '市町（所在地）');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('address_municipalities', 'shimonoseki', '下関市', 0, '{}'),
  ('address_municipalities', 'ube', '宇部市', 1, '{}'),
  ('address_municipalities', 'yamaguchi', '山口市', 2, '{}'),
  ('address_municipalities', 'hagi', '萩市', 3, '{}'),
  ('address_municipalities', 'hofu', '防府市', 4, '{}'),
  ('address_municipalities', 'kudamatsu', '下松市', 5, '{}'),
  ('address_municipalities', 'iwakuni', '岩国市', 6, '{}'),
  ('address_municipalities', 'hikari', '光市', 7, '{}'),
  ('address_municipalities', 'nagato', '長門市', 8, '{}'),
  ('address_municipalities', 'yanai', '柳井市', 9, '{}'),
  ('address_municipalities', 'mine', '美祢市', 10, '{}'),
  ('address_municipalities', 'shunan', '周南市', 11, '{}'),
  ('address_municipalities', 'sanyo_onoda', '山陽小野田市', 12, '{}'),
  ('address_municipalities', 'suo_oshima', '周防大島町', 13, '{}'),
  ('address_municipalities', 'waki', '和木町', 14, '{}'),
  ('address_municipalities', 'kaminoseki', '上関町', 15, '{}'),
  ('address_municipalities', 'tabuse', '田布施町', 16, '{}'),
  ('address_municipalities', 'hirao', '平生町', 17, '{}'),
  ('address_municipalities', 'abu', '阿武町', 18, '{}'),
  ('address_municipalities', 'outside', '山口県外', 19, '{}');
INSERT INTO taxonomies (name, title) VALUES ('target_areas', '対象エリア');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('target_areas', 'municipalities', '山口県内市町', 0, '{}'),
  ('target_areas', 'prefecture', '県内全域', 1, '{}'),
  ('target_areas', 'chushikoku', '中四国地域', 2, '{}'),
  ('target_areas', 'west_japan', '西日本', 3, '{}'),
  ('target_areas', 'nationwide', '全国', 4, '{}');
INSERT INTO taxonomies (name, title) VALUES ('fields', '活動分野（特定非営利活動促進法 別表）');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('fields', 'f01', '保健、医療又は福祉の増進を図る活動', 0, '{}'),
  ('fields', 'f02', '社会教育の推進を図る活動', 1, '{}'),
  ('fields', 'f03', 'まちづくりの推進を図る活動', 2, '{}'),
  ('fields', 'f04', '観光の振興を図る活動', 3, '{}'),
  ('fields', 'f05', '農山漁村又は中山間地域の振興を図る活動', 4, '{}'),
  ('fields', 'f06', '学術、文化、芸術又はスポーツの振興を図る活動', 5, '{}'),
  ('fields', 'f07', '環境の保全を図る活動', 6, '{}'),
  ('fields', 'f08', '災害救援活動', 7, '{}'),
  ('fields', 'f09', '地域安全活動', 8, '{}'),
  ('fields', 'f10', '人権の擁護又は平和の推進を図る活動', 9, '{}'),
  ('fields', 'f11', '国際協力の活動', 10, '{}'),
  ('fields', 'f12', '男女共同参画社会の形成の促進を図る活動', 11, '{}'),
  ('fields', 'f13', '子どもの健全育成を図る活動', 12, '{}'),
  ('fields', 'f14', '情報化社会の発展を図る活動', 13, '{}'),
  ('fields', 'f15', '科学技術の振興を図る活動', 14, '{}'),
  ('fields', 'f16', '経済活動の活性化を図る活動', 15, '{}'),
  ('fields', 'f17', '職業能力の開発又は雇用機会の拡充を支援する活動', 16, '{}'),
  ('fields', 'f18', '消費者の保護を図る活動', 17, '{}'),
  ('fields', 'f19', '前各号に掲げる活動を行う団体の運営又は活動に関する連絡、助言又は援助の活動', 18, '{}'),
  ('fields', 'f20', '前各号に掲げる活動に準ずる活動として都道府県又は指定都市の条例で定める活動', 19, ARRAY['aikasanet']::text[]);
INSERT INTO taxonomies (name, title) VALUES ('group_classes', '団体の分類');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('group_classes', 'npo_corporation', 'NPO法人', 0, '{}'),
  ('group_classes', 'voluntary', '任意団体', 1, '{}'),
  ('group_classes', 'foundation', '財団法人', 2, '{}'),
  ('group_classes', 'association', '社団法人', 3, '{}'),
  ('group_classes', 'general_foundation', '一般財団法人', 4, '{}'),
  ('group_classes', 'general_association', '一般社団法人', 5, '{}'),
  ('group_classes', 'public_foundation', '公益財団法人', 6, '{}'),
  ('group_classes', 'public_association', '公益社団法人', 7, '{}'),
  ('group_classes', 'social_welfare', '社会福祉法人', 8, '{}'),
  ('group_classes', 'government', '行政', 9, '{}'),
  ('group_classes', 'other', 'その他', 10, '{}');
INSERT INTO taxonomies (name, title) VALUES ('company_classes', '企業のカテゴリ');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('company_classes', 'kabushiki', '株式会社', 0, '{}'),
  ('company_classes', 'godo', '合同会社', 1, '{}'),
  ('company_classes', 'gomei', '合名会社', 2, '{}'),
  ('company_classes', 'goshi', '合資会社', 3, '{}'),
  ('company_classes', 'other', 'その他', 4, '{}');
INSERT INTO taxonomies (name, title) VALUES ('budget_bands', '前年度総決算');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('budget_bands', 'under_100k', '10万円未満', 0, ARRAY['supernet']::text[]),
  ('budget_bands', '100k_300k', '10万円～30万円未満', 1, ARRAY['supernet']::text[]),
  ('budget_bands', '300k_500k', '30万円～50万円未満', 2, ARRAY['supernet']::text[]),
  ('budget_bands', '500k_1m', '50万円～100万円未満', 3, ARRAY['supernet']::text[]),
  ('budget_bands', '1m_5m', '100万円～500万円未満', 4, ARRAY['supernet']::text[]),
  ('budget_bands', '5m_10m', '500万円～1,000万円未満', 5, ARRAY['supernet']::text[]),
  ('budget_bands', '10m_plus', '1,000万円以上', 6, ARRAY['supernet']::text[]);
INSERT INTO taxonomies (name, title) VALUES ('features', '特徴');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('features', 'collaboration', '連携・協働の実績がある', 0, ARRAY['supernet']::text[]),
  ('features', 'csr', 'CSR・社会貢献の実績がある', 1, ARRAY['supernet']::text[]),
  ('features', 'grant_maker', '助成団体である', 2, ARRAY['supernet']::text[]),
  ('features', 'activity', '活動団体である', 3, ARRAY['supernet']::text[]),
  ('features', 'support', '支援団体である', 4, ARRAY['supernet']::text[]),
  ('features', 'regional_csr_programme', '企業の社会貢献活動による地域づくり支援事業への参加を希望する', 5, ARRAY['supernet']::text[]);
INSERT INTO taxonomies (name, title) VALUES ('genders', '性別');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('genders', 'male', '男性', 0, '{}'),
  ('genders', 'female', '女性', 1, '{}'),
  ('genders', 'no_answer', '回答しない', 2, '{}');
INSERT INTO taxonomies (name, title) VALUES ('weekdays', '曜日');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('weekdays', 'mon', '月', 0, '{}'),
  ('weekdays', 'tue', '火', 1, '{}'),
  ('weekdays', 'wed', '水', 2, '{}'),
  ('weekdays', 'thu', '木', 3, '{}'),
  ('weekdays', 'fri', '金', 4, '{}'),
  ('weekdays', 'sat', '土', 5, '{}'),
  ('weekdays', 'sun', '日', 6, '{}');
INSERT INTO taxonomies (name, title) VALUES ('prefectures', '都道府県');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('prefectures', 'p01', '北海道', 0, '{}'),
  ('prefectures', 'p02', '青森県', 1, '{}'),
  ('prefectures', 'p03', '岩手県', 2, '{}'),
  ('prefectures', 'p04', '宮城県', 3, '{}'),
  ('prefectures', 'p05', '秋田県', 4, '{}'),
  ('prefectures', 'p06', '山形県', 5, '{}'),
  ('prefectures', 'p07', '福島県', 6, '{}'),
  ('prefectures', 'p08', '茨城県', 7, '{}'),
  ('prefectures', 'p09', '栃木県', 8, '{}'),
  ('prefectures', 'p10', '群馬県', 9, '{}'),
  ('prefectures', 'p11', '埼玉県', 10, '{}'),
  ('prefectures', 'p12', '千葉県', 11, '{}'),
  ('prefectures', 'p13', '東京都', 12, '{}'),
  ('prefectures', 'p14', '神奈川県', 13, '{}'),
  ('prefectures', 'p15', '新潟県', 14, '{}'),
  ('prefectures', 'p16', '富山県', 15, '{}'),
  ('prefectures', 'p17', '石川県', 16, '{}'),
  ('prefectures', 'p18', '福井県', 17, '{}'),
  ('prefectures', 'p19', '山梨県', 18, '{}'),
  ('prefectures', 'p20', '長野県', 19, '{}'),
  ('prefectures', 'p21', '岐阜県', 20, '{}'),
  ('prefectures', 'p22', '静岡県', 21, '{}'),
  ('prefectures', 'p23', '愛知県', 22, '{}'),
  ('prefectures', 'p24', '三重県', 23, '{}'),
  ('prefectures', 'p25', '滋賀県', 24, '{}'),
  ('prefectures', 'p26', '京都府', 25, '{}'),
  ('prefectures', 'p27', '大阪府', 26, '{}'),
  ('prefectures', 'p28', '兵庫県', 27, '{}'),
  ('prefectures', 'p29', '奈良県', 28, '{}'),
  ('prefectures', 'p30', '和歌山県', 29, '{}'),
  ('prefectures', 'p31', '鳥取県', 30, '{}'),
  ('prefectures', 'p32', '島根県', 31, '{}'),
  ('prefectures', 'p33', '岡山県', 32, '{}'),
  ('prefectures', 'p34', '広島県', 33, '{}'),
  ('prefectures', 'p35', '山口県', 34, '{}'),
  ('prefectures', 'p36', '徳島県', 35, '{}'),
  ('prefectures', 'p37', '香川県', 36, '{}'),
  ('prefectures', 'p38', '愛媛県', 37, '{}'),
  ('prefectures', 'p39', '高知県', 38, '{}'),
  ('prefectures', 'p40', '福岡県', 39, '{}'),
  ('prefectures', 'p41', '佐賀県', 40, '{}'),
  ('prefectures', 'p42', '長崎県', 41, '{}'),
  ('prefectures', 'p43', '熊本県', 42, '{}'),
  ('prefectures', 'p44', '大分県', 43, '{}'),
  ('prefectures', 'p45', '宮崎県', 44, '{}'),
  ('prefectures', 'p46', '鹿児島県', 45, '{}'),
  ('prefectures', 'p47', '沖縄県', 46, '{}'),
  ('prefectures', 'none', '—', 47, '{}');
INSERT INTO taxonomies (name, title) VALUES ('registration_requirements', '登録要件');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('registration_requirements', 'base_in_prefecture', '山口県内に活動の拠点があり、県内で活動していること', 0, '{}'),
  ('registration_requirements', 'social_contribution', '営利を目的とせず、社会貢献を目的として活動していること', 1, '{}'),
  ('registration_requirements', 'not_religious', '宗教活動を主たる目的としていないこと', 2, '{}'),
  ('registration_requirements', 'not_political', '政治上の主義の推進・支持・反対を主たる目的としていないこと', 3, '{}'),
  ('registration_requirements', 'not_electoral', '特定の公職の候補者・公職者・政党の推薦・支持・反対を目的としていないこと', 4, '{}'),
  ('registration_requirements', 'no_antisocial_forces', '暴力団又は暴力団若しくはその構成員の統制の下にある団体でないこと', 5, '{}'),
  ('registration_requirements', 'agree_terms', '利用規約に同意し、登録情報の公開に同意すること', 6, '{}');
INSERT INTO taxonomies (name, title) VALUES ('time_slots', '活動可能時間帯');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('time_slots', 'morning', '午前（9時～12時）', 0, ARRAY['aikasanet']::text[]),
  ('time_slots', 'afternoon', '午後（12時～17時）', 1, ARRAY['aikasanet']::text[]),
  ('time_slots', 'evening', '夜間（17時以降）', 2, ARRAY['aikasanet']::text[]),
  ('time_slots', 'daytime', '日中（9時～17時）', 3, ARRAY['aikasanet']::text[]),
  ('time_slots', 'anytime', '時間帯を問わない', 4, ARRAY['aikasanet']::text[]);
INSERT INTO taxonomies (name, title) VALUES ('probono_fields', 'プロボノ分野');
INSERT INTO taxonomy_terms (taxonomy, code, label, position, sites) VALUES
  ('probono_fields', 'accounting', '会計・経理', 0, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'legal', '法務', 1, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'it', 'IT・ウェブ', 2, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'design', 'デザイン', 3, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'pr', '広報・PR', 4, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'translation', '翻訳・通訳', 5, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'management', '経営・事業計画', 6, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'hr', '人事・労務', 7, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'photo_video', '写真・映像', 8, ARRAY['aikasanet']::text[]),
  ('probono_fields', 'other', 'その他', 9, ARRAY['aikasanet']::text[]);
