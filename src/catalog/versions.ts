import type { Database } from 'better-sqlite3';

/** Queries for dataset versions (issue 5). */
export class VersionsQueries {
  constructor(readonly db: Database) {}
}
