import type { Database } from 'better-sqlite3';

/** Queries for payouts indexed from chain events (issue 7). */
export class PayoutsQueries {
  constructor(readonly db: Database) {}
}
