/**
 * Whether the network Ativo works on answers (issue 15): one answer for the whole window. The
 * top bar (WalletContext) asks the chain every so often and after a change of settings; every
 * screen that needs the chain reads it here to say so and to disable what cannot work.
 */
import { create } from 'zustand';
import type { NetworkName } from '../api/client';
import { NETWORK_TITLE } from '../lib/wallet';

/** 'unknown' until the first answer. */
export type Reach = 'unknown' | 'ok' | 'down';

interface NetworkHealth {
  network: NetworkName | null;
  reach: Reach;
}

export const useNetworkHealthStore = create<NetworkHealth>(() => ({ network: null, reach: 'unknown' }));

export function setReach(network: NetworkName, reach: Reach): void {
  useNetworkHealthStore.setState({ network, reach });
}

export interface NetworkDown {
  /** The network in use does not answer now. */
  down: boolean;
  /** Its name for a person ("Testnet"). */
  title: string;
  /** Why an action is disabled, as a sentence (empty while the network answers). */
  reason: string;
}

/** Whether actions that need the chain must wait, and why. */
export function useNetworkDown(): NetworkDown {
  const network = useNetworkHealthStore((s) => s.network);
  const reach = useNetworkHealthStore((s) => s.reach);
  const title = network === null ? 'The network' : NETWORK_TITLE[network];
  const down = reach === 'down';
  return { down, title, reason: down ? `${title} cannot be reached, so this waits until it answers again: check your connection or the network settings.` : '' };
}
