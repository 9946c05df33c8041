import type { Database } from 'better-sqlite3';

/** Queries for chain-event cursors per network and stream. */
export class CursorQueries {
  constructor(readonly db: Database) {}
}
