import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, auditHash } from '../catalog/audit';
import { canonicalJson } from './canonical-json';

// An audit entry as read back from the catalog (JSON.parse), with keys that sort differently by
// code unit and by locale, integer-like keys, -0, a large number, and characters JSON escapes.
const STORED = '{"action":"access.approve","actor":"0xAbC","at":"2026-12-03T16:00:00.000Z","details":{"requestId":"12","network":"sandbox","10":1,"2":[1.5,-0,1e21,"é\\u2028\\"",null,true],"Z":{"b":1,"a":{}},"a":"\\ud83d\\ude00","ä":0.1}}';

describe('the one canonical JSON (RFC 8785)', () => {
  it('gives the bytes and the audit hash that the audit log wrote with its own copy before (no stored hash changes)', () => {
    const e = JSON.parse(STORED) as { action: string; actor: string; at: string; details: Record<string, unknown> };
    // Both strings were produced by the audit log's own canonicalJson before it was merged into this one.
    expect(canonicalJson(e)).toBe('{"action":"access.approve","actor":"0xAbC","at":"2026-12-03T16:00:00.000Z","details":{"10":1,"2":[1.5,0,1e+21,"é\u2028\\"",null,true],"Z":{"a":{},"b":1},"a":"😀","network":"sandbox","requestId":"12","ä":0.1}}');
    expect(AUDIT_GENESIS).toBe('0'.repeat(64));
    expect(auditHash(AUDIT_GENESIS, e)).toBe('a62be888b5d618d8600aa1108f799f8f83c7ef5bd7521555b424354e3fd21b46');
  });

  it('leaves out undefined members and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ b: undefined, a: [1] })).toBe('{"a":[1]}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([undefined])).toThrow(/cannot hold/);
    expect(() => canonicalJson({ v: 1n })).toThrow(/cannot hold a bigint/);
  });
});
