-- Ativo catalog, first schema. Migrations are append-only: never edit this file once
-- released; add 0002_*.sql instead (the runner refuses a catalog whose applied
-- migrations differ from the files).

CREATE TABLE assets (
  id            INTEGER PRIMARY KEY,
  kind          TEXT    NOT NULL CHECK (kind IN ('dataset', 'model')),
  name          TEXT    NOT NULL,
  root_path     TEXT    NOT NULL UNIQUE,
  visibility    TEXT    NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
  state         TEXT    NOT NULL CHECK (state IN ('scanning', 'ready', 'error')),
  content_root  TEXT    CHECK (content_root IS NULL OR length(content_root) = 64),
  manifest      TEXT,
  file_count    INTEGER NOT NULL DEFAULT 0,
  total_bytes   INTEGER NOT NULL DEFAULT 0,
  skipped_json  TEXT    NOT NULL DEFAULT '[]',
  error         TEXT,
  license       TEXT,
  price_wei     TEXT,
  split_json    TEXT,
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL,
  scanned_at    TEXT
) STRICT;
CREATE INDEX assets_name ON assets (name COLLATE NOCASE);

CREATE TABLE files (
  asset_id  INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  rel_path  TEXT    NOT NULL,
  size      INTEGER NOT NULL CHECK (size >= 0),
  mtime_ms  REAL    NOT NULL,
  sha256    TEXT    CHECK (sha256 IS NULL OR length(sha256) = 64),
  state     TEXT    NOT NULL CHECK (state IN ('pending', 'hashed')),
  PRIMARY KEY (asset_id, rel_path)
) STRICT, WITHOUT ROWID;

CREATE TABLE versions (
  id            INTEGER PRIMARY KEY,
  asset_id      INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  number        INTEGER NOT NULL CHECK (number >= 1),
  content_root  TEXT    NOT NULL,
  manifest      TEXT    NOT NULL,
  previous_id   INTEGER REFERENCES versions (id),
  created_at    TEXT    NOT NULL,
  UNIQUE (asset_id, number)
) STRICT;

CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL,
  asset_id     INTEGER REFERENCES assets (id) ON DELETE CASCADE,
  state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'waiting', 'done', 'failed', 'cancelled')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_run_at  TEXT,
  progress     REAL    NOT NULL DEFAULT 0,
  checkpoint   TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(checkpoint)),
  error        TEXT,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX jobs_runnable ON jobs (state, next_run_at);

CREATE TABLE uploads (
  id           INTEGER PRIMARY KEY,
  asset_id     INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  rel_path     TEXT,
  sha256       TEXT    NOT NULL,
  network      TEXT    NOT NULL,
  storage_id   TEXT,
  receipt      TEXT    CHECK (receipt IS NULL OR json_valid(receipt)),
  quoted_atomic  TEXT,
  charged_atomic TEXT,
  created_at   TEXT    NOT NULL,
  UNIQUE (network, sha256, asset_id, rel_path)
) STRICT;

CREATE TABLE certificates (
  id           INTEGER PRIMARY KEY,
  asset_id     INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  version_id   INTEGER REFERENCES versions (id),
  network      TEXT    NOT NULL,
  chain_id     INTEGER NOT NULL,
  registry     TEXT    NOT NULL,
  token_id     TEXT,
  tx_hash      TEXT,
  block_number INTEGER,
  document     TEXT    CHECK (document IS NULL OR json_valid(document)),
  created_at   TEXT    NOT NULL
) STRICT;

CREATE TABLE access_requests (
  id           INTEGER PRIMARY KEY,
  network      TEXT    NOT NULL,
  request_id   TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  asset_id     INTEGER REFERENCES assets (id) ON DELETE SET NULL,
  requester    TEXT    NOT NULL,
  recipient    TEXT    NOT NULL,
  amount_wei   TEXT    NOT NULL,
  message      TEXT,
  state        TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'cancelled', 'expired')),
  read_at      TEXT,
  block_number INTEGER NOT NULL,
  tx_hash      TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (network, request_id)
) STRICT;

CREATE TABLE grants (
  id           INTEGER PRIMARY KEY,
  request_row  INTEGER NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  grant_id     TEXT,
  tx_hash      TEXT,
  created_at   TEXT    NOT NULL
) STRICT;

CREATE TABLE payouts (
  id           INTEGER PRIMARY KEY,
  network      TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('credit', 'withdrawal')),
  token_id     TEXT,
  request_id   TEXT,
  account      TEXT    NOT NULL,
  amount_wei   TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  block_time   TEXT    NOT NULL,
  tx_hash      TEXT    NOT NULL,
  log_index    INTEGER NOT NULL,
  UNIQUE (network, tx_hash, log_index)
) STRICT;

CREATE TABLE chain_cursor (
  network      TEXT    NOT NULL,
  stream       TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash   TEXT,
  updated_at   TEXT    NOT NULL,
  PRIMARY KEY (network, stream)
) STRICT;

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         TEXT    NOT NULL,
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  details    TEXT    NOT NULL CHECK (json_valid(details)),
  prev_hash  TEXT    NOT NULL,
  hash       TEXT    NOT NULL UNIQUE
) STRICT;

CREATE TABLE networks (
  name          TEXT PRIMARY KEY,
  rpc_url       TEXT,
  chain_id      INTEGER,
  registry      TEXT,
  storage_url   TEXT,
  updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL CHECK (json_valid(value))
) STRICT;
