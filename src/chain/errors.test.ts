import { createServer, type Server, type Socket } from 'node:net';
import { makeError } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainError, connectChain, createProvider, explainChainError, registryInterface, toChainError, decodeRevert, explainRevert } from './client';

function listen(server: Server): Promise<number> {
  return new Promise((res) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      res(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

describe('unreachable and silent endpoints', () => {
  let deadUrl: string;
  let silentUrl: string;
  const silent = createServer();
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // A port nobody listens on: bind, note the port, close.
    const s = createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    deadUrl = `http://127.0.0.1:${port}`;
    // A server that accepts connections and never answers.
    silent.on('connection', (sock) => {
      sockets.add(sock);
    });
    silentUrl = `http://127.0.0.1:${await listen(silent)}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('a dead RPC says it cannot reach the chain at its URL', async () => {
    const err = await connectChain(deadUrl).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).code).toBe('UNREACHABLE');
    expect(explainChainError(err)).toBe(`Cannot reach the chain at ${deadUrl}: connection refused (is the node running?). Check that the network is running and that its RPC URL is right, then try again.`);
  });

  it('the same through an ethers provider', async () => {
    const provider = createProvider(deadUrl, 31337);
    try {
      const err = await provider.getBlockNumber().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(explainChainError(err, { url: deadUrl })).toBe(`Cannot reach the chain at ${deadUrl}: connection refused (is the node running?). Check that the network is running and that its RPC URL is right, then try again.`);
    } finally {
      provider.destroy();
    }
  });

  it('an endpoint that never answers times out, clearly', async () => {
    const err = await connectChain(silentUrl, { timeoutMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ChainError).code).toBe('TIMEOUT');
    expect(explainChainError(err)).toBe(`The chain at ${silentUrl} did not answer in time. Check that the network is running and that its RPC URL is right, then try again.`);

    const provider = createProvider(silentUrl, 31337, 300);
    try {
      const e2 = await provider.getBlockNumber().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(toChainError(e2, { url: silentUrl }).code).toBe('TIMEOUT');
      expect(explainChainError(e2, { url: silentUrl })).toBe(`The chain at ${silentUrl} did not answer in time. Check that the network is running and that its RPC URL is right, then try again.`);
    } finally {
      provider.destroy();
    }
  });
});

describe('revert decoding', () => {
  const data = (name: string, args: unknown[]) => registryInterface.encodeErrorResult(name, args);

  it('decodes custom errors with their arguments', () => {
    expect(decodeRevert(data('WrongPrice', [10n ** 16n, 5n * 10n ** 15n]))).toMatchObject({ name: 'WrongPrice', args: [10n ** 16n, 5n * 10n ** 15n] });
    expect(explainRevert(decodeRevert(data('WrongPrice', [10n ** 18n, 1n])))).toBe('The price is 1 ETH but 0.000000000000000001 ETH was sent.');
    expect(explainRevert(decodeRevert(data('NotTokenOwner', [3n, '0x0000000000000000000000000000000000000001'])))).toBe('Only the owner of asset #3 can do this.');
    expect(explainRevert(decodeRevert(data('NotTokenOwner', [3n, '0x0000000000000000000000000000000000000001'])), 'deny')).toBe("Only the asset's owner or one of its approvers can decide this request.");
    expect(explainRevert(decodeRevert(data('TooEarly', [1_800_000_000n])))).toBe(
      "This request can be cancelled from 2027-01-15T08:00:00Z; until then the asset's owner still has time to answer it.",
    );
  });

  it('explains the consent and approver reverts in plain sentences', () => {
    const who = '0x0000000000000000000000000000000000000002';
    const say = (name: string, args: unknown[]) => explainRevert(decodeRevert(data(name, args)));
    expect(say('NotEnoughConsent', [4n, 7_000n, 10_000n])).toBe('Payees holding 70% of asset #4 agreed, but its rule needs 100%; collect more signatures before submitting.');
    expect(say('ConsentRequired', [4n])).toBe('Changing the terms of asset #4 needs the agreement of its payees: propose the change, and submit it once enough of them have signed.');
    expect(say('ConsentExpired', [1_800_000_000n])).toBe("The payees' signatures expired at 2027-01-15T08:00:00Z; ask them to sign the change again.");
    expect(say('StaleConsentNonce', [4n, 1n, 0n])).toContain('ask the payees to sign the change again');
    expect(say('BadConsentSignature', [who])).toContain(`The signature of ${who} does not match this exact change`);
    expect(say('NotAPayee', [4n, who])).toBe(`${who} is not a payee of asset #4, so its signature does not count.`);
    expect(say('InvalidConsentRule', [5_000n, 1_250n])).toBe('The consent rule can only be made stricter, up to 100%: it is 50% now and 12.5% was asked.');
    for (const [name, args] of [['SplitFixed', [4n]], ['SignersMismatch', [2n, 1n]], ['DuplicateSigner', [who]]] as const) {
      expect(say(name, [...args])).not.toMatch(/unrecognised|without a reason/);
    }
  });

  it('decodes Error(string), Panic(uint256) and unknown data', () => {
    expect(explainRevert(decodeRevert(data('Error', ['nope'])))).toBe('The transaction was reverted: nope');
    expect(explainRevert(decodeRevert(data('Panic', [0x11n])))).toBe('The contract failed on an arithmetic overflow or underflow (panic 0x11).');
    expect(explainRevert(decodeRevert('0xdeadbeef00'))).toBe('The transaction was reverted by the contract (unrecognised error 0xdeadbeef).');
    expect(explainRevert(decodeRevert('0x'))).toBe('The transaction was reverted without a reason.');
  });

  it('finds the revert data and the action inside an ethers-style error', () => {
    const calldata = registryInterface.encodeFunctionData('approve(uint256,string)', [1n, 'g']);
    const err = Object.assign(new Error('execution reverted'), {
      code: 'CALL_EXCEPTION',
      data: data('NotTokenOwner', [1n, '0x0000000000000000000000000000000000000002']),
      transaction: { to: '0x0000000000000000000000000000000000000003', data: calldata },
    });
    expect(explainChainError(err)).toBe("Only the asset's owner or one of its approvers can decide this request.");
    const nested = new Error('outer', { cause: { error: { code: 3, message: 'execution reverted', data: data('NothingToWithdraw', []) } } });
    expect(explainChainError(nested)).toBe('There is nothing to withdraw for this account.');
  });

  it('anything else still gets a sentence', () => {
    expect(explainChainError(new Error('boom'))).toBe('The request to the chain failed: boom');
    expect(explainChainError('weird', { url: 'http://x' })).toBe('The request to the chain at http://x failed: weird');
  });
  it('maps the errors ethers and the node give for money and ordering to sentences that say what to do', () => {
    // What ethers 6 throws when the node refuses a signed transaction the wallet cannot pay for.
    const from = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const poor = makeError('insufficient funds for intrinsic transaction cost', 'INSUFFICIENT_FUNDS', {
      transaction: { from, to: '0x0000000000000000000000000000000000000003', data: '0x' },
      info: { error: { code: -32003, message: 'insufficient funds for gas * price + value: have 100000000000000 want 10021000000000000' } },
    });
    const e = toChainError(poor);
    expect(e.code).toBe('INSUFFICIENT_FUNDS');
    expect(e.message).toBe(
      `The wallet ${from} does not have enough ETH to pay for this transaction and its network fee. It has 0.0001 ETH and needs about 0.010021 ETH. Add ETH to it, then try again.`,
    );
    expect(e.message).not.toMatch(/transaction=|code=|version=/);

    const nonce = makeError('nonce has already been used', 'NONCE_EXPIRED', { transaction: {} });
    expect(toChainError(nonce).code).toBe('NONCE');
    expect(explainChainError(nonce)).toBe('Another transaction from this wallet was sent at the same moment and took its place in line (its nonce). Nothing was spent twice: try again.');
    expect(explainChainError(new Error('nonce too low: next nonce 5, tx nonce 4'))).toBe(explainChainError(nonce));

    const underpriced = makeError('replacement fee too low', 'REPLACEMENT_UNDERPRICED', { transaction: {} });
    expect(toChainError(underpriced).code).toBe('NONCE');
    expect(explainChainError(underpriced)).toBe(
      'An earlier transaction from this wallet is still waiting to be mined, and this one did not offer a higher fee to replace it. Wait a minute for it to be mined, then try again.',
    );
    expect(explainChainError({ error: { code: -32000, message: 'replacement transaction underpriced' } })).toBe(explainChainError(underpriced));
  });

  it('names a registry revert by what it means, from the raw JSON-RPC error', () => {
    const rpc = { code: 'CALL_EXCEPTION', error: { code: 3, message: 'execution reverted', data: data('BadSplit', [9000n]) } };
    expect(explainChainError(rpc)).toBe('The payout shares must add up to exactly 10000 basis points (100%), but they add up to 9000 (90%).');
  });
});
