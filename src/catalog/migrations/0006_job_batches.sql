-- Job batches (issue 5): jobs queued together (a publication's file uploads, 20,000 of them for
-- a big folder) share a batch id, the id of the batch's first job. The UI shows a batch as one
-- summary, and the backend sends one event per batch instead of one per job.
-- jobs_unbatched serves the Activity list of jobs on their own (newest first), which would
-- otherwise scan every batched job ever run.

ALTER TABLE jobs ADD COLUMN batch_id INTEGER;

CREATE INDEX jobs_by_batch ON jobs (batch_id, state) WHERE batch_id IS NOT NULL;

CREATE INDEX jobs_unbatched ON jobs (id) WHERE batch_id IS NULL;
