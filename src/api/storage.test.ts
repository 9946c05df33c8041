/**
 * Funding storage from a wallet that cannot pay for it, through the real backend (sandbox anvil,
 * storage node over HTTP, keychain wallet): the person hears what the wallet has and needs, and
 * nothing is sent; a smaller amount it can pay goes through.
 */
import { JsonRpcProvider, toBeHex } from 'ethers';
import { describe, expect, it } from 'vitest';
import { useBackendSandbox } from '../test-support/backend-sandbox';
import { ethText } from '../util/format';

describe('storage.fund from a wallet short of ETH', () => {
  const sb = useBackendSandbox('fund-short');

  it('says the wallet has X ETH and needs about Y ETH, sends nothing, and funds an amount it can pay', async () => {
    const b = sb.backend();
    const w = await b.call('wallet.create', { label: 'poor' });
    const { rpcUrl } = await b.call('chain.status', {});
    const rpc = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
    try {
      // The wallet holds 0.0001 ETH (the case): set on the sandbox chain itself.
      await rpc.send('anvil_setBalance', [w.address, toBeHex(10n ** 14n)]);
      const before = await b.call('storage.status', {});
      const nonce = await rpc.getTransactionCount(w.address);
      const fee = ((await rpc.getFeeData()).maxFeePerGas ?? 0n) * 35_200n; // a transfer's gas with the send path's margin
      expect(fee).toBeGreaterThan(0n);

      const r = await b.invoke('storage.fund', { ether: '0.01' });
      expect(r).toEqual({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `Your wallet has 0.0001 ETH, but adding 0.01 ETH to your storage balance needs about ${ethText(10n ** 16n + fee, true)} (the amount plus the network fee). Nothing was sent. Get test ETH on the Wallet screen, or fund a smaller amount.`,
          cli: `Your wallet has 0.0001 ETH, but adding 0.01 ETH to your storage balance needs about ${ethText(10n ** 16n + fee, true)} (the amount plus the network fee). Nothing was sent. Get test ETH with ativo sandbox fund, or fund a smaller amount.`,
        },
      });
      expect(await rpc.getTransactionCount(w.address)).toBe(nonce);
      expect(await rpc.getBalance(w.address)).toBe(10n ** 14n);
      expect((await b.call('storage.status', {})).balance.atomic).toBe(before.balance.atomic);

      // With more ETH, an amount it can pay (with its fee) is funded.
      await rpc.send('anvil_setBalance', [w.address, toBeHex(10n ** 15n)]);
      const ok = await b.call('storage.fund', { ether: '0.00001' });
      expect(ok.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      const after = await b.call('storage.status', {});
      expect(BigInt(after.balance.atomic) - BigInt(before.balance.atomic)).toBe(10n ** 13n);
    } finally {
      rpc.destroy();
    }
  });
});
