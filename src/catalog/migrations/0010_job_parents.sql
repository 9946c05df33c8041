-- Parent and child jobs (issue 13): a job may own others (a publication owns its file uploads).
-- The last child to end (done, failed or cancelled) wakes its parent in the same transaction,
-- so a publication waits for its uploads without polling. jobs_by_parent answers "does this
-- parent still have live children?" without scanning a 20,000-job batch.

ALTER TABLE jobs ADD COLUMN parent_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL;

CREATE INDEX jobs_by_parent ON jobs (parent_id, state) WHERE parent_id IS NOT NULL;
