-- Per-version keys of private assets (issue 12, attack 3): each version (content root) of a
-- private asset is encrypted to its own age identity, kept in the keychain under
-- `<asset id>@<created at>#<content root>`; a grant for one version opens that version only.
-- A row here says the version has its own key (and which recipient): versions published before
-- have none, and keep using the asset's key (`<asset id>@<created at>`).
CREATE TABLE version_keys (
  asset_id      INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  content_root  TEXT    NOT NULL CHECK (length(content_root) = 64),
  recipient     TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  PRIMARY KEY (asset_id, content_root)
) STRICT;

-- A file a version reuses from an earlier one keeps its stored item, encrypted to the earlier
-- key (its `uploads` row, receipt and charge stay as they are); this says that the content is
-- available under the new version's encryption as that item with its age header re-wrapped to
-- the new key (base64), which the version's encrypted manifest carries. Counts as stored.
--   sha256       of the plaintext; encryption: the new version's ('age:<recipient>')
--   data_sha256  of the stored item's bytes (null when unknown: found on the node)
CREATE TABLE rewrapped_items (
  id           INTEGER PRIMARY KEY,
  network      TEXT    NOT NULL,
  sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
  encryption   TEXT    NOT NULL,
  storage_id   TEXT    NOT NULL,
  age_header   TEXT    NOT NULL,
  data_sha256  TEXT    CHECK (data_sha256 IS NULL OR length(data_sha256) = 64),
  created_at   TEXT    NOT NULL,
  UNIQUE (network, sha256, encryption)
) STRICT;
