/**
 * Setting a network up (issue 15): network.set with its checks against the chain (RPC reachable,
 * chain id, an AtivoRegistry at the address), what deploying a registry costs, and the deployment.
 * Apart from networks.ts (the profiles), so listing the catalog never loads ethers.
 */
import { getAddress } from 'ethers';
import type { NetworkName as NetworkNameValue } from '../catalog/networks';
import { balanceOf } from '../chain/client';
import { checkRegistry, prepareRegistryDeploy, quoteRegistryDeploy } from '../chain/deploy';
import { isChainError } from '../chain/errors';
import { connectChain, type ChainConnection } from '../chain/provider';
import { broadcastTx, waitForTx, withAccountLock } from '../chain/tx';
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';
import type { CommandOutput, NetworkProfile } from './contract';
import { FIELD_WORDS, describeMissing } from './networks';
import { ethText } from '../util/format';

type Field = NetworkProfile['missing'][number];


const describeMissingWords = (fields: readonly Field[]): string => fields.map((f) => FIELD_WORDS[f].words).join(' and ');

/** A profile's settings are checked against the chain before they are saved; this long at most per request. */
const CHECK_TIMEOUT_MS = 10_000;
const TITLE: Record<NetworkNameValue, string> = { sandbox: 'Sandbox', testnet: 'Testnet', mainnet: 'Mainnet' };
type Remote = Exclude<NetworkNameValue, 'sandbox'>;

