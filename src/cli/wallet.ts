/** `ativo wallet list|create|import|export|balance|use|remove`: wallets in the OS keychain. */
import { resolve } from 'node:path';
import type { Backend } from '../api/backend';
import type { WalletState } from '../api/contract';
import type { CommandContext } from './args';
import { table } from './format';
import { readNewPassword, readSecret } from './secrets';
import { UsageError, type Print } from './usage';

function describeWallets(s: WalletState): string {
  if (s.wallets.length === 0) return 'No wallet yet. Create one: ativo wallet create (or import: ativo wallet import < key.txt)';
  return table(
    ['', 'ADDRESS', 'LABEL', 'SOURCE', 'CREATED'],
    s.wallets.map((w) => [w.address === s.current ? '*' : '', w.address, w.label, w.source, w.createdAt.slice(0, 10)]),
  );
}

async function walletCommand(
  backend: Backend,
  args: string[],
  values: { label?: string | undefined; mnemonic?: boolean | undefined; path?: string | undefined; out?: string | undefined },
  print: Print,
): Promise<number> {
  const [sub, address] = args;
  const needAddress = (): string => {
    if (address === undefined) throw new UsageError(`give the wallet address: ativo wallet ${sub ?? ''} <address>`);
    return address;
  };
  switch (sub) {
    case undefined:
    case 'list': {
      const s = await backend.call('wallet.list', {});
      print(s, () => describeWallets(s));
      return 0;
    }
    case 'create': {
      const w = await backend.call('wallet.create', { label: values.label });
      print(w, () => `Created wallet ${w.address}. Its key is in the OS keychain; back it up with: ativo wallet export ${w.address} --out wallet.json`);
      return 0;
    }
    case 'import': {
      const secret = await readSecret(values.mnemonic === true ? 'Recovery phrase: ' : 'Private key (hex): ');
      if (secret === '') throw new UsageError(`pipe the ${values.mnemonic === true ? 'recovery phrase' : 'private key'} on stdin, or run in a terminal to be asked`);
      const w = await backend.call('wallet.import', values.mnemonic === true ? { mnemonic: secret, path: values.path, label: values.label } : { privateKey: secret, label: values.label });
      print(w, () => `Imported wallet ${w.address} into the OS keychain.`);
      return 0;
    }
    case 'export': {
      const a = needAddress();
      const password = await readNewPassword('ATIVO_WALLET_PASSWORD');
      // The backend writes the file (0600, never over an existing one); no key material comes back.
      const r = await backend.call('wallet.export', { address: a, password, ...(values.out !== undefined ? { path: resolve(values.out) } : {}) });
      print({ address: r.address, file: r.path }, () => `Wrote the encrypted keystore of ${r.address} to ${r.path}.`);
      return 0;
    }
    case 'balance': {
      const b = await backend.call('wallet.balance', { address });
      print(b, () => `${b.address}: ${b.ether} ETH on ${b.network} (chain ${b.chainId})`);
      return 0;
    }
    case 'use': {
      const s = await backend.call('wallet.use', { address: needAddress() });
      print(s, () => `Now using ${s.current ?? ''}.`);
      return 0;
    }
    case 'remove': {
      const r = await backend.call('wallet.remove', { address: needAddress() });
      print(r, () => `Removed ${r.address} from the keychain.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown wallet command "${sub}" (list, create, import, export, balance, use, remove)`);
  }
}

export const walletEntry = ({ backend, args, values, print }: CommandContext): Promise<number> => walletCommand(backend, args, values, print);
