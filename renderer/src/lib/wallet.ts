/** Display helpers for wallets and networks (no secrets ever pass through here). */
import type { NetworkName, NetworkProfile, WalletInfo } from '../api/client';

/** `0x7099…79C8`: enough to recognize an address; the full one goes in a title / copy. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function walletName(w: Pick<WalletInfo, 'label'>): string {
  return w.label.trim() !== '' ? w.label : 'Unnamed wallet';
}

export const SOURCE_TEXT: Record<WalletInfo['source'], string> = {
  created: 'Created in Ativo',
  'private-key': 'Imported from a private key',
  mnemonic: 'Imported from a recovery phrase',
};

/**
 * An ETH amount as the backend formats it (ethers' formatEther: "110.0", "0.000021"),
 * cut (never rounded up) to `decimals` places for display; `exact` is true when nothing was cut.
 */
export function formatEth(ether: string, decimals = 6): { text: string; exact: boolean } {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(ether);
  if (m === null) return { text: ether, exact: true };
  const [, sign = '', int = '0', frac = ''] = m;
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const trimmed = frac.replace(/0+$/, '');
  const cut = trimmed.slice(0, decimals);
  return { text: `${sign}${grouped}.${cut === '' ? '0' : cut}`, exact: cut.length === trimmed.length };
}

export const NETWORK_TITLE: Record<NetworkName, string> = {
  sandbox: 'Sandbox',
  testnet: 'Testnet',
  mainnet: 'Mainnet',
};

export const NETWORK_DESCRIPTION: Record<NetworkName, string> = {
  sandbox: 'A local chain and storage node on this computer: works offline; test ETH is free.',
  testnet: 'A public EVM test chain you choose, with Irys devnet storage. Test tokens have no value: a safe place to rehearse.',
  mainnet: 'A live EVM chain with Irys mainnet storage. Certificates are permanent, and gas and storage cost real money.',
};

const FIELD_WORDS: Record<NetworkProfile['missing'][number], string> = {
  rpcUrl: 'an RPC URL',
  chainId: 'the chain id',
  registry: 'the AtivoRegistry address on that chain',
  storageUrl: 'the storage node URL',
};

/** What a profile still needs, in words for this screen. */
export function missingText(p: Pick<NetworkProfile, 'missing'>): string {
  const items = p.missing.map((m) => FIELD_WORDS[m]);
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Splits a keychain message into its advice and the native "(Details: …)" tail. */
export function splitDetails(message: string): { main: string; details: string | null } {
  const i = message.lastIndexOf(' (Details: ');
  if (i < 0 || !message.endsWith(')')) return { main: message, details: null };
  return { main: message.slice(0, i), details: message.slice(i + ' (Details: '.length, -1) };
}

/** Saves `text` as a file through a Blob and a temporary <a download> (browser and Electron). */
export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some engines: give it time.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}
