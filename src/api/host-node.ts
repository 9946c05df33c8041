/**
 * The backend host as a Node child process (child_process.fork with an IPC channel): the
 * plain-Node counterpart of Electron's utilityProcess, used by the tests and by any Node
 * client that wants the backend out of its own process.
 */
import { fork } from 'node:child_process';
import type { HostHandle } from './supervisor';

export interface ForkedHost extends HostHandle {
  readonly pid: number | undefined;
}

export function forkHost(entry: string, opts: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): ForkedHost {
  const child = fork(entry, [], {
    env: opts.env ?? process.env,
    execArgv: opts.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  let exited = false;
  const exitListeners: ((code: number | null) => void)[] = [];
  const onGone = (code: number | null): void => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(code);
  };
  child.on('exit', onGone);
  // Could not be spawned at all (no 'exit' follows).
  child.on('error', () => {
    if (child.pid === undefined) onGone(null);
  });
  return {
    pid: child.pid,
    post(msg) {
      if (child.connected) child.send(msg);
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
