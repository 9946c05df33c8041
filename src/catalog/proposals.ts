import type { Database } from 'better-sqlite3';

/** A cached proposal (0013 proposals): the document is kept as stored, already checked. */
export interface ProposalRow {
  network: string;
  id: string;
  tokenId: string;
  assetId: number | null;
  itemId: string;
  author: string;
  document: unknown;
  state: 'open' | 'submitted' | 'stale';
  firstSeen: string;
  updatedAt: string;
  answers: AnswerRow[];
}

export interface AnswerRow {
  signer: string;
  decision: 'sign' | 'decline';
  signature: string;
  itemId: string;
  at: string;
}

interface Row {
  network: string;
  id: string;
  token_id: string;
  asset_id: number | null;
  item_id: string;
  author: string;
  document: string;
  state: ProposalRow['state'];
  first_seen: string;
  updated_at: string;
}

export interface FreshProposal {
  id: string;
  tokenId: string;
  assetId: number | null;
  itemId: string;
  author: string;
  document: unknown;
  answers: AnswerRow[];
}

/** The open proposals of tokens, cached from the storage node (src/governance). */
export class ProposalsQueries {
  constructor(private readonly db: Database) {}

  private answersOf(network: string, id: string): AnswerRow[] {
    return (this.db.prepare('SELECT signer, decision, signature, item_id, at FROM proposal_answers WHERE network = ? AND proposal_id = ? ORDER BY at, signer').all(network, id) as {
      signer: string;
      decision: AnswerRow['decision'];
      signature: string;
      item_id: string;
      at: string;
    }[]).map((a) => ({ signer: a.signer, decision: a.decision, signature: a.signature, itemId: a.item_id, at: a.at }));
  }

  private toRow(r: Row): ProposalRow {
    return {
      network: r.network,
      id: r.id,
      tokenId: r.token_id,
      assetId: r.asset_id,
      itemId: r.item_id,
      author: r.author,
      document: JSON.parse(r.document) as unknown,
      state: r.state,
      firstSeen: r.first_seen,
      updatedAt: r.updated_at,
      answers: this.answersOf(r.network, r.id),
    };
  }

  /**
   * Replaces what is known of `tokenIds` with a fresh read: these proposals are open (with these
   * answers); open ones of those tokens not read again are stale. Returns the ids first seen now
   * and the answers first seen now (for the audit log).
   */
  refresh(network: string, tokenIds: readonly string[], fresh: readonly FreshProposal[], now: string): { newProposals: string[]; newAnswers: { proposalId: string; signer: string; decision: string }[] } {
    return this.db.transaction(() => {
      const newProposals: string[] = [];
      const newAnswers: { proposalId: string; signer: string; decision: string }[] = [];
      const seen = new Set(fresh.map((p) => p.id));
      for (const tokenId of tokenIds) {
        const open = this.db.prepare("SELECT id FROM proposals WHERE network = ? AND token_id = ? AND state = 'open'").all(network, tokenId) as { id: string }[];
        for (const o of open) if (!seen.has(o.id)) this.db.prepare("UPDATE proposals SET state = 'stale', updated_at = ? WHERE network = ? AND id = ?").run(now, network, o.id);
      }
      for (const p of fresh) {
        const known = this.db.prepare('SELECT state FROM proposals WHERE network = ? AND id = ?').get(network, p.id) as { state: string } | undefined;
        if (known === undefined) {
          newProposals.push(p.id);
          this.db
            .prepare("INSERT INTO proposals (network, id, token_id, asset_id, item_id, author, document, state, first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)")
            .run(network, p.id, p.tokenId, p.assetId, p.itemId, p.author, JSON.stringify(p.document), now, now);
        } else if (known.state !== 'submitted') {
          this.db.prepare("UPDATE proposals SET state = 'open', asset_id = COALESCE(?, asset_id), updated_at = ? WHERE network = ? AND id = ?").run(p.assetId, now, network, p.id);
        }
        for (const a of p.answers) {
          const had = this.db.prepare('SELECT decision FROM proposal_answers WHERE network = ? AND proposal_id = ? AND signer = ?').get(network, p.id, a.signer) as { decision: string } | undefined;
          if (had?.decision === a.decision) continue;
          newAnswers.push({ proposalId: p.id, signer: a.signer, decision: a.decision });
          this.db
            .prepare(
              `INSERT INTO proposal_answers (network, proposal_id, signer, decision, signature, item_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (network, proposal_id, signer) DO UPDATE SET decision = excluded.decision, signature = excluded.signature, item_id = excluded.item_id, at = excluded.at`,
            )
            .run(network, p.id, a.signer, a.decision, a.signature, a.itemId, a.at);
        }
      }
      return { newProposals, newAnswers };
    }).immediate();
  }

  /** Adds an answer made here (before the node's index lists it). */
  addAnswer(network: string, proposalId: string, a: AnswerRow): void {
    this.db
      .prepare(
        `INSERT INTO proposal_answers (network, proposal_id, signer, decision, signature, item_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (network, proposal_id, signer) DO UPDATE SET decision = excluded.decision, signature = excluded.signature, item_id = excluded.item_id, at = excluded.at`,
      )
      .run(network, proposalId, a.signer, a.decision, a.signature, a.itemId, a.at);
  }

  get(network: string, id: string): ProposalRow | null {
    const r = this.db.prepare('SELECT * FROM proposals WHERE network = ? AND lower(id) = lower(?)').get(network, id) as Row | undefined;
    return r === undefined ? null : this.toRow(r);
  }

  /** Proposals of the network (open first, newest first), optionally of one asset or in some states. */
  list(network: string, o: { assetId?: number | undefined; states?: readonly ProposalRow['state'][] } = {}): ProposalRow[] {
    const states = o.states ?? ['open'];
    const rows = this.db
      .prepare(
        `SELECT * FROM proposals WHERE network = ? AND state IN (${states.map(() => '?').join(', ')})${o.assetId !== undefined ? ' AND asset_id = ?' : ''}
         ORDER BY state = 'open' DESC, first_seen DESC, id`,
      )
      .all(network, ...states, ...(o.assetId !== undefined ? [o.assetId] : [])) as Row[];
    return rows.map((r) => this.toRow(r));
  }

  setState(network: string, id: string, state: ProposalRow['state'], now: string): void {
    this.db.prepare('UPDATE proposals SET state = ?, updated_at = ? WHERE network = ? AND id = ?').run(state, now, network, id);
  }
}
