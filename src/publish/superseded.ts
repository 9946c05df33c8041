/**
 * When a certificate's terms were superseded on chain (issue 14): the owner changed the token's
 * terms (updateTerms) after the certificate's were in force. Read from the registry's own
 * events, so any verifier can tell "true until <date>" from "never true".
 */
import { toBeHex, zeroPadValue } from 'ethers';
import { parseRegistryLogs, registryTopic, type RegistryClient } from '../chain/client';

const strip0x = (s: string): string => s.replace(/^0x/i, '').toLowerCase();

/**
 * The time (unix seconds) and new price of the terms change that replaced `termsHash` at `price`
 * on token `tokenId`, or null when the token never had those terms (then the certificate is
 * simply wrong).
 */
export async function supersededBy(registry: RegistryClient, tokenId: bigint, termsHash: string, price: bigint, fromBlock: number): Promise<{ at: number; price: bigint } | null> {
  const provider = registry.conn.provider;
  const logs = await provider.getLogs({
    address: registry.address,
    fromBlock: Math.max(0, fromBlock),
    toBlock: 'latest',
    topics: [[registryTopic('Registered'), registryTopic('TermsUpdated')], zeroPadValue(toBeHex(tokenId), 32)],
  });
  let inForce = false;
  let replaced: { block: number; price: bigint } | null = null;
  for (const e of parseRegistryLogs(logs, registry.address)) {
    if (e.name !== 'Registered' && e.name !== 'TermsUpdated') continue;
    const mine = strip0x(e.termsHash) === strip0x(termsHash) && e.price === price;
    if (mine) {
      inForce = true;
      replaced = null;
    } else if (inForce && replaced === null && e.name === 'TermsUpdated') {
      replaced = { block: e.blockNumber, price: e.price };
    }
  }
  if (replaced === null) return null;
  const block = await provider.getBlock(replaced.block);
  return { at: block?.timestamp ?? 0, price: replaced.price };
}
