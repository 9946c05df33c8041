/**
 * Grants (DESIGN.md, "Private assets and grants"): approving a request age-encrypts the
 * asset's identity to the requester's X25519 recipient. The plaintext is a small JSON
 * envelope, so a grant is self-describing and can also be opened with the age CLI
 * (`age -d -i key.txt grant.age` prints the JSON):
 *
 *   {"v":1,"type":"ativo.grant","identity":"AGE-SECRET-KEY-1…","assetId":"…","contentRoot":"…","accessPeriod":"86400"}
 *
 * `accessPeriod` (seconds, "0" = perpetual; issue 14) is the access period the request was made
 * under: the access ends that long after the approval (the registry records the exact end).
 *
 * Grants are a few hundred bytes, so they go through typage's whole-buffer API unchanged.
 */
import { Decrypter, Encrypter, armor } from 'age-encryption';
import type { Identity } from 'age-encryption';
import { parseIdentity, parseRecipient } from './age';
import { CryptoError, CRYPTO_MESSAGES } from './errors';

export const GRANT_VERSION = 1;
export const GRANT_TYPE = 'ativo.grant';
const MAX_GRANT_BYTES = 64 * 1024;
const MAX_FIELD = 200;

export interface GrantInfo {
  /** Asset id (catalog/registry id), when the grantor included it. */
  assetId?: string;
  /** Content root (hex sha256) of the asset, when the grantor included it. */
  contentRoot?: string;
  /** Seconds the access lasts from the approval ("0" = perpetual), when the grantor included it. */
  accessPeriod?: string;
}

export interface GrantEnvelope extends GrantInfo {
  v: typeof GRANT_VERSION;
  type: typeof GRANT_TYPE;
  /** The asset's age identity (AGE-SECRET-KEY-1…). */
  identity: string;
}

const invalidGrant = (detail: string, cause?: unknown): CryptoError =>
  new CryptoError('INVALID_GRANT', `This is not a valid Ativo grant: ${detail}.`, cause === undefined ? undefined : { cause });

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const hasControlChars = (v: string): boolean => CONTROL_CHARS.test(v);

function checkInfo(info: GrantInfo): GrantInfo {
  const out: GrantInfo = {};
  for (const k of ['assetId', 'contentRoot', 'accessPeriod'] as const) {
    const v = info[k];
    if (v === undefined) continue;
    if (k === 'accessPeriod' && (typeof v !== 'string' || !/^\d{1,20}$/.test(v))) throw new CryptoError('INVALID_GRANT', "The grant's accessPeriod must be a whole number of seconds.");
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FIELD || hasControlChars(v)) {
      throw new CryptoError('INVALID_GRANT', `The grant's ${k} must be a non-empty single-line string of at most ${MAX_FIELD} characters.`);
    }
    out[k] = v;
  }
  return out;
}

/**
 * A grant: `assetIdentity` (and optional asset id / content root) encrypted to
 * `requesterRecipient`. Returns the binary age file (armor it with typage's
 * `armor.encode` if text is needed; openGrant reads both).
 */
export async function createGrant(assetIdentity: string, requesterRecipient: string, info: GrantInfo = {}): Promise<Uint8Array> {
  const identity = parseIdentity(assetIdentity);
  const recipient = parseRecipient(requesterRecipient);
  const envelope: GrantEnvelope = { v: GRANT_VERSION, type: GRANT_TYPE, identity, ...checkInfo(info) };
  const e = new Encrypter();
  e.addRecipient(recipient);
  return await e.encrypt(JSON.stringify(envelope));
}

/**
 * Opens a grant (binary bytes, or the armored text) with the requester's identity and
 * returns the whole envelope. Throws CryptoError GRANT_WRONG_KEY ("This grant was made for
 * another key.") or INVALID_GRANT.
 */
export async function readGrant(grant: Uint8Array | string, requesterIdentity: string): Promise<GrantEnvelope> {
  const id = parseIdentity(requesterIdentity);
  const bytes = grantBytes(grant);
  const seen = { noMatch: false };
  const d = new Decrypter();
  d.addIdentity(id);
  const sentinel: Identity = {
    unwrapFileKey: () => {
      seen.noMatch = true;
      return null;
    },
  };
  d.addIdentity(sentinel);
  let text: string;
  try {
    text = await d.decrypt(bytes, 'text');
  } catch (e) {
    if (seen.noMatch) throw new CryptoError('GRANT_WRONG_KEY', CRYPTO_MESSAGES.GRANT_WRONG_KEY);
    throw invalidGrant('it is damaged or not an age file', e);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw invalidGrant('its content is not an Ativo grant envelope', e);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidGrant('its content is not an Ativo grant envelope');
  const o = parsed as Record<string, unknown>;
  if (o.type !== GRANT_TYPE) throw invalidGrant('its content is not an Ativo grant envelope');
  if (o.v !== GRANT_VERSION) throw invalidGrant(`unsupported grant version (this Ativo reads version ${GRANT_VERSION}; update Ativo)`);
  if (typeof o.identity !== 'string') throw invalidGrant('it holds no asset identity');
  let identity: string;
  try {
    identity = parseIdentity(o.identity);
  } catch (e) {
    throw invalidGrant('the asset identity inside is malformed', e);
  }
  const info = checkInfo({ assetId: o.assetId as string | undefined, contentRoot: o.contentRoot as string | undefined, accessPeriod: o.accessPeriod as string | undefined });
  return { v: GRANT_VERSION, type: GRANT_TYPE, identity, ...info };
}

/**
 * Opens a grant and returns the asset identity. With `expect`, fields the grant carries
 * must equal the expected ones (CryptoError GRANT_MISMATCH otherwise), which catches a grant
 * delivered for the wrong request.
 */
export async function openGrant(grant: Uint8Array | string, requesterIdentity: string, expect: GrantInfo = {}): Promise<string> {
  const env = await readGrant(grant, requesterIdentity);
  for (const k of ['assetId', 'contentRoot'] as const) {
    const want = expect[k];
    const got = env[k];
    // Content roots are hex (case-insensitive); asset ids are compared exactly.
    const same = k === 'contentRoot' ? want?.toLowerCase() === got?.toLowerCase() : want === got;
    if (want !== undefined && got !== undefined && !same) {
      throw new CryptoError('GRANT_MISMATCH', `This grant is for a different asset (its ${k} does not match).`);
    }
  }
  return env.identity;
}

function grantBytes(grant: Uint8Array | string): Uint8Array {
  if (typeof grant === 'string') {
    if (grant.length > MAX_GRANT_BYTES * 2) throw invalidGrant('it is far too large');
    if (!grant.trimStart().startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) throw invalidGrant('text grants must be age-armored');
    try {
      return armor.decode(grant);
    } catch (e) {
      throw invalidGrant('its armor is damaged', e);
    }
  }
  if (!(grant instanceof Uint8Array)) throw invalidGrant('expected bytes or armored text');
  if (grant.length > MAX_GRANT_BYTES) throw invalidGrant('it is far too large');
  // Armored bytes (e.g. a grant file saved as text) are accepted too.
  const head = Buffer.from(grant.subarray(0, 64)).toString('latin1').trimStart();
  if (head.startsWith('-----BEGIN')) return grantBytes(Buffer.from(grant).toString('latin1'));
  return grant;
}
