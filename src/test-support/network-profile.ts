/**
 * Test setup only: a testnet/mainnet profile written straight into a data dir's catalog, as it
 * was saved while its network answered. `network.set` checks the RPC and the registry before it
 * saves (src/api/networks.ts), so a test of what happens when a saved network later goes away
 * (or its endpoint now serves another chain) writes the profile this way. The catalog is opened
 * beside a running backend or `ativo serve`, as a second Ativo process would.
 */
import { join } from 'node:path';
import { Catalog } from '../catalog/db';

export function writeSavedProfile(
  dataDir: string,
  p: { name: 'testnet' | 'mainnet'; rpcUrl: string; chainId: number; registry: string; storageUrl?: string },
): void {
  const catalog = Catalog.open(join(dataDir, 'catalog.sqlite'));
  try {
    const storageUrl = p.storageUrl ?? catalog.networks.get(p.name)?.storageUrl ?? (p.name === 'testnet' ? 'https://devnet.irys.xyz' : 'https://uploader.irys.xyz');
    catalog.networks.put({ name: p.name, rpcUrl: p.rpcUrl, chainId: p.chainId, registry: p.registry, storageUrl, updatedAt: new Date().toISOString() });
  } finally {
    catalog.close();
  }
}
