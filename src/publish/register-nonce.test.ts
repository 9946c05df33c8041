/**
 * Issue 12: the `register` step recovers like the other durable sends. Its signed transaction is
 * saved before it is broadcast; when the process dies in between and the wallet's next send
 * (here: funding the storage balance) takes that nonce, the saved transaction can never be
 * mined. The publication must notice, look at the registry, sign a new registration, and finish
 * with exactly one registration — not retry a dead transaction until it gives up.
 *
 * Real parts: the `ativo` CLI (killed by the pipeline's fault point, SIGKILL), the keychain, the
 * sandbox anvil and storage node over HTTP.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/register-nonce.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Certificate } from '../chain/certificate';
import { RegistryClient } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('the register step when its saved transaction can never be mined', () => {
  const { run, dir, dataDir } = useCliSandbox('register-nonce');

  it('killed between saving and sending it, its nonce then taken by another send: a new registration, exactly one', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'set');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.bin'), randomBytes(20_000));
    writeFileSync(join(folder, 'b.txt'), `nonce ${randomBytes(4).toString('hex')}\n`);
    const wallet = JSON.parse(run(['wallet', 'create', '--json']).stdout) as { address: string };
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);

    const killed = run(['publish', String(asset.id), '--wait'], { ATIVO_FAULT: 'publish:after-tx-saved' });
    expect(killed.signal).toBe('SIGKILL');
    const nonceOf = async (): Promise<number> => {
      const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
      try {
        return await sb.conn.provider.getTransactionCount(wallet.address, 'latest');
      } finally {
        await sb.stop();
      }
    };
    const before = await nonceOf();
    // The wallet's next transaction takes the nonce the saved registration was signed with.
    expect(run(['storage', 'fund', '--ether', '0.001']).status).toBe(0);
    expect(await nonceOf()).toBe(before + 1);

    const done = run(['publish', String(asset.id), '--wait', '--json']);
    expect(done.stderr).toBe('');
    const cert = JSON.parse(done.stdout) as Certificate;
    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    try {
      const registry = await RegistryClient.open(sb.conn, cert.chain.registry);
      const registered = (await registry.events(0)).filter((e) => e.name === 'Registered');
      expect(registered).toHaveLength(1);
      expect(registered[0]?.transactionHash).toBe(cert.chain.txHash);
      expect((await registry.asset(BigInt(cert.chain.tokenId)))?.manifestId).toBe(cert.storage.manifestId);
      expect(await sb.conn.provider.getTransactionCount(wallet.address, 'latest')).toBe(before + 2); // the funding, one registration
    } finally {
      await sb.stop();
    }
  });
});
