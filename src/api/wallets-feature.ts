/** Wallets: create, import, export, remove, choose, and read a balance. */
import { toResultError } from './public-errors';
import type { BackendContext, FeatureService } from './context';

export type WalletsCommand = 'wallet.list' | 'wallet.create' | 'wallet.import' | 'wallet.export' | 'wallet.remove' | 'wallet.use' | 'wallet.balance';

/** The given address, or the current wallet's. */
export const addressOrCurrent = async (ctx: BackendContext, a: string | undefined): Promise<string> => a ?? (await ctx.wallets.current()).address;

/** Tells every shell that wallets or network profiles changed, and passes `value` on. */
export const announce = <T>(ctx: BackendContext, what: 'wallet' | 'network', value: T): T => {
  ctx.emit('settings.changed', { what });
  return value;
};

export function createWalletsService(ctx: BackendContext): FeatureService<WalletsCommand> {
  const { wallets, chain, networks } = ctx;
  /** On the sandbox a new wallet gets test ETH; a chain that cannot start must not fail the wallet itself. */
  const withStarterFunds = async <T>(w: T): Promise<T> => {
    if (networks.current() === 'sandbox') await chain.starterFunds().catch((e: unknown) => {
      console.error(`ativo: could not give the new wallet sandbox ETH: ${toResultError(e).message}`);
    });
    return w;
  };
  return {
    handlers: {
      'wallet.list': () => wallets.state(),
      'wallet.create': async (input) => announce(ctx, 'wallet', await withStarterFunds(await wallets.create(input.label))),
      'wallet.import': async (input) => announce(ctx, 'wallet', await withStarterFunds(await wallets.import(input))),
      'wallet.export': (input) => wallets.exportToFile(input, ctx.exportsDir),
      'wallet.remove': async (input) => announce(ctx, 'wallet', await wallets.remove(input.address)),
      'wallet.use': async (input) => announce(ctx, 'wallet', await withStarterFunds(await wallets.use(input.address))),
      'wallet.balance': async (input) => chain.balance(await addressOrCurrent(ctx, input.address)),
    },
  };
}
