-- Earnings (src/earnings, issue 7): what the registry's events say beyond `payouts`
-- (Credited → kind 'credit', Withdrawn → kind 'withdrawal'), per network, from the
-- 'earnings' stream's cursor. Every row is one log (unique per network, tx, log index), so
-- re-reading a range is harmless and a reorg is undone by deleting rows past a block.
-- Addresses are stored lowercase; amounts are decimal wei strings.

-- AccessRequested (account = requester), AccessGranted (account null), Refunded (token null,
-- account = requester): requests, approvals and revenue per asset; refunds for the
-- withdrawable balance check.
CREATE TABLE earnings_access (
  id           INTEGER PRIMARY KEY,
  network      TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('requested', 'granted', 'refunded')),
  request_id   TEXT    NOT NULL,
  token_id     TEXT,
  account      TEXT,
  amount_wei   TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  tx_hash      TEXT    NOT NULL,
  log_index    INTEGER NOT NULL,
  UNIQUE (network, tx_hash, log_index)
) STRICT;
CREATE INDEX earnings_access_token ON earnings_access (network, token_id, kind);
CREATE INDEX earnings_access_account ON earnings_access (network, account, kind);
CREATE INDEX earnings_access_block ON earnings_access (network, block_number);

-- ERC-721 Transfer logs: a token's owner is the `to_address` of its latest transfer.
CREATE TABLE earnings_transfers (
  id           INTEGER PRIMARY KEY,
  network      TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  to_address   TEXT    NOT NULL,
  block_number INTEGER NOT NULL,
  tx_hash      TEXT    NOT NULL,
  log_index    INTEGER NOT NULL,
  UNIQUE (network, tx_hash, log_index)
) STRICT;
CREATE INDEX earnings_transfers_token ON earnings_transfers (network, token_id, block_number, log_index);
CREATE INDEX earnings_transfers_to ON earnings_transfers (network, to_address);

-- A token's split, read once from the chain (assetOf): fixed at registration.
CREATE TABLE earnings_splits (
  network      TEXT    NOT NULL,
  registry     TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  split        TEXT    NOT NULL CHECK (json_valid(split)),
  PRIMARY KEY (network, registry, token_id)
) STRICT;

CREATE INDEX payouts_account ON payouts (network, account, kind, block_number);
CREATE INDEX payouts_token ON payouts (network, token_id, kind);
CREATE INDEX payouts_block ON payouts (network, block_number);
