-- Jobs (src/jobs): a dedupe key, unique among live jobs (e.g. one publish job per asset:
-- enqueueing a second returns the first), and the handler's JSON result once done.

ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
ALTER TABLE jobs ADD COLUMN result TEXT CHECK (result IS NULL OR json_valid(result));

CREATE UNIQUE INDEX jobs_dedupe_live ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running', 'paused', 'waiting');
