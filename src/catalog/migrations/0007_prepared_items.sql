-- Prepared items (issue 12, attack 5): a data item whose id is fixed (its header signed here)
-- before anything is sent, so a publication can register its content root and path manifest
-- on chain first and upload after. One row per content (network, sha256 of the plaintext,
-- encryption), kept until that very item is recorded as stored in `uploads` (then deleted in
-- the same transaction): while a row exists, the content is stored only as this item.
--   item_id     the id the item gets (named in a path manifest, or on chain for a manifest)
--   resume      JSON of the storage client's resume state (tags, anchor, chunk size, data sha256/size)
--   data_path   the bytes to send when they are not the asset's file itself: the encrypted copy
--               of a private file, or a path manifest, kept in the staging folder until stored
--   asset_id    the asset whose publication prepared it (for the record; the item is shared)

CREATE TABLE prepared_items (
  id          INTEGER PRIMARY KEY,
  network     TEXT    NOT NULL,
  sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
  encryption  TEXT,
  item_id     TEXT    NOT NULL,
  resume      TEXT    NOT NULL CHECK (json_valid(resume)),
  data_path   TEXT,
  asset_id    INTEGER,
  created_at  TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX prepared_by_content ON prepared_items (network, sha256, coalesce(encryption, ''));
CREATE INDEX prepared_by_item ON prepared_items (item_id);

-- The receipt of an item named by a manifest (certificates list exactly the manifest's items).
CREATE INDEX uploads_by_item ON uploads (storage_id) WHERE storage_id IS NOT NULL;
