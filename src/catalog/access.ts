import type { Database } from 'better-sqlite3';

/** Queries for access requests and grants (issue 6). */
export class AccessQueries {
  constructor(readonly db: Database) {}
}
