/**
 * How a new version is registered (issue 17). A token whose contributors set a consent rule
 * (governanceOf: payees holding at least N% must agree to changes) gets its next version through
 * registerVersion: the new token names the previous one and inherits the rule, and the contract
 * refuses a changed split without the payees' signatures. Without a rule (the owner alone), a new
 * version is a plain registration, as before.
 *
 * Decision: under a rule, a version with another split is refused here, before anything is sent,
 * with the way forward (propose the split on the asset page, then publish with it). The split
 * agreed through a proposal (changeTerms on the previous token) is the previous token's split, so
 * the version published after it passes.
 */
import type { Wallet } from 'ethers';
import { registryInterface, sendTx, waitForTx, type ChainConnection, type RegistryClient } from '../chain/client';
import { consentRuleOf } from '../governance/store';
import { PermanentJobError } from '../jobs';

export interface VersionLinkInput {
  name: string;
  owner: string;
  previous: { contentRoot: string; tokenId: string | null } | undefined;
  split: readonly { address: string; bps: number }[];
}

const lower = (s: string): string => s.toLowerCase();
const TOKEN_ID = /^[1-9][0-9]{0,77}$/;

/** The previous token to register this version under (registerVersion), or undefined for a plain registration. */
export async function versionLink(conn: ChainConnection, registry: RegistryClient, v: VersionLinkInput): Promise<bigint | undefined> {
  const prev = v.previous?.tokenId;
  if (v.previous === undefined || prev === null || prev === undefined || !TOKEN_ID.test(prev)) return undefined;
  const id = BigInt(prev);
  const a = await registry.asset(id);
  // Not this owner's previous version on this registry (another network's token, or transferred): a plain registration.
  if (a === null || lower(a.owner) !== lower(v.owner) || lower(a.contentRoot.replace(/^0x/, '')) !== lower(v.previous.contentRoot)) return undefined;
  const rule = await consentRuleOf(conn, registry.address, prev);
  if (rule === 0) return undefined;
  const same = a.split.length === v.split.length && a.split.every((s, i) => lower(s.payee) === lower(v.split[i]?.address ?? '') && s.bps === v.split[i]?.bps);
  if (!same) {
    const who = rule >= 10_000 ? 'every payee' : `payees holding at least ${rule / 100}% of it`;
    throw new PermanentJobError(
      `The split of ${v.name} can change only with the agreement of ${who}, as its contributors agreed. Nothing was registered: publish this version with the current split, or propose the new split on the asset page and publish once it is agreed.`,
    );
  }
  return id;
}

/**
 * Sets the consent rule chosen at publish on the new token (setConsentRule), unless the token has
 * that rule or a stricter one already (inherited from the version before, or set by an earlier
 * run of this step). Run again after a crash, it reads the chain first; a second send of the same
 * rule is harmless (the contract accepts an equal rule).
 */
export async function applyConsentRule(conn: ChainConnection, registry: RegistryClient, signer: Wallet, tokenId: bigint, bps: number): Promise<void> {
  if ((await consentRuleOf(conn, registry.address, tokenId.toString())) >= bps) return;
  const data = registryInterface.encodeFunctionData('setConsentRule', [tokenId, bps]);
  const sent = await sendTx(conn, signer, { to: registry.address, data, value: 0n, action: 'setConsentRule' });
  await waitForTx(conn, sent.hash, { action: 'setConsentRule' });
}
