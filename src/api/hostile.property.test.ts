/**
 * Property-based hostile input (issue 8): random values and malformed versions of each
 * command's own input shape against every api command. Every answer must be a Result with a
 * typed error code (never a throw, never INTERNAL), and the catalog must stay intact.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { createBackend, type Backend } from './backend';
import { commandNames, commands, ErrorCode } from './contract';
import { tempDir } from '../test-support/fs';

/**
 * Commands whose input may be all-optional AND that act on the outside world when a random
 * payload happens to be valid (create a wallet, start the sandbox chain, send a transaction).
 * They still get every malformed shape (`malformed` below), just not `fc.anything()`.
 */
const ACTS_ON_VALID_INPUT = new Set<string>([
  'wallet.create',
  'wallet.balance',
  'chain.status',
  'sandbox.fund',
  'storage.status',
  'storage.quote',
  'storage.fund',
  'access.sync',
  'access.request',
  'access.status',
  'access.cancel',
  'access.fetch',
  'access.simulateBuyer',
  'earnings.summary',
  'earnings.series',
  'earnings.assets',
  'earnings.contributors',
  'earnings.payouts',
  'earnings.csv',
  'earnings.reconcile',
  'earnings.withdraw',
  'proposals.list',
]);

/** The keys a command's input object knows (from its zod schema), to build near-miss payloads. */
function inputKeys(name: (typeof commandNames)[number]): string[] {
  const schema = commands[name].input as unknown as { shape?: Record<string, unknown> };
  return schema.shape ? Object.keys(schema.shape) : [];
}

const hostileValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(-1, 0, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Infinity, '', '\0', 'x'.repeat(10_000), '../../etc/passwd', '0x', [], {}, null, true),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

/** Objects with the command's own keys holding hostile values, plus stray keys. */
const malformed = (keys: string[]) =>
  fc.record(
    {
      ...Object.fromEntries(keys.map((k) => [k, hostileValue])),
      __proto__: fc.constant({ polluted: true }),
      constructor: fc.constant('x'),
      extra: hostileValue,
    },
    { requiredKeys: [] },
  );

describe('api under property-based hostile input', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  const keychainPrefix = `ativo-test-hostile-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    dir = tempDir('ativo-hostile-');
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix, runJobs: false });
  });
  afterAll(async () => {
    const wallets = await backend.invoke('wallet.list', {});
    if (wallets.ok) for (const w of (wallets.value as { wallets: { address: string }[] }).wallets) await backend.invoke('wallet.remove', { address: w.address });
    await backend.close();
    dir.cleanup();
  });

  it('every command answers a typed error (never INTERNAL, never a throw) and the catalog stays intact', async () => {
    const codes = new Set<string>(ErrorCode.options);
    for (const name of commandNames) {
      const payload = ACTS_ON_VALID_INPUT.has(name) ? malformed(inputKeys(name)) : fc.oneof(hostileValue, malformed(inputKeys(name)));
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const r = await backend.invoke(name, p);
          if (!r.ok) {
            expect(codes.has(r.error.code), `${name}: unknown code ${r.error.code}`).toBe(true);
            expect(r.error.code, `${name} ${JSON.stringify(p)} → ${r.error.message}`).not.toBe('INTERNAL');
            expect(r.error.message.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 40 },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const c = Catalog.open(backend.catalogPath);
    expect(c.integrityCheck()).toBe('ok');
    c.close();
  });
});
