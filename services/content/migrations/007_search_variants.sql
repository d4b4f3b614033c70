-- The search dictionary (issue 13): groups of words a resident may type for the same
-- thing. Every public search applies it when a query is made: a term holding one word
-- of a group also finds texts with any other. One row, replaced as a whole by staff
-- (optimistic version), like a taxonomy.
CREATE TABLE search_variants (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  groups jsonb NOT NULL CHECK (jsonb_typeof(groups) = 'array'),
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);
INSERT INTO search_variants (groups) VALUES ($$[
  ["障害", "障がい", "障碍"],
  ["子供", "子ども", "こども"],
  ["高齢者", "お年寄り"],
  ["NPO", "特定非営利活動法人"],
  ["まちづくり", "街づくり", "町づくり", "まち作り"],
  ["受付", "受け付け"],
  ["申込", "申し込み", "申込み"],
  ["取組", "取り組み", "取組み"],
  ["ボランティア", "ボランテイア"],
  ["子育て", "子そだて"],
  ["見守り", "見まもり"],
  ["居場所", "いばしょ"]
]$$::jsonb);
