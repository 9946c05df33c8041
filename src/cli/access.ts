/** `ativo access request|status|fetch`: the requester side of access requests. See issue 6. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Backend } from '../api/backend';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import { formatBytes } from './format';
import { UsageError, type Print } from './usage';

const ID = /^[1-9]\d{0,77}$/;
const TERMS_HASH = /^(0x)?[0-9a-fA-F]{64}$/;
const WEI = /^\d{1,78}$/;

/** What a request accepts: the token, and the license terms (and price, from a certificate) the person read. */
interface Offer {
  tokenId: string;
  termsHash: string;
  priceWei?: string;
}

/**
 * The asset an argument names and the terms the person accepts: a certificate file (its terms
 * and price, checked against the current network), or a token id with `--terms-hash`.
 */
async function offerOf(backend: Backend, arg: string, termsHash: string | undefined): Promise<Offer> {
  if (termsHash !== undefined && !TERMS_HASH.test(termsHash)) throw new UsageError(`--terms-hash must be the hash of the license terms you read: 64 hex digits, not "${termsHash}"`);
  if (ID.test(arg)) {
    if (termsHash === undefined) {
      throw new UsageError(
        `say which license terms you accept: give the asset's certificate file (it holds the terms) instead of the token id, or add --terms-hash with the hash of the terms you read: ativo access request ${arg} --terms-hash 0x…`,
      );
    }
    return { tokenId: arg, termsHash };
  }
  if (/^\d+$/.test(arg)) throw new UsageError(`"${arg}" is not an asset token id (token ids start at 1)`);
  let cert: unknown;
  try {
    cert = JSON.parse(readFileSync(resolve(arg), 'utf8'));
  } catch (e) {
    throw new UsageError(`give a token id or a certificate file; cannot read ${arg} as a certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = typeof cert === 'object' && cert !== null ? (cert as { chain?: { tokenId?: unknown; chainId?: unknown; registry?: unknown } }).chain : undefined;
  const tokenId = typeof c?.tokenId === 'string' || typeof c?.tokenId === 'number' ? String(c.tokenId) : '';
  if (c === undefined || !ID.test(tokenId)) throw new UsageError(`${arg} is not an Ativo certificate with a token id (chain.tokenId): was the asset registered?`);
  const license = (cert as { license?: { termsHash?: unknown; price?: unknown } }).license;
  const certTerms = typeof license?.termsHash === 'string' && TERMS_HASH.test(license.termsHash) ? license.termsHash : undefined;
  if (certTerms === undefined) throw new UsageError(`${arg} is not an Ativo certificate with license terms (license.termsHash): ask the owner for its certificate`);
  if (termsHash !== undefined && termsHash.replace(/^0x/i, '').toLowerCase() !== certTerms.replace(/^0x/i, '').toLowerCase()) {
    throw new UsageError(`--terms-hash ${termsHash} is not the terms hash of the certificate ${arg} (${certTerms}): give one or the other`);
  }
  const price = typeof license?.price === 'string' && WEI.test(license.price) ? license.price : undefined;
  const s = await backend.call('chain.status', {});
  const chainId = Number(c.chainId);
  const registry = typeof c.registry === 'string' ? c.registry : '';
  if (chainId !== s.chainId || registry.toLowerCase() !== (s.registry ?? '').toLowerCase()) {
    throw new AtivoError(
      'INVALID_INPUT',
      `The certificate ${arg} is for chain ${String(c.chainId)} (registry ${registry || '?'}), but Ativo is on ${s.network} (chain ${s.chainId}, registry ${s.registry ?? 'none'}): switch to the certificate's network (\`ativo network use …\`) and request again. Nothing was paid.`,
    );
  }
  return { tokenId, termsHash: certTerms, ...(price !== undefined ? { priceWei: price } : {}) };
}

function requestIdOf(arg: string | undefined, usage: string): string {
  if (arg === undefined) throw new UsageError(`give the request id: ${usage}`);
  if (!ID.test(arg)) throw new UsageError(`"${arg}" is not a request id (a positive whole number, as \`ativo access request\` printed)`);
  return arg;
}

export async function accessCommand(
  backend: Backend,
  args: string[],
  values: { message?: string | undefined; out?: string | undefined; 'terms-hash'?: string | undefined },
  print: Print,
): Promise<number> {
  const [sub, arg] = args;
  switch (sub) {
    case 'request': {
      if (arg === undefined) throw new UsageError('give the asset: ativo access request <certificate.json|tokenId --terms-hash H> [--message M]');
      const offer = await offerOf(backend, arg, values['terms-hash']);
      const r = await backend.call('access.request', { ...offer, message: values.message ?? '' });
      print(r, () =>
        [
          `Requested access to asset #${r.tokenId}: request #${r.requestId}.`,
          `Paid ${ethText(r.amountWei)} into escrow from ${r.requester} (tx ${r.txHash}); it goes to the owner if they approve, back to you if they deny.`,
          `Follow it with: ativo access status ${r.requestId}`,
        ].join('\n'),
      );
      return 0;
    }
    case 'status': {
      const requestId = requestIdOf(arg, 'ativo access status <requestId>');
      const s = await backend.call('access.status', { requestId });
      print(s, () => {
        const next: Record<typeof s.state, string> = {
          pending: `waiting for the owner's answer`,
          expired: `the owner has not answered in time: cancel it to get your payment back (ativo access cancel ${s.requestId})`,
          approved: `approved: ativo access fetch ${s.requestId} --out <dir>`,
          denied: `denied${s.reason !== null && s.reason.trim() !== '' ? `: ${s.reason}` : ' (no reason given)'}; the payment was credited back to ${s.requester}'s withdrawable balance`,
          cancelled: 'cancelled; the payment was credited back to the requester',
        };
        return [
          `request #${s.requestId}  ${s.state}`,
          `  asset         #${s.tokenId}`,
          `  requester     ${s.requester}`,
          `  paid          ${ethText(s.amountWei)}`,
          `  asked         ${s.createdAt}`,
          `  cancellable   from ${s.cancellableAt}`,
          ...(s.grantId !== null ? [`  grant         ${s.grantId}`] : []),
          ...(s.expiresAt !== null ? [`  access ends   ${s.expiresAt} (files fetched before stay yours)`] : []),
          `  ${next[s.state]}`,
        ].join('\n');
      });
      return 0;
    }
    case 'cancel': {
      const requestId = requestIdOf(arg, 'ativo access cancel <requestId>');
      const r = await backend.call('access.cancel', { requestId });
      print(r, () => `Cancelled request #${r.requestId}: ${ethText(r.refundedWei)} is back in your withdrawable balance (now ${ethText(r.withdrawableWei)}; tx ${r.txHash}). Withdraw it with: ativo earnings withdraw`);
      return 0;
    }
    case 'fetch': {
      const requestId = requestIdOf(arg, 'ativo access fetch <requestId> --out <dir>');
      if (values.out === undefined || values.out === '') throw new UsageError('say where to put the files: ativo access fetch <requestId> --out <dir> (a new or empty folder)');
      const r = await backend.call('access.fetch', { requestId, out: resolve(values.out) });
      print(r, () => `Fetched ${r.files} file(s), ${formatBytes(r.bytes)}, into ${r.out}; their content root ${r.contentRoot} matches the registration.`);
      return 0;
    }
    case undefined:
      throw new UsageError('ativo access request|status|cancel|fetch (see `ativo --help`)');
    default:
      throw new UsageError(`unknown access command "${sub}" (request, status, cancel or fetch)`);
  }
}
