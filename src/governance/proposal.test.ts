/**
 * Proposals on a real storage node, checked against a real registry on anvil (issue 17): a valid
 * proposal and its payees' signatures are found by tags and accepted, and they really pass
 * changeTerms; forged signatures, a non-payee's signature, a stale nonce, an expired deadline and
 * a node serving tampered bytes are ignored. The tampering node is an HTTP proxy in front of the
 * real node (a real node never alters what it stores; this is how altered bytes arrive).
 */
import { createServer, type Server } from 'node:http';
import { Wallet, type Result } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, deployRegistry, registryInterface, sendTx, waitForTx } from '../chain/client';
import { hex32 } from '../chain/test-utils';
import { termsHash } from '../publish/pipeline';
import { devPrivateKey, startStorageTestEnv, type StorageTestEnv } from '../storage/testing';
import type { StorageClient } from '../storage/client';
import { answerProposal, checkProposal, consentedBps, signProposal, type ProposalDoc, type TokenState } from './proposal';
import { findItems, readProposals, storeDocument, tokenState } from './store';

let env: StorageTestEnv;
let registry: RegistryClient;
let owner: Wallet, partner: Wallet, stranger: Wallet;
let ownerStore: StorageClient, partnerStore: StorageClient, strangerStore: StorageClient;
let chainId: number;
const PRICE = 10n ** 16n;

beforeAll(async () => {
  env = await startStorageTestEnv();
  const w = (i: number): Wallet => new Wallet(devPrivateKey(i), env.conn.provider);
  [owner, partner, stranger] = [w(1), w(2), w(3)];
  registry = await RegistryClient.open(env.conn, (await (await deployRegistry(env.conn, w(0))).wait()).result.address);
  chainId = Number((await env.conn.provider.getNetwork()).chainId);
  [ownerStore, partnerStore, strangerStore] = await Promise.all([env.client(1), env.client(2), env.client(3)]);
  for (const s of [ownerStore, partnerStore, strangerStore]) await env.fund(s, '0.05');
}, 120_000);
afterAll(async () => {
  await env.stop();
});

async function send(by: Wallet, fn: string, args: unknown[]): Promise<void> {
  const action = fn === 'changeTerms' ? 'changeTerms' : 'setConsentRule';
  const sent = await sendTx(env.conn, by, { to: registry.address, data: registryInterface.encodeFunctionData(fn, args), action });
  await waitForTx(env.conn, sent.hash, { action });
}

/** A token split owner 70% / partner 30% under the rule "all payees". */
async function token(label: string): Promise<string> {
  const m = await (await registry.register(owner, { contentRoot: hex32(`root-${label}`), manifestId: `m-${label}`, termsHash: termsHash(`terms ${label}`), price: PRICE, split: [{ payee: owner.address, bps: 7_000 }, { payee: partner.address, bps: 3_000 }] })).wait();
  await send(owner, 'setConsentRule', [m.result.tokenId, 10_000]);
  return m.result.tokenId.toString();
}

async function state(tokenId: string): Promise<TokenState> {
  const t = await tokenState(env.conn, registry, chainId, tokenId);
  if (t === null) throw new Error('no token');
  return t;
}

async function propose(by: Wallet, t: TokenState, label: string, price = PRICE * 2n, over: Partial<ProposalDoc> = {}): Promise<ProposalDoc> {
  const text = `terms ${label}`;
  return signProposal(by, {
    chainId,
    registry: registry.address,
    tokenId: t.tokenId,
    contentRoot: t.contentRoot,
    terms: { termsHash: termsHash(text), price: price.toString(), accessPeriod: 0, payees: [owner.address, partner.address], bps: [7_000, 3_000] },
    license: 'custom',
    termsText: text,
    nonce: t.nonce,
    deadline: t.now + 3600,
    createdAt: new Date().toISOString(),
    ...over,
  });
}

const found = async (t: TokenState, url = env.node.url) => readProposals(url, env.conn, t, await findItems(url, chainId, registry.address, [t.tokenId]));

const read = async (fn: string, args: unknown[]): Promise<Result> =>
  registryInterface.decodeFunctionResult(fn, await env.conn.provider.call({ to: registry.address, data: registryInterface.encodeFunctionData(fn, args) }));

