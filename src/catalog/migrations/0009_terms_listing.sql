-- Terms changed after publishing, listing and expiring access (issue 14).
--
-- A terms change (updateTerms: price and license) re-issues the certificate of the same version
-- with the new terms; the one it replaces stays (still a valid signature over what was true
-- then) and is marked superseded: when, and by which certificate.
ALTER TABLE certificates ADD COLUMN superseded_at TEXT;
ALTER TABLE certificates ADD COLUMN superseded_by INTEGER REFERENCES certificates (id) ON DELETE SET NULL;

-- Whether a registry token is for sale, as the chain last said (SaleChanged, or a listing change
-- made here once mined). No row: never changed, i.e. for sale (the registry's default).
CREATE TABLE listings (
  network      TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  for_sale     INTEGER NOT NULL CHECK (for_sale IN (0, 1)),
  block_number INTEGER NOT NULL,
  updated_at   TEXT    NOT NULL,
  PRIMARY KEY (network, token_id)
) STRICT;
