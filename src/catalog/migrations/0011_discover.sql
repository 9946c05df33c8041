-- Discover (issue 16): every token registered on a network's registry, not just this wallet's,
-- as its events say (Registered / TermsUpdated / SaleChanged / Transfer), with its public
-- metadata fetched from storage and cached here (validated; a bad document is skipped).
--   registrant       who registered it (the only signer whose metadata is accepted)
--   price_key        price_wei left-padded to 78 digits: sorts as a number
--   meta_state       pending (not fetched yet or not found yet), found, missing (given up),
--                    invalid (the node served something that is not a valid document)
--   meta_tries       fetch attempts while pending; meta_next: when to try again (ISO)
--   name … contributors: copied from the document for listing and search; meta_json: the document
CREATE TABLE discover_assets (
  network       TEXT    NOT NULL,
  registry      TEXT    NOT NULL,
  token_id      TEXT    NOT NULL,
  token_num     INTEGER NOT NULL,
  owner         TEXT    NOT NULL,
  registrant    TEXT    NOT NULL,
  content_root  TEXT    NOT NULL,
  manifest_id   TEXT    NOT NULL,
  terms_hash    TEXT    NOT NULL,
  price_wei     TEXT    NOT NULL,
  price_key     TEXT    NOT NULL,
  for_sale      INTEGER NOT NULL DEFAULT 1 CHECK (for_sale IN (0, 1)),
  block_number  INTEGER NOT NULL,
  state_block   INTEGER NOT NULL,
  registered_at TEXT    NOT NULL,
  meta_state    TEXT    NOT NULL DEFAULT 'pending' CHECK (meta_state IN ('pending', 'found', 'missing', 'invalid')),
  meta_tries    INTEGER NOT NULL DEFAULT 0,
  meta_next     TEXT,
  meta_id       TEXT,
  name          TEXT,
  kind          TEXT,
  description   TEXT,
  license       TEXT,
  contributors  TEXT,
  meta_json     TEXT,
  PRIMARY KEY (network, registry, token_id)
) STRICT;
CREATE INDEX discover_newest ON discover_assets (network, registry, token_num);
CREATE INDEX discover_price ON discover_assets (network, registry, price_key);
CREATE INDEX discover_pending ON discover_assets (network, registry, meta_state, meta_next);
CREATE INDEX discover_block ON discover_assets (network, block_number);

-- Full-text search over name, description and contributors (rowid = discover_assets.rowid).
CREATE VIRTUAL TABLE discover_fts USING fts5 (name, description, contributors, tokenize = 'unicode61 remove_diacritics 2');

-- The public record of each token, from its AccessRequested / Granted / Denied / Cancelled events.
CREATE TABLE discover_requests (
  network      TEXT    NOT NULL,
  registry     TEXT    NOT NULL,
  request_id   TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  amount_wei   TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  outcome      TEXT    NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'approved', 'denied', 'cancelled')),
  decided_at   INTEGER,
  block_number INTEGER NOT NULL,
  state_block  INTEGER NOT NULL,
  PRIMARY KEY (network, registry, request_id)
) STRICT;
CREATE INDEX discover_requests_token ON discover_requests (network, registry, token_id);
CREATE INDEX discover_requests_block ON discover_requests (network, block_number);