describe('proposals between apps', () => {
  it('a proposal and the partner signature are found by tags, checked, and pass changeTerms; then they are stale', { timeout: 120_000 }, async () => {
    const id = await token('ok');
    const t = await state(id);
    const p = await propose(owner, t, 'ok-2');
    await storeDocument(ownerStore, env.dir, owner.address, p);
    let r = await found(t);
    expect(r.proposals).toHaveLength(1);
    expect(r.proposals[0]?.answers).toEqual([]);

    await storeDocument(partnerStore, env.dir, partner.address, await answerProposal(partner, p, 'sign', new Date().toISOString()));
    r = await found(t);
    const open = r.proposals[0]!;
    expect(open.answers.map((a) => [a.doc.signer, a.doc.decision])).toEqual([[partner.address, 'sign']]);
    expect(consentedBps(t, [owner.address, ...open.answers.map((a) => a.doc.signer)])).toBe(10_000);

    // The collected signature is exactly what the contract accepts.
    const terms = { ...p.terms, price: BigInt(p.terms.price) };
    await send(owner, 'changeTerms', [BigInt(id), terms, { nonce: BigInt(p.nonce), deadline: BigInt(p.deadline), signers: [partner.address], signatures: [open.answers[0]!.doc.signature] }]);
    expect((await registry.asset(BigInt(id)))?.price).toBe(PRICE * 2n);

    // The nonce moved: the same proposal read again is stale, so ignored.
    const after = await state(id);
    expect(after.nonce).toBe('1');
    r = await found(after);
    expect(r.proposals).toEqual([]);
    expect(r.ignored.map((i) => i.why)).toContain('it was made for an earlier state of the terms (stale nonce)');
  });

  it('ignores a forged author, a non-payee signature or decline, an expired proposal and a stranger’s proposal', { timeout: 120_000 }, async () => {
    const id = await token('attacks');
    const t = await state(id);
    const good = await propose(owner, t, 'attacks-2');
    await storeDocument(ownerStore, env.dir, owner.address, good);

    // Forged: the stranger signs but names the partner as the author.
    const forged = { ...(await propose(stranger, t, 'forged', PRICE / 2n)), author: partner.address };
    expect(checkProposal(forged, t)).toEqual({ ok: false, why: 'its signature is not its author’s' });
    await storeDocument(strangerStore, env.dir, stranger.address, forged);
    // A stranger's own proposal: validly signed, but not by a payee or the owner.
    await storeDocument(strangerStore, env.dir, stranger.address, await propose(stranger, t, 'stranger', 1n));
    // Expired (deadline already past on chain).
    await storeDocument(ownerStore, env.dir, owner.address, await propose(owner, t, 'expired', PRICE * 3n, { deadline: t.now - 1 }));
    // Answers: the stranger signs and declines (not a payee); a signature claiming to be the partner's, made by the stranger.
    await storeDocument(strangerStore, env.dir, stranger.address, await answerProposal(stranger, good, 'sign', 'x'));
    await storeDocument(strangerStore, env.dir, stranger.address, await answerProposal(stranger, good, 'decline', 'x'));
    await storeDocument(strangerStore, env.dir, stranger.address, { ...(await answerProposal(stranger, good, 'sign', 'x')), signer: partner.address });

    const r = await found(t);
    expect(r.proposals.map((p) => p.doc.terms.price)).toEqual([(PRICE * 2n).toString()]);
    expect(r.proposals[0]?.answers).toEqual([]);
    expect(r.ignored.map((i) => i.why).sort()).toEqual(
      [
        'its signature is not its author’s',
        'its author is neither the owner nor a payee',
        'it expired',
        'its signer is not a payee',
        'its signer is not a payee',
        'its signature is not its signer’s',
      ].sort(),
    );

    // The partner declines: a valid decline counts as an answer, not as consent.
    await storeDocument(partnerStore, env.dir, partner.address, await answerProposal(partner, good, 'decline', 'x'));
    const d = await found(t);
    expect(d.proposals[0]?.answers.map((a) => a.doc.decision)).toEqual(['decline']);
    // And the contract agrees with our digest.
    const v = (await read('governanceOf', [BigInt(id)]))[1] as bigint;
    expect(v.toString()).toBe(t.nonce);
  });

  it('ignores a proposal a hostile node altered (a lower price under the owner’s signature)', { timeout: 120_000 }, async () => {
    const id = await token('tamper');
    const t = await state(id);
    const p = await propose(owner, t, 'tamper-2');
    const itemId = await storeDocument(ownerStore, env.dir, owner.address, p);
    const upstream = env.node.url;
    // NODE STUB: passes every request through, but serves the proposal's bytes with another price.
    const server: Server = createServer((req, res) => {
      void (async () => {
        const body = await new Promise<Buffer>((ok) => {
          const parts: Buffer[] = [];
          req.on('data', (d: Buffer) => parts.push(d));
          req.on('end', () => {
            ok(Buffer.concat(parts));
          });
        });
        const up = await fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(req.method === 'POST' ? { body } : {}) });
        let out = Buffer.from(await up.arrayBuffer());
        if (req.url === `/${itemId}`) out = Buffer.from(JSON.stringify({ ...p, terms: { ...p.terms, price: '1' } }));
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream', 'content-length': out.length });
        res.end(out);
      })();
    });
    await new Promise<void>((ok) => {
      server.listen(0, '127.0.0.1', ok);
    });
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    try {
      const r = await found(t, url);
      expect(r.proposals).toEqual([]);
      expect(r.ignored).toEqual([{ itemId, why: 'its signature is not its author’s' }]);
      expect((await found(t)).proposals).toHaveLength(1); // the real node's bytes are fine
    } finally {
      await new Promise<void>((ok) => {
        server.close(() => {
          ok();
        });
      });
    }
  });
});
