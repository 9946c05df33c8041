/** Network profiles, the chain's status, and the sandbox's test ETH. */
import { parseEther } from 'ethers';
import { onChain } from '../chain/provider';
import type { BackendContext, FeatureService } from './context';
import { addressOrCurrent, announce } from './wallets-feature';

/** network.set, with its checks, and deploying a registry live in network-setup.ts (createNetworkService). */
export type NetworksCommand = 'network.list' | 'network.use' | 'chain.status' | 'sandbox.fund';

export function createNetworksService(ctx: BackendContext): FeatureService<NetworksCommand> {
  const { networks, chain } = ctx;
  return {
    handlers: {
      'network.list': () => Promise.resolve(networks.state()),
      'network.use': (input) => Promise.resolve(announce(ctx, 'network', networks.use(input.name))),
      'chain.status': async () => {
        const h = await chain.chain();
        const blockNumber = await onChain(h.conn, () => h.conn.provider.getBlockNumber());
        return { network: h.network, rpcUrl: h.rpcUrl, chainId: h.chainId, registry: h.registryAddress, storageUrl: h.storageUrl, blockNumber, mode: h.mode, notices: h.notices };
      },
      'sandbox.fund': async (input) => {
        const address = await addressOrCurrent(ctx, input.address);
        const txHash = await chain.fund(address, parseEther(input.ether));
        return { address, txHash, ether: input.ether };
      },
    },
  };
}
