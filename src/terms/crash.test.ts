/**
 * Terms and listing changes survive a crash (issue 14): the backend is killed (SIGKILL, via the
 * job's fault points) after the transaction was saved, and after it was sent; asking again
 * finishes the same job with exactly one transaction on chain, and (terms) one re-issued
 * certificate. Real CLI, keychain, sandbox chain and storage node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../chain/client';
import type { Certificate } from '../chain/certificate';
import { startAnvil } from '../sandbox/anvil';
import { useCliSandbox } from '../test-support/cli-sandbox';

const CASES: [kind: 'terms' | 'sale', point: string][] = [
  ['terms', 'terms:after-tx-saved'],
  ['terms', 'terms:after-broadcast'],
  ['sale', 'terms:after-broadcast'],
];

describe('terms and listing changes survive a crash', () => {
  const { run, dir, dataDir } = useCliSandbox('terms-crash');

  for (const [kind, point] of CASES) {
    it(`${kind}: killed at ${point}, asked again: one transaction${kind === 'terms' ? ', one re-issued certificate' : ''}`, { timeout: 300_000 }, async () => {
      const folder = join(dir(), 'set');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'a.txt'), `file a ${point}`);
      expect(run(['wallet', 'create']).status).toBe(0);
      expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
      const published = run(['publish', folder, '--price', '0.01', '--wait', '--json']);
      expect(published.status, published.stderr).toBe(0);
      const v1 = JSON.parse(published.stdout) as Certificate;

      const args = kind === 'terms' ? ['terms', '1', '--price', '0.02', '--wait'] : ['sale', '1', 'off', '--wait'];
      const killed = run(args, { ATIVO_FAULT: point });
      expect(killed.signal).toBe('SIGKILL');
      const again = run(args);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(kind === 'terms' ? /is now offered at 0\.02 ETH/ : /is off sale/);

      const cert = JSON.parse(run(['certificate', '1']).stdout) as Certificate;
      const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
      try {
        const registry = await RegistryClient.open(sb.conn, v1.chain.registry);
        const events = await registry.events(0);
        if (kind === 'terms') {
          expect(events.filter((e) => e.name === 'TermsUpdated')).toHaveLength(1);
          expect((await registry.asset(1n))?.price).toBe(2n * 10n ** 16n);
          expect(cert.license.price).toBe('20000000000000000');
          expect(cert.chain).toEqual(v1.chain); // the same registration, re-certified
          expect(cert.signature).not.toBe(v1.signature);
        } else {
          expect(events.filter((e) => e.name === 'SaleChanged')).toHaveLength(1);
          expect((await registry.asset(1n))?.forSale).toBe(false);
          expect(cert.signature).toBe(v1.signature); // a listing change certifies nothing new
        }
      } finally {
        await sb.stop();
      }
    });
  }
});
