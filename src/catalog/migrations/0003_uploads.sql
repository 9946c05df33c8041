-- Uploads (src/storage): what the uploader needs beyond 0001's columns.
--   bytes          size of the file as scanned (the manifest's bytes)
--   item_bytes     size of the stored data item (signed header + data): what the node charges for
--   data_sha256    sha256 of the bytes stored (= sha256 for plaintext; of the ciphertext when encrypted)
--   encryption     NULL for plaintext; 'age:<recipient>[,<recipient>…]' (sorted) when age-encrypted.
--                  An upload is reused only for the same sha256 AND the same encryption.
--   source         'uploaded' (this row paid for the item) or 'reused' (an item already stored
--                  — found in the catalog or on the node — was recorded instead of paying again)
--   charge_warning set when the balance change charged for the upload differs from the quote
--   updated_at     last change of the row

ALTER TABLE uploads ADD COLUMN bytes INTEGER CHECK (bytes IS NULL OR bytes >= 0);
ALTER TABLE uploads ADD COLUMN item_bytes INTEGER CHECK (item_bytes IS NULL OR item_bytes >= 0);
ALTER TABLE uploads ADD COLUMN data_sha256 TEXT CHECK (data_sha256 IS NULL OR length(data_sha256) = 64);
ALTER TABLE uploads ADD COLUMN encryption TEXT;
ALTER TABLE uploads ADD COLUMN source TEXT NOT NULL DEFAULT 'uploaded' CHECK (source IN ('uploaded', 'reused'));
ALTER TABLE uploads ADD COLUMN charge_warning TEXT;
ALTER TABLE uploads ADD COLUMN updated_at TEXT;

-- "Was this content already stored on this network?" (never pay twice)
CREATE INDEX uploads_by_content ON uploads (network, sha256) WHERE storage_id IS NOT NULL;
