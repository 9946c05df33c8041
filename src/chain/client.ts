/**
 * Typed client for the AtivoRegistry contract over a JSON-RPC endpoint (ethers v6).
 *
 * Writes return as soon as the node accepted the transaction (`Sent`, with its hash) so the
 * caller can record the hash before waiting; `sent.wait()` then resolves to the decoded result.
 * After a crash, `registry.resume(action, hash)` waits for a recorded hash and decodes the
 * same result. Every error is a ChainError whose message is a plain-English sentence.
 */
import { getAddress, getCreateAddress, type Result, type Signer, type TransactionReceipt } from 'ethers';
import {
  DEFAULT_ACCESS_TIMEOUT_SECONDS,
  REGISTRY_BYTECODE,
  assetFromResult,
  asBigInt,
  eventsNamed,
  parseRegistryLogs,
  registryInterface,
  requestFromResult,
  type AccessRequestRecord,
  type AssetRecord,
  type RegistryEvent,
} from './abi';
import { ChainError, toChainError, type RegistryAction } from './errors';
import { onChain, type ChainConnection } from './provider';
import {
  checkAgeRecipient,
  invalid,
  toAddress,
  toBytes32,
  toId,
  toWei,
  type AcceptedTerms,
  type ActionResults,
  type ApproveResult,
  type DeployResult,
  type Mined,
  type RefundResult,
  type RegisterParams,
  type RegisterResult,
  type RequestAccessResult,
  type Sent,
  type SetForSaleResult,
  type UpdateTermsResult,
  type WithdrawResult,
  type WriteAction,
} from './registry-types';
import { sendTx, waitForTx, type PrepareOptions, type PreparedTx, type TxCall, type WaitOptions, prepareTx } from './tx';

export * from './abi';
export * from './errors';
export * from './provider';
export * from './tx';
export * from './registry-types';

// ------------------------------------------------------------------ deploy

export interface DeployOptions extends PrepareOptions {
  /** Seconds before a requester may cancel an unanswered request (default 7 days). */
  accessTimeoutSeconds?: number;
}

/** The deployment transaction's call (creation code + constructor argument). */
export function registryDeployCall(accessTimeoutSeconds = DEFAULT_ACCESS_TIMEOUT_SECONDS): TxCall {
  const args = registryInterface.encodeDeploy([accessTimeoutSeconds]);
  return { data: REGISTRY_BYTECODE + args.slice(2), action: 'deploy' };
}

/**
 * Deploys a registry. The address is known as soon as the transaction is sent (it follows
 * from the sender and nonce); `wait()` confirms the code is there.
 */
export async function deployRegistry(conn: ChainConnection, signer: Signer, opts: DeployOptions = {}): Promise<Sent<DeployResult> & { address: string }> {
  const sent = await sendTx(conn, signer, registryDeployCall(opts.accessTimeoutSeconds), opts);
  const address = getCreateAddress({ from: sent.from, nonce: sent.nonce });
  return {
    hash: sent.hash,
    from: sent.from,
    nonce: sent.nonce,
    raw: sent.raw,
    address,
    wait: async (w) => {
      const receipt = await waitForTx(conn, sent.hash, { action: 'deploy', ...w });
      const at = receipt.contractAddress ?? address;
      return { result: { address: getAddress(at) }, receipt, events: [] };
    },
  };
}

// ------------------------------------------------------------------ registry

export class RegistryClient {
  readonly address: string;

  constructor(
    readonly conn: ChainConnection,
    address: string,
  ) {
    this.address = toAddress(address, 'registry address');
  }

  /** A client for the registry at `address`, after checking there is contract code there. */
  static async open(conn: ChainConnection, address: string): Promise<RegistryClient> {
    const client = new RegistryClient(conn, address);
    const code = await onChain(conn, () => conn.provider.getCode(client.address));
    if (code === '0x') {
      throw new ChainError('NO_REGISTRY', `There is no Ativo registry at ${client.address} on the chain at ${conn.url} (chain id ${conn.chainId}).`, { url: conn.url });
    }
    return client;
  }

  // -------------------------------------------------------------- writes

