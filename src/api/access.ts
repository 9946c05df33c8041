/** Access requests: the inbox (owner side), the requester side, and the audit log. See issue 6. */
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';
import { createRequesterHandlers } from './access-requester';

export type AccessCommand =
  | 'access.list'
  | 'access.get'
  | 'access.markRead'
  | 'access.approve'
  | 'access.deny'
  | 'access.setAutoApprove'
  | 'access.sync'
  | 'access.simulateBuyer'
  | 'access.request'
  | 'access.status'
  | 'access.fetch'
  | 'audit.list';

const todo = (): Promise<never> => Promise.reject(new AtivoError('NOT_CONFIGURED', 'Access requests are not built yet.'));

export function createAccessService(ctx: BackendContext): FeatureService<AccessCommand> {
  return {
    handlers: {
      ...createRequesterHandlers(ctx),
      'access.list': todo,
      'access.get': todo,
      'access.markRead': todo,
      'access.approve': todo,
      'access.deny': todo,
      'access.setAutoApprove': todo,
      'access.sync': todo,
      'access.simulateBuyer': todo,
      'audit.list': todo,
    },
  };
}
