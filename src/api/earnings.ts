/** Earnings: payouts indexed from chain events, per asset / contributor / period; withdrawal. See issue 7. */
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';

export type EarningsCommand =
  | 'earnings.summary'
  | 'earnings.series'
  | 'earnings.assets'
  | 'earnings.contributors'
  | 'earnings.payouts'
  | 'earnings.csv'
  | 'earnings.reconcile'
  | 'earnings.withdraw';

const todo = (): Promise<never> => Promise.reject(new AtivoError('NOT_CONFIGURED', 'Earnings are not built yet.'));

export function createEarningsService(_ctx: BackendContext): FeatureService<EarningsCommand> {
  return {
    handlers: {
      'earnings.summary': todo,
      'earnings.series': todo,
      'earnings.assets': todo,
      'earnings.contributors': todo,
      'earnings.payouts': todo,
      'earnings.csv': todo,
      'earnings.reconcile': todo,
      'earnings.withdraw': todo,
    },
  };
}
