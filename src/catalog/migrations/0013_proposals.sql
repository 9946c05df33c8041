-- Proposals of new terms between apps (issue 17): the open proposals of tokens where the wallet in
-- use is a payee or the owner, as last read from the storage node and checked against the chain
-- (src/governance). A cache: the storage network and the chain are the truth, so rows are
-- replaced on each read; a proposal not found again (its nonce used, expired) becomes stale.
CREATE TABLE proposals (
  network     TEXT    NOT NULL,
  -- The EIP-712 digest its payees sign (0x hex, lowercase).
  id          TEXT    NOT NULL,
  token_id    TEXT    NOT NULL,
  -- The local asset of the token, when this catalog holds it (the owner's side).
  asset_id    INTEGER REFERENCES assets (id) ON DELETE SET NULL,
  item_id     TEXT    NOT NULL,
  author      TEXT    NOT NULL,
  -- The proposal document, as stored (JSON).
  document    TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('open', 'submitted', 'stale')),
  first_seen  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL,
  PRIMARY KEY (network, id)
) STRICT;
CREATE INDEX proposals_token ON proposals (network, token_id);

-- The checked answers to a proposal: one per payee (a signature, or a decline).
CREATE TABLE proposal_answers (
  network     TEXT    NOT NULL,
  proposal_id TEXT    NOT NULL,
  signer      TEXT    NOT NULL,
  decision    TEXT    NOT NULL CHECK (decision IN ('sign', 'decline')),
  signature   TEXT    NOT NULL,
  item_id     TEXT    NOT NULL,
  at          TEXT    NOT NULL,
  PRIMARY KEY (network, proposal_id, signer),
  FOREIGN KEY (network, proposal_id) REFERENCES proposals (network, id) ON DELETE CASCADE
) STRICT;