  register(signer: Signer, p: RegisterParams, opts?: PrepareOptions): Promise<Sent<RegisterResult>> {
    return this.write(signer, () => this.calls.register(p), opts);
  }
  /** Asks for access under `terms` (the terms hash and price the requester read), paying that price. */
  requestAccess(signer: Signer, tokenId: bigint | number, recipient: string, terms: AcceptedTerms, opts?: PrepareOptions & { message?: string }): Promise<Sent<RequestAccessResult>> {
    return this.write(signer, () => this.calls.requestAccess(tokenId, recipient, terms, opts?.message ?? ''), opts);
  }
  approve(signer: Signer, requestId: bigint | number, grantId: string, opts?: PrepareOptions): Promise<Sent<ApproveResult>> {
    return this.write(signer, () => this.calls.approve(requestId, grantId), opts);
  }
  deny(signer: Signer, requestId: bigint | number, reason: string, opts?: PrepareOptions): Promise<Sent<RefundResult>> {
    return this.write(signer, () => this.calls.deny(requestId, reason), opts);
  }
  cancel(signer: Signer, requestId: bigint | number, opts?: PrepareOptions): Promise<Sent<RefundResult>> {
    return this.write(signer, () => this.calls.cancel(requestId), opts);
  }
  withdraw(signer: Signer, opts?: PrepareOptions): Promise<Sent<WithdrawResult>> {
    return this.write(signer, () => this.calls.withdraw(), opts);
  }
  withdrawTo(signer: Signer, to: string, opts?: PrepareOptions): Promise<Sent<WithdrawResult>> {
    return this.write(signer, () => this.calls.withdrawTo(to), opts);
  }
  updateTerms(signer: Signer, tokenId: bigint | number, termsHash: string, price: bigint, opts?: PrepareOptions): Promise<Sent<UpdateTermsResult>> {
    return this.write(signer, () => this.calls.updateTerms(tokenId, termsHash, price), opts);
  }
  setForSale(signer: Signer, tokenId: bigint | number, forSale: boolean, opts?: PrepareOptions): Promise<Sent<SetForSaleResult>> {
    return this.write(signer, () => this.calls.setForSale(tokenId, forSale), opts);
  }

  /**
   * The encoded calls, for callers that sign and broadcast themselves (`prepareTx` +
   * `broadcastTx`) to record a transaction before it is sent.
   */
  readonly calls = {
    register: (p: RegisterParams): TxCall & { action: 'register' } => {
      const contentRoot = toBytes32(p.contentRoot, 'content root');
      const termsHash = toBytes32(p.termsHash, 'terms hash');
      const payees = p.split.map((s, i) => toAddress(s.payee, `payee ${i + 1}`));
      const bps = p.split.map((s) => {
        if (!Number.isInteger(s.bps) || s.bps < 0 || s.bps > 0xffff) throw invalid(`A share must be a whole number of basis points, not ${s.bps}.`);
        return s.bps;
      });
      const period = p.accessPeriodSeconds ?? 0;
      if (!Number.isSafeInteger(period) || period < 0) throw invalid(`The access period must be a whole number of seconds (0 for perpetual), not ${period}.`);
      if (p.previousTokenId !== undefined) {
        // A new version: the same terms as register, plus an empty consent (enough when the split is unchanged).
        const terms = { termsHash, price: toWei(p.price, 'price'), accessPeriod: period, payees, bps };
        return this.call('register', [toId(p.previousTokenId, 'previous asset id'), contentRoot, p.manifestId, terms, { nonce: 0n, deadline: 0n, signers: [], signatures: [] }], 0n, 'registerVersion');
      }
      return this.call('register', [contentRoot, p.manifestId, termsHash, toWei(p.price, 'price'), payees, bps, period]);
    },
    requestAccess: (tokenId: bigint | number, recipient: string, terms: AcceptedTerms, message = ''): TxCall & { action: 'requestAccess' } => {
      if (new TextEncoder().encode(message).length > 1024) throw invalid('The message to the owner is too long: keep it under 1024 bytes.');
      const termsHash = toBytes32(terms.termsHash, 'terms hash');
      return this.call('requestAccess', [toId(tokenId, 'asset id'), checkAgeRecipient(recipient), message, termsHash], toWei(terms.price, 'payment'));
    },
    approve: (requestId: bigint | number, grantId: string): TxCall & { action: 'approve' } =>
      this.call('approve', [toId(requestId, 'request id'), grantId], 0n, 'approve(uint256,string)'),
    deny: (requestId: bigint | number, reason: string): TxCall & { action: 'deny' } => this.call('deny', [toId(requestId, 'request id'), reason]),
    cancel: (requestId: bigint | number): TxCall & { action: 'cancel' } => this.call('cancel', [toId(requestId, 'request id')]),
    withdraw: (): TxCall & { action: 'withdraw' } => this.call('withdraw', []),
    withdrawTo: (to: string): TxCall & { action: 'withdrawTo' } => this.call('withdrawTo', [toAddress(to, 'destination')]),
    updateTerms: (tokenId: bigint | number, termsHash: string, price: bigint): TxCall & { action: 'updateTerms' } =>
      this.call('updateTerms', [toId(tokenId, 'asset id'), toBytes32(termsHash, 'terms hash'), toWei(price, 'price')]),
    setForSale: (tokenId: bigint | number, forSale: boolean): TxCall & { action: 'setForSale' } => this.call('setForSale', [toId(tokenId, 'asset id'), forSale]),
  };

