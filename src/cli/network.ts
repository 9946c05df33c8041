/** `ativo network show|status|use|set` and `ativo sandbox fund`: the network profiles and the sandbox chain. */
import type { Backend } from '../api/backend';
import type { NetworkName, NetworkState } from '../api/contract';
import { describeMissing } from '../api/networks';
import type { CommandContext } from './args';
import { UsageError, type Print } from './usage';
import { deployRegistryCommand } from './network-deploy';

function describeNetworks(s: NetworkState): string {
  return s.profiles
    .map((p) => {
      const head = `${p.name === s.current ? '* ' : '  '}${p.name}${p.missing.length ? '  (not configured)' : ''}`;
      const rows =
        p.name === 'sandbox'
          ? ['    local anvil chain (id 31337) and storage node, managed by Ativo, offline']
          : [
              `    rpc       ${p.rpcUrl ?? '-'}`,
              `    chain id  ${p.chainId === null ? '-' : String(p.chainId)}`,
              `    registry  ${p.registry ?? '-'}`,
              `    storage   ${p.storageUrl ?? '-'}`,
              ...(p.missing.length ? [`    needs     ${describeMissing(p.missing)}`] : []),
            ];
      return [head, ...rows].join('\n');
    })
    .join('\n');
}

async function networkCommand(
  backend: Backend,
  args: string[],
  values: { rpc?: string | undefined; 'chain-id'?: string | undefined; registry?: string | undefined; storage?: string | undefined; network?: string | undefined; yes?: boolean | undefined; json?: boolean | undefined },
  print: Print,
): Promise<number> {
  const [sub, name] = args;
  if (sub === 'deploy-registry') return deployRegistryCommand(backend, values, print, values.json === true);
  const parseName = (): NetworkName => {
    if (name !== 'sandbox' && name !== 'testnet' && name !== 'mainnet') throw new UsageError('name a network: sandbox, testnet or mainnet');
    return name;
  };
  switch (sub) {
    case undefined:
    case 'show': {
      const s = await backend.call('network.list', {});
      print(s, () => describeNetworks(s));
      return 0;
    }
    case 'status': {
      const c = await backend.call('chain.status', {});
      print(c, () =>
        [
          `network   ${c.network}${c.mode === 'sandbox-shared' ? ' (shared with another Ativo process)' : ''}`,
          `rpc       ${c.rpcUrl}`,
          `chain id  ${c.chainId}`,
          `registry  ${c.registry ?? '-'}`,
          `storage   ${c.storageUrl ?? '-'}`,
          `block     ${c.blockNumber}`,
          ...c.notices.map((n) => `note      ${n}`),
        ].join('\n'),
      );
      return 0;
    }
    case 'use': {
      const s = await backend.call('network.use', { name: parseName() });
      print(s, () => `Now using ${s.current}.`);
      return 0;
    }
    case 'set': {
      const n = parseName();
      let chainId: number | undefined;
      if (values['chain-id'] !== undefined) {
        chainId = Number(values['chain-id']);
        if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new UsageError(`--chain-id must be a positive whole number (got "${values['chain-id']}")`);
      }
      const p = await backend.call('network.set', { name: n, rpcUrl: values.rpc, chainId, registry: values.registry, storageUrl: values.storage });
      print(p, () => `Saved the ${p.name} profile.${p.missing.length ? ` Still needed: ${describeMissing(p.missing)}.${p.missing.length === 1 && p.missing[0] === 'registry' ? ` No registry on that chain yet? Deploy one: ativo network deploy-registry --network ${p.name}` : ''}` : ' It is ready: ativo network use ' + p.name}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown network command "${sub}" (show, status, use, set or deploy-registry)`);
  }
}

export async function networkEntry({ backend, command, args, values, print }: CommandContext): Promise<number> {
  if (command === 'network') return networkCommand(backend, args, values, print);
  // ativo sandbox fund [address] [--ether N]
  if (args[0] !== 'fund') throw new UsageError('the sandbox command is: ativo sandbox fund [address] [--ether N]');
  const r = await backend.call('sandbox.fund', { address: args[1], ...(values.ether !== undefined ? { ether: values.ether } : {}) });
  print(r, () => `Sent ${r.ether} test ETH to ${r.address} (tx ${r.txHash}).`);
  return 0;
}
