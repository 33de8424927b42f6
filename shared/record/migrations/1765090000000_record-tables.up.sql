-- The store of record (shared/record): one table per record kind, each keyed by the record's own
-- id so a redelivered record is an upsert of the same row. Text search: a generated tsvector
-- column per searchable text with a GIN index; `ts_config` is the text search configuration the
-- row was indexed with (the post's language where known, else record.search.defaultConfig).

CREATE TABLE record_posts (
  post_id text PRIMARY KEY,
  forum_id text NOT NULL,
  author_id text NOT NULL,
  language text,
  ts_config regconfig NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, body)) STORED
);
CREATE INDEX record_posts_search ON record_posts USING gin (search);
CREATE INDEX record_posts_author ON record_posts (author_id);
CREATE INDEX record_posts_created ON record_posts (created_at);

CREATE TABLE record_decisions (
  decision_id text PRIMARY KEY,
  post_id text NOT NULL,
  forum_id text NOT NULL,
  action text NOT NULL,
  stage text NOT NULL,
  policy_set_version text NOT NULL,
  -- Every verdict's policy id, version and `id@version`: the policy and version filters.
  policies text[] NOT NULL,
  policy_versions text[] NOT NULL,
  policy_refs text[] NOT NULL,
  model_id text,
  effort text,
  decided_by text,
  ticket_id text,
  appeal_id text,
  replay_id text,
  truncated boolean NOT NULL,
  unreadable text,
  latency_ms integer NOT NULL,
  post_created_at timestamptz NOT NULL,
  decided_at timestamptz NOT NULL,
  verdicts jsonb NOT NULL,
  ts_config regconfig NOT NULL,
  -- The verdicts' rationales, one per line.
  rationale text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, rationale)) STORED
);
CREATE INDEX record_decisions_search ON record_decisions USING gin (search);
CREATE INDEX record_decisions_post ON record_decisions (post_id, decided_at);
CREATE INDEX record_decisions_decided ON record_decisions (decided_at);
CREATE INDEX record_decisions_policies ON record_decisions USING gin (policies);

-- One row per policy the model read for a decision: its reasoning (the analysis channel).
CREATE TABLE record_audit (
  decision_id text NOT NULL,
  policy_id text NOT NULL,
  policy_version text NOT NULL,
  post_id text NOT NULL,
  stage text NOT NULL,
  model_id text,
  verdict text,
  rule_ids text[] NOT NULL,
  confidence double precision,
  prompt_tokens integer NOT NULL,
  generated_tokens integer NOT NULL,
  latency_ms integer NOT NULL,
  error text,
  sampled boolean NOT NULL,
  created_at timestamptz NOT NULL,
  ts_config regconfig NOT NULL,
  reasoning text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, reasoning)) STORED,
  PRIMARY KEY (decision_id, policy_id)
);
CREATE INDEX record_audit_search ON record_audit USING gin (search);
CREATE INDEX record_audit_post ON record_audit (post_id);
CREATE INDEX record_audit_created ON record_audit (created_at);

CREATE TABLE record_tickets (
  ticket_id text PRIMARY KEY,
  decision_id text NOT NULL,
  post_id text NOT NULL,
  forum_id text NOT NULL,
  stage text NOT NULL,
  reason text NOT NULL,
  policy_set_version text NOT NULL,
  appeal_id text,
  verdicts jsonb NOT NULL,
  reasoning jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_tickets_post ON record_tickets (post_id);
CREATE INDEX record_tickets_created ON record_tickets (created_at);

CREATE TABLE record_appeals (
  appeal_id text PRIMARY KEY,
  post_id text NOT NULL,
  forum_id text NOT NULL,
  policy_ids text[] NOT NULL,
  requested_by text NOT NULL,
  note text NOT NULL,
  requested_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_appeals_post ON record_appeals (post_id);
CREATE INDEX record_appeals_requested ON record_appeals (requested_at);

-- What `arbiter record erase` erased (`post:<id>`, `author:<id>`): a record redelivered after the
-- erasure is not written again.
CREATE TABLE record_erasures (
  subject text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now()
);