  /** Signs a write without sending it (see tx.ts). */
  prepare(signer: Signer, call: TxCall, opts?: PrepareOptions): Promise<PreparedTx> {
    return prepareTx(this.conn, signer, call, opts);
  }

  /** Waits for a transaction recorded earlier and decodes its result as `action`. */
  async resume<A extends WriteAction>(action: A, hash: string, opts?: WaitOptions): Promise<Mined<ActionResults[A]>> {
    const receipt = await waitForTx(this.conn, hash, { action, ...opts });
    return this.decode(action, receipt);
  }

  /** Decodes a mined transaction's result as `action`. */
  decode<A extends WriteAction>(action: A, receipt: TransactionReceipt): Mined<ActionResults[A]> {
    const events = parseRegistryLogs(receipt.logs, this.address);
    const missing = (name: string) =>
      new ChainError('UNKNOWN', `Transaction ${receipt.hash} has no ${name} event from the registry at ${this.address}; it is not a ${action} on this registry.`, {
        url: this.conn.url,
        txHash: receipt.hash,
      });
    const one = <N extends RegistryEvent['name']>(name: N) => {
      const e = eventsNamed(events, name)[0];
      if (e === undefined) throw missing(name);
      return e;
    };
    let result: ActionResults[WriteAction];
    switch (action) {
      case 'register':
        result = { tokenId: one('Registered').tokenId };
        break;
      case 'requestAccess': {
        const e = one('AccessRequested');
        result = { requestId: e.requestId, tokenId: e.tokenId, amount: e.amount };
        break;
      }
      case 'approve': {
        const e = one('AccessGranted');
        result = {
          requestId: e.requestId,
          tokenId: e.tokenId,
          amount: e.amount,
          credits: eventsNamed(events, 'Credited').map((c) => ({ payee: c.payee, amount: c.amount })),
        };
        break;
      }
      case 'deny':
      case 'cancel': {
        const e = one('Refunded');
        result = { requestId: e.requestId, refunded: e.amount };
        break;
      }
      case 'withdraw':
      case 'withdrawTo': {
        const e = one('Withdrawn');
        result = { account: e.account, to: e.to, amount: e.amount };
        break;
      }
      case 'updateTerms': {
        const e = one('TermsUpdated');
        result = { tokenId: e.tokenId, termsHash: e.termsHash, price: e.price };
        break;
      }
      case 'setForSale': {
        const e = one('SaleChanged');
        result = { tokenId: e.tokenId, forSale: e.forSale };
        break;
      }
      default:
        throw new ChainError('INVALID_ARGUMENT', `Unknown registry action "${String(action)}".`);
    }
    return { result: result as ActionResults[A], receipt, events };
  }

  // -------------------------------------------------------------- reads

  /** An asset's registration, or null if the token does not exist. */
  async asset(tokenId: bigint | number): Promise<AssetRecord | null> {
    const id = toId(tokenId, 'asset id');
    const r = await this.readOrNull('assetOf', [id], 'ERC721NonexistentToken');
    return r === null ? null : assetFromResult(id, r.getValue('info') as Result);
  }

  /** The asset registered for a content root, or null. */
  async tokenOfContentRoot(contentRoot: string): Promise<bigint | null> {
    const id = asBigInt((await this.read('tokenOfContentRoot', [toBytes32(contentRoot, 'content root')]))[0]);
    return id === 0n ? null : id;
  }

  /** An access request, or null if it does not exist. */
  async request(requestId: bigint | number): Promise<AccessRequestRecord | null> {
    const id = toId(requestId, 'request id');
    const r = await this.readOrNull('requestOf', [id], 'UnknownRequest');
    return r === null ? null : requestFromResult(id, r.getValue('info') as Result);
  }

