-- Access requests, owner side (src/access, issue 6): what the indexer and the approve/deny jobs
-- keep beyond 0001's columns.
--   owner           the token's owner (lowercase) as last indexed; the inbox shows the current
--                   wallet's requests
--   log_index       the AccessRequested log's index in its block
--   cancellable_at  when the requester may cancel (created + the registry's accessTimeout, ISO);
--                   a pending request past it shows as 'expired'
--   state_block     block of the event that set the state (approved/denied/cancelled), for reorgs
--   grant_id        the grant id the chain recorded (AccessGranted)
--   reason          the denial reason the chain recorded (AccessDenied)
--   notified_at     when access.new was emitted for it (once per request)
--   action_kind / action_job / action_reason   the approval or denial asked for here, its job
--   auto            1 when the action was started by an auto-approve rule

ALTER TABLE access_requests ADD COLUMN owner TEXT;
ALTER TABLE access_requests ADD COLUMN log_index INTEGER;
ALTER TABLE access_requests ADD COLUMN cancellable_at TEXT;
ALTER TABLE access_requests ADD COLUMN state_block INTEGER;
ALTER TABLE access_requests ADD COLUMN grant_id TEXT;
ALTER TABLE access_requests ADD COLUMN reason TEXT;
ALTER TABLE access_requests ADD COLUMN notified_at TEXT;
ALTER TABLE access_requests ADD COLUMN action_kind TEXT CHECK (action_kind IS NULL OR action_kind IN ('approve', 'deny'));
ALTER TABLE access_requests ADD COLUMN action_job INTEGER REFERENCES jobs (id) ON DELETE SET NULL;
ALTER TABLE access_requests ADD COLUMN action_reason TEXT;
ALTER TABLE access_requests ADD COLUMN auto INTEGER NOT NULL DEFAULT 0 CHECK (auto IN (0, 1));

CREATE INDEX access_requests_inbox ON access_requests (network, owner, state, block_number);
CREATE INDEX access_requests_token ON access_requests (network, token_id);
CREATE INDEX access_requests_requester ON access_requests (network, requester);

-- Registry tokens as the access stream last saw them (owner from Transfer, price from
-- Registered / TermsUpdated): who may approve, and what "pays the price" means.
CREATE TABLE access_tokens (
  network      TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  owner        TEXT    NOT NULL,
  price_wei    TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  PRIMARY KEY (network, token_id)
) STRICT;

-- Grants uploaded for a request: one per request and network (never paid for twice).
CREATE UNIQUE INDEX grants_by_request ON grants (request_row);

-- Auto-approve rule per asset: approve any request that pays the asset's price.
CREATE TABLE access_auto_approve (
  asset_id    INTEGER PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
  enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  updated_at  TEXT    NOT NULL
) STRICT;

-- Recent block hashes a chain-event stream has read (src/chain/follow.ts): on a reorg the
-- follower walks back to the newest one still on the chain (the fork point) and re-reads from there.
CREATE TABLE chain_blocks (
  network      TEXT    NOT NULL,
  stream       TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash   TEXT    NOT NULL,
  PRIMARY KEY (network, stream, block_number)
) STRICT, WITHOUT ROWID;
