-- CNT-4: views per day (Asia/Tokyo), resource type and item, added to in batches.
CREATE TABLE view_counts (
  day date NOT NULL,
  resource_type text NOT NULL CHECK (resource_type ~ '^[a-z_]{1,30}$'),
  item_id text NOT NULL CHECK (char_length(item_id) BETWEEN 1 AND 100),
  views bigint NOT NULL CHECK (views >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, resource_type, item_id)
);
