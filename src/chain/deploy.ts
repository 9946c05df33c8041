/**
 * The AtivoRegistry on a network Ativo does not run itself (testnet, mainnet): is the contract at
 * an address this version's registry, what does deploying one cost, and the deployment itself
 * (prepared and signed first, so a caller can save it before it is broadcast).
 *
 * Which contract sits at an address is read from its runtime code: solc's dispatcher pushes the
 * 4-byte selector of every external function (PUSH4, or shorter when it starts with zero bytes),
 * so the registry's code holds all of them; the runtime code is not compared byte for byte
 * because its immutable `accessTimeout` differs per deployment. A view call then confirms it.
 */
import { getCreateAddress, type Signer } from 'ethers';
import { registryInterface, TOTAL_BPS } from './abi';
import { registryDeployCall } from './client';
import { toChainError } from './errors';
import type { ChainConnection } from './provider';
import { prepareTx, type PreparedTx } from './tx';

export type RegistryCheck = { kind: 'ok' } | { kind: 'no-code' } | { kind: 'other' };

/** The dispatcher's pushes of every external function's selector (hex, no 0x, leading zero bytes dropped). */
const SELECTOR_PUSHES: string[] = (() => {
  const out: string[] = [];
  registryInterface.forEachFunction((f) => {
    let hex = f.selector.slice(2);
    while (hex.startsWith('00') && hex.length > 2) hex = hex.slice(2);
    const len = hex.length / 2;
    // PUSH1 = 0x60 … PUSH4 = 0x63
    out.push((0x5f + len).toString(16) + hex);
  });
  return out;
})();

/** Whether the contract at `address` is this version's AtivoRegistry (its code, then one view call). */
export async function checkRegistry(conn: ChainConnection, address: string): Promise<RegistryCheck> {
  let code: string;
  try {
    code = (await conn.provider.getCode(address)).toLowerCase();
  } catch (e) {
    throw toChainError(e, { url: conn.url });
  }
  if (code === '0x') return { kind: 'no-code' };
  if (!SELECTOR_PUSHES.every((p) => code.includes(p))) return { kind: 'other' };
  try {
    const data = registryInterface.encodeFunctionData('TOTAL_BPS', []);
    const answer = await conn.provider.call({ to: address, data });
    const [bps] = registryInterface.decodeFunctionResult('TOTAL_BPS', answer) as unknown as [bigint];
    return bps === BigInt(TOTAL_BPS) ? { kind: 'ok' } : { kind: 'other' };
  } catch {
    return { kind: 'other' };
  }
}

export interface DeployQuote {
  /** Gas the deployment is signed with (the estimate plus the margin src/chain/tx.ts adds). */
  gasLimit: bigint;
  /** The most one unit of gas may cost now (the fee cap, or the legacy gas price). */
  feePerGas: bigint;
  /** The most the deployment can cost: what the wallet must hold. */
  feeWei: bigint;
}

/** What deploying a registry from `from` costs at most, now. */
export async function quoteRegistryDeploy(conn: ChainConnection, from: string, accessTimeoutSeconds?: number): Promise<DeployQuote> {
  const call = registryDeployCall(accessTimeoutSeconds);
  try {
    const [estimate, fee] = await Promise.all([conn.provider.estimateGas({ from, data: call.data }), conn.provider.getFeeData()]);
    const gasLimit = (estimate * 12n) / 10n + 10_000n;
    const feePerGas = fee.maxFeePerGas ?? fee.gasPrice ?? 0n;
    return { gasLimit, feePerGas, feeWei: gasLimit * feePerGas };
  } catch (e) {
    throw toChainError(e, { url: conn.url, action: 'deploy', from });
  }
}

/** A signed, not yet broadcast deployment, and the address the registry will have. */
export interface PreparedDeploy extends PreparedTx {
  address: string;
}

/** Signs a registry deployment without sending it (broadcast it with broadcastTx, wait with waitForTx). */
export async function prepareRegistryDeploy(conn: ChainConnection, signer: Signer, accessTimeoutSeconds?: number): Promise<PreparedDeploy> {
  const prepared = await prepareTx(conn, signer, registryDeployCall(accessTimeoutSeconds));
  return { ...prepared, address: getCreateAddress({ from: prepared.from, nonce: prepared.nonce }) };
}