  /** Wei credited to `account` (payouts and refunds) and not yet withdrawn. */
  async withdrawable(account: string): Promise<bigint> {
    return asBigInt((await this.read('withdrawable', [toAddress(account, 'account')]))[0]);
  }

  async ownerOf(tokenId: bigint | number): Promise<string | null> {
    const r = await this.readOrNull('ownerOf', [toId(tokenId, 'asset id')], 'ERC721NonexistentToken');
    return r === null ? null : (r[0] as string);
  }

  /** Seconds a request waits before its requester may cancel it. */
  async accessTimeout(): Promise<number> {
    return Number(asBigInt((await this.read('accessTimeout', []))[0]));
  }

  async tokenCount(): Promise<bigint> {
    return asBigInt((await this.read('tokenCount', []))[0]);
  }

  async requestCount(): Promise<bigint> {
    return asBigInt((await this.read('requestCount', []))[0]);
  }

  /** The contract's ether and how it is owed: balance should equal escrowed + withdrawable. */
  async totals(): Promise<{ balance: bigint; escrowed: bigint; withdrawable: bigint }> {
    const [balance, escrowed, withdrawable] = await Promise.all([
      onChain(this.conn, () => this.conn.provider.getBalance(this.address)),
      this.read('totalEscrowed', []).then((r) => asBigInt(r[0])),
      this.read('totalWithdrawable', []).then((r) => asBigInt(r[0])),
    ]);
    return { balance, escrowed, withdrawable };
  }

  /** The registry's events in a block range (inclusive), decoded. */
  async events(fromBlock: number, toBlock: number | 'latest' = 'latest'): Promise<RegistryEvent[]> {
    const logs = await onChain(this.conn, () => this.conn.provider.getLogs({ address: this.address, fromBlock, toBlock }));
    return parseRegistryLogs(logs, this.address);
  }

  // -------------------------------------------------------------- internals

  private call<A extends RegistryAction>(action: A, args: unknown[], value = 0n, signature: string = action): TxCall & { action: A } {
    return { to: this.address, data: registryInterface.encodeFunctionData(signature, args), value, action };
  }

  /** `build` runs inside the promise, so invalid input rejects rather than throws. */
  private async write<A extends WriteAction>(signer: Signer, build: () => TxCall & { action: A }, opts?: PrepareOptions): Promise<Sent<ActionResults[A]>> {
    const call = build();
    const sent = await sendTx(this.conn, signer, call, opts);
    return {
      hash: sent.hash,
      from: sent.from,
      nonce: sent.nonce,
      raw: sent.raw,
      wait: (w) => this.resume(call.action, sent.hash, w),
    };
  }

  private async read(fn: string, args: unknown[]): Promise<Result> {
    const data = registryInterface.encodeFunctionData(fn, args);
    return onChain(
      this.conn,
      async () => registryInterface.decodeFunctionResult(fn, await this.conn.provider.call({ to: this.address, data })),
      'read',
    );
  }

  private async readOrNull(fn: string, args: unknown[], notFoundError: string): Promise<Result | null> {
    try {
      return await this.read(fn, args);
    } catch (e) {
      const err = toChainError(e, { url: this.conn.url });
      if (err.code === 'REVERTED' && err.details.revert?.name === notFoundError) return null;
      throw err;
    }
  }
}

/** The ether balance of any account, in wei. */
export async function balanceOf(conn: ChainConnection, account: string): Promise<bigint> {
  const address = toAddress(account, 'account');
  return onChain(conn, () => conn.provider.getBalance(address));
}

/** Sends plain ether (e.g. from a dev account to a new wallet). */
export async function sendEther(conn: ChainConnection, signer: Signer, to: string, amountWei: bigint, opts?: PrepareOptions): Promise<Sent<{ to: string; amount: bigint }>> {
  const address = toAddress(to, 'recipient');
  const sent = await sendTx(conn, signer, { to: address, data: '0x', value: toWei(amountWei, 'amount'), action: 'transfer' }, opts);
  return {
    ...sent,
    wait: async (w) => {
      const receipt = await waitForTx(conn, sent.hash, { action: 'transfer', ...w });
      return { result: { to: address, amount: amountWei }, receipt, events: [] };
    },
  };
}
