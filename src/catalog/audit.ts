import type { Database } from 'better-sqlite3';

/** Queries for the hash-chained audit log (issue 6). */
export class AuditQueries {
  constructor(readonly db: Database) {}
}
