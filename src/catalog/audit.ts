import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { canonicalJson } from '../util/canonical-json';

/** One entry of the audit log (an approval, a denial…), chained to the one before it. */
export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The prevHash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/**
 * An entry's hash: sha256 over the previous hash and the entry's content, so changing, removing
 * or reordering any entry breaks every hash after it. Anyone can recompute it:
 * sha256(prevHash + "\n" + canonicalJson({ action, actor, at, details })), hex.
 */
export function auditHash(prevHash: string, e: { at: string; actor: string; action: string; details: Record<string, unknown> }): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ action: e.action, actor: e.actor, at: e.at, details: e.details })}`)
    .digest('hex');
}

const toRecord = (r: Row): AuditRecord => {
  let details: Record<string, unknown>;
  try {
    const v = JSON.parse(r.details) as unknown;
    details = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    details = { unreadable: r.details };
  }
  return { id: r.id, at: r.at, actor: r.actor, action: r.action, details, prevHash: r.prev_hash, hash: r.hash };
};

/** Queries for the hash-chained audit log (issue 6). */
export class AuditQueries {
  constructor(readonly db: Database) {}

  /** Appends an entry after the current last one (under the write lock: the chain never forks). */
  append(e: { at: string; actor: string; action: string; details: Record<string, unknown> }): AuditRecord {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { hash: string } | undefined;
      const prevHash = last?.hash ?? AUDIT_GENESIS;
      const hash = auditHash(prevHash, e);
      const details = canonicalJson(e.details);
      const r = this.db
        .prepare('INSERT INTO audit_log (at, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
        .get(e.at, e.actor, e.action, details, prevHash, hash) as { id: number };
      return { id: r.id, at: e.at, actor: e.actor, action: e.action, details: JSON.parse(details) as Record<string, unknown>, prevHash, hash };
    }).immediate();
  }

  /** Whether an entry of this action exists for a request (an approval is logged once). */
  has(action: string, network: string, requestId: string): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM audit_log WHERE action = ? AND json_extract(details, '$.network') = ? AND json_extract(details, '$.requestId') = ? LIMIT 1")
        .get(action, network, requestId) !== undefined
    );
  }

  /** Newest first. */
  page(offset: number, limit: number): { items: AuditRecord[]; total: number } {
    const total = (this.db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
    const rows = this.db.prepare('SELECT id, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?').all(limit, offset) as Row[];
    return { items: rows.map(toRecord), total };
  }

  /** Oldest first, every entry (for verification and export). */
  *all(): Generator<AuditRecord> {
    for (const r of this.db.prepare('SELECT id, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY id').iterate() as Iterable<Row>) yield toRecord(r);
  }

  /**
   * Recomputes the chain: intact when every entry's prevHash is the hash before it and its hash
   * matches its content; otherwise brokenAt is the id of the first entry that does not.
   */
  verify(): { intact: boolean; brokenAt: number | null } {
    let prev = AUDIT_GENESIS;
    for (const r of this.db.prepare('SELECT id, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY id').iterate() as Iterable<Row>) {
      let details: Record<string, unknown>;
      try {
        details = JSON.parse(r.details) as Record<string, unknown>;
      } catch {
        return { intact: false, brokenAt: r.id };
      }
      if (r.prev_hash !== prev || auditHash(prev, { at: r.at, actor: r.actor, action: r.action, details }) !== r.hash) return { intact: false, brokenAt: r.id };
      prev = r.hash;
    }
    return { intact: true, brokenAt: null };
  }
}