/** The catalog setting holding a signed registry deployment until it is mined (see deployRegistry). */
export const deploySettingKey = (name: Remote): string => `registryDeploy.${name}`;
export interface DeployRecord {
  chainId: number;
  from: string;
  hash: string;
  raw: string;
  address: string;
}
const isDeployRecord = (v: unknown): v is DeployRecord =>
  typeof v === 'object' && v !== null && ['from', 'hash', 'raw', 'address'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string') && typeof (v as { chainId?: unknown }).chainId === 'number';

/** Connects to a profile's RPC and checks its chain id, or says (per surface) why its settings were not saved / cannot be used. */
async function connectProfile(rpcUrl: string, chainId: number | null, after: string): Promise<ChainConnection> {
  let conn: ChainConnection;
  try {
    conn = await connectChain(rpcUrl, { timeoutMs: CHECK_TIMEOUT_MS });
  } catch (e) {
    const code = isChainError(e) ? e.code : 'UNREACHABLE';
    const what =
      code === 'RPC_ERROR'
        ? `The server at ${rpcUrl} did not answer as an Ethereum RPC endpoint: check the RPC URL.`
        : `Ativo could not reach ${rpcUrl}: check the RPC URL and your connection.`;
    throw new AtivoError('NOT_CONFIGURED', `${what}${after}`, { cause: e });
  }
  if (chainId !== null && conn.chainId !== BigInt(chainId)) {
    conn.close();
    throw new AtivoError('INVALID_INPUT', `The chain at ${rpcUrl} has chain id ${conn.chainId}, not ${chainId}: check the chain id and the RPC URL.${after}`, {
      fields: [{ field: 'chainId', message: `must be ${conn.chainId} for that RPC URL` }],
      cli: `The chain at ${rpcUrl} has chain id ${conn.chainId}, not ${chainId}: check --chain-id and --rpc.${after}`,
    });
  }
  return conn;
}

/** Refuses an address that holds no AtivoRegistry of this version. */
async function mustBeRegistry(conn: ChainConnection, name: Remote, address: string, after: string): Promise<void> {
  const found = await checkRegistry(conn, address);
  if (found.kind === 'ok') return;
  const head =
    found.kind === 'no-code'
      ? `There is no contract at ${address} on chain ${conn.chainId}`
      : `The contract at ${address} is not an AtivoRegistry of this version of Ativo`;
  throw new AtivoError('INVALID_INPUT', `${head}: check the address, or leave it empty and deploy a registry.${after}`, {
    fields: [{ field: 'registry', message: 'must be the address of an AtivoRegistry on that chain' }],
    cli: `${head}: check --registry, or leave it out and deploy one with ativo network deploy-registry --network ${name}.${after}`,
  });
}

export type NetworkCommand = 'network.set' | 'network.registryQuote' | 'network.deployRegistry';

/** Saving a profile (checked against its chain first) and deploying a registry on it. */
export function createNetworkService(ctx: BackendContext): FeatureService<NetworkCommand> {
  const { networks, catalog } = ctx;
  const inFlight = new Map<Remote, Promise<CommandOutput<'network.deployRegistry'>>>();

  /** The profile's RPC URL and chain id, connected; or NOT_CONFIGURED saying what to add. */
  const open = async (name: Remote): Promise<{ conn: ChainConnection; chainId: number; rpcUrl: string }> => {
    const p = networks.profile(name);
    if (p.rpcUrl === null || p.chainId === null) {
      const need = p.missing.filter((f) => f === 'rpcUrl' || f === 'chainId');
      throw new AtivoError('NOT_CONFIGURED', `Add ${describeMissingWords(need)} of the ${name} network in its settings first: the registry is deployed on that chain.`, {
        cli: `The ${name} profile needs ${describeMissing(need)} first: ativo network set ${name} …`,
      });
    }
    const conn = await connectProfile(p.rpcUrl, p.chainId, '');
    return { conn, chainId: p.chainId, rpcUrl: p.rpcUrl };
  };

  const pendingRecord = (name: Remote, chainId: number): DeployRecord | null => {
    const r = catalog.networks.setting(deploySettingKey(name));
    return isDeployRecord(r) && r.chainId === chainId ? r : null;
  };

  /** Waits for a sent deployment, checks the registry is there, and saves its address in the profile. */
  const finish = async (name: Remote, conn: ChainConnection, rec: DeployRecord, sentNow: boolean): Promise<CommandOutput<'network.deployRegistry'>> => {
    const receipt = await waitForTx(conn, rec.hash, { action: 'deploy' });
    const address = getAddress(receipt.contractAddress ?? rec.address);
    await mustBeRegistry(conn, name, address, '');
    networks.set({ name, registry: address });
    catalog.networks.setSetting(deploySettingKey(name), null);
    ctx.emit('settings.changed', { what: 'network' });
    return { network: name, address, txHash: rec.hash, blockNumber: receipt.blockNumber, sentNow };
  };

  const deploy = async (name: Remote, maxFeeWei: bigint): Promise<CommandOutput<'network.deployRegistry'>> => {
    const { conn, chainId } = await open(name);
    try {
      const earlier = pendingRecord(name, chainId);
      if (earlier !== null) {
        // Sent before a crash or a lost connection: the same transaction again (a no-op when the chain has it), never a second registry.
        try {
          await broadcastTx(conn, { raw: earlier.raw, hash: earlier.hash, action: 'deploy', from: earlier.from });
          return await finish(name, conn, earlier, false);
        } catch (e) {
          // Replaced or dropped (its nonce was used by another transaction): nothing was deployed; a new one is sent below.
          if (!(isChainError(e) && (e.code === 'NONCE' || e.code === 'TX_NOT_FOUND'))) throw e;
          catalog.networks.setSetting(deploySettingKey(name), null);
        }
      }
      const has = networks.profile(name).registry;
      if (has !== null) throw new AtivoError('INVALID_INPUT', `The ${name} network has a registry already (${has}): nothing was deployed. Assets certified on it stay where they are.`);
      const from = (await ctx.wallets.current()).address;
      const [quote, balance] = await Promise.all([quoteRegistryDeploy(conn, from), balanceOf(conn, from)]);
      if (quote.feeWei > (maxFeeWei * 6n) / 5n) {
        throw new AtivoError('INVALID_INPUT', `Deploying the registry now costs up to ${ethText(quote.feeWei, true)}, more than the ${ethText(maxFeeWei, true)} you confirmed: nothing was sent. Check the new fee and confirm again.`);
      }
      if (balance < quote.feeWei) {
        throw new AtivoError('INVALID_INPUT', `Deploying the registry costs up to ${ethText(quote.feeWei, true)} and the wallet in use has ${ethText(balance)}: add at least ${ethText(quote.feeWei - balance, true)} to it on ${name}, then deploy again. Nothing was sent.`);
      }
      const signer = await ctx.wallets.vault.signer(from, conn.provider);
      const rec = await withAccountLock(conn, from, async () => {
        const prepared = await prepareRegistryDeploy(conn, signer);
        const r: DeployRecord = { chainId, from: prepared.from, hash: prepared.hash, raw: prepared.raw, address: prepared.address };
        // Saved before it is sent: a crash after the broadcast resumes this transaction.
        catalog.networks.setSetting(deploySettingKey(name), r);
        await broadcastTx(conn, prepared);
        return r;
      });
      return await finish(name, conn, rec, true);
    } finally {
      conn.close();
    }
  };

  return {
    handlers: {
      'network.set': async (input) => {
        const changesChain = input.rpcUrl !== undefined || input.chainId !== undefined || input.registry !== undefined;
        if (input.name !== 'sandbox' && changesChain) {
          const cur = networks.profile(input.name);
          const rpcUrl = input.rpcUrl ?? cur.rpcUrl;
          const chainId = input.chainId ?? cur.chainId;
          const registry = input.registry ?? cur.registry;
          if (rpcUrl !== null) {
            const after = ` The ${TITLE[input.name]} settings were not saved.`;
            const conn = await connectProfile(rpcUrl, chainId, after);
            try {
              if (registry !== null) await mustBeRegistry(conn, input.name, registry, after);
            } finally {
              conn.close();
            }
          }
        }
        const saved = networks.set(input);
        ctx.emit('settings.changed', { what: 'network' });
        return saved;
      },
      'network.registryQuote': async ({ name }) => {
        const { conn, chainId, rpcUrl } = await open(name);
        try {
          const from = (await ctx.wallets.current()).address;
          const [quote, balance] = await Promise.all([quoteRegistryDeploy(conn, from), balanceOf(conn, from)]);
          const pending = pendingRecord(name, chainId);
          return {
            network: name,
            chainId,
            rpcUrl,
            from,
            feeWei: quote.feeWei.toString(),
            balanceWei: balance.toString(),
            enough: balance >= quote.feeWei,
            pending: pending === null ? null : { txHash: pending.hash, address: pending.address },
          };
        } finally {
          conn.close();
        }
      },
      'network.deployRegistry': ({ name, maxFeeWei }) => {
        const running = inFlight.get(name);
        if (running) return running;
        const p = deploy(name, BigInt(maxFeeWei)).finally(() => inFlight.delete(name));
        inFlight.set(name, p);
        return p;
      },
    },
  };
}

