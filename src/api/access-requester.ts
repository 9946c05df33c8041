/** Access requests, requester side: request, status, fetch (issue 6). */
import { AtivoError } from '../util/errors';
import type { BackendContext, Handlers } from './context';

export type RequesterCommand = 'access.request' | 'access.status' | 'access.fetch';

const todo = (): Promise<never> => Promise.reject(new AtivoError('NOT_CONFIGURED', 'Access requests are not built yet.'));

export function createRequesterHandlers(_ctx: BackendContext): Pick<Handlers, RequesterCommand> {
  return {
    'access.request': todo,
    'access.status': todo,
    'access.fetch': todo,
  };
}
