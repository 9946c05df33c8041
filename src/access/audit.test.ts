import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { AUDIT_GENESIS } from '../catalog/audit';
import { canonicalJson } from '../util/canonical-json';
import { tempDir } from '../test-support/fs';

let dir: { path: string; cleanup: () => void };
let catalog: Catalog;
beforeEach(() => {
  dir = tempDir('ativo-audit-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
});
afterEach(() => {
  catalog.close();
  dir.cleanup();
});

const entry = (i: number) => ({
  at: `2026-01-0${(i % 9) + 1}T00:00:00.000Z`,
  actor: '0xOwner',
  action: i % 2 === 0 ? 'approve' : 'deny',
  details: { network: 'sandbox', requestId: String(i), txHash: `0x${String(i).padStart(64, '0')}`, nested: { b: 2, a: 1 } },
});

describe('audit log', () => {
  it('chains every entry to the one before, verifiable with sha256 alone', () => {
    for (let i = 1; i <= 5; i++) catalog.audit.append(entry(i));
    expect(catalog.audit.verify()).toEqual({ intact: true, brokenAt: null });
    const all = [...catalog.audit.all()];
    expect(all[0]?.prevHash).toBe(AUDIT_GENESIS);
    let prev = AUDIT_GENESIS;
    for (const e of all) {
      // The documented recipe, independently of auditHash().
      const body = canonicalJson({ action: e.action, actor: e.actor, at: e.at, details: e.details });
      expect(e.prevHash).toBe(prev);
      expect(e.hash).toBe(createHash('sha256').update(`${prev}\n${body}`).digest('hex'));
      prev = e.hash;
    }
    expect(catalog.audit.has('deny', 'sandbox', '3')).toBe(true);
    expect(catalog.audit.has('approve', 'sandbox', '3')).toBe(false);
    expect(catalog.audit.page(0, 2)).toMatchObject({ total: 5, items: [{ id: 5 }, { id: 4 }] });
  });

  it('detects an edited, a re-hashed, a removed and a reordered entry', () => {
    for (let i = 1; i <= 5; i++) catalog.audit.append(entry(i));
    const db = catalog.db;
    const snapshot = db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
    const restore = (): void => {
      db.prepare('DELETE FROM audit_log').run();
      const ins = db.prepare('INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) VALUES (@id, @at, @actor, @action, @details, @prev_hash, @hash)');
      for (const r of snapshot) ins.run(r);
      expect(catalog.audit.verify().intact).toBe(true);
    };
    // Edited details (a different tx hash).
    db.prepare("UPDATE audit_log SET details = json_set(details, '$.txHash', '0xforged') WHERE id = 3").run();
    expect(catalog.audit.verify()).toEqual({ intact: false, brokenAt: 3 });
    restore();
    // Edited and re-hashed: the next entry no longer points at it.
    const e3 = [...catalog.audit.all()].find((e) => e.id === 3);
    if (!e3) throw new Error('no entry 3');
    const forged = { ...e3, actor: '0xMallory' };
    const h = createHash('sha256').update(`${e3.prevHash}\n${canonicalJson({ action: forged.action, actor: forged.actor, at: forged.at, details: forged.details })}`).digest('hex');
    db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE id = 3').run('0xMallory', h);
    expect(catalog.audit.verify()).toEqual({ intact: false, brokenAt: 4 });
    restore();
    // Removed.
    db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(catalog.audit.verify()).toEqual({ intact: false, brokenAt: 3 });
    restore();
    // Two entries swapped.
    const [r2, r3] = [snapshot[1], snapshot[2]] as [Record<string, unknown>, Record<string, unknown>];
    db.prepare('DELETE FROM audit_log WHERE id IN (2, 3)').run();
    const ins = db.prepare('INSERT INTO audit_log (id, at, actor, action, details, prev_hash, hash) VALUES (@id, @at, @actor, @action, @details, @prev_hash, @hash)');
    ins.run({ ...r3, id: 2 });
    ins.run({ ...r2, id: 3 });
    expect(catalog.audit.verify()).toEqual({ intact: false, brokenAt: 2 });
  });
});
