/**
 * The backend host: the one process that opens the catalog and runs the backend (SQLite,
 * hashing, encryption, uploads, the chain, background jobs) for the desktop app.
 *
 * Electron main starts it with `utilityProcess.fork` and sends it a MessagePort
 * (`{ type: 'port' }` with the port transferred); under plain Node it is forked with an IPC
 * channel (child_process.fork), which is how the tests run it. Either way it speaks the
 * protocol in host-protocol.ts. Options come from the environment, as for the app before:
 * ATIVO_DATA_DIR, ATIVO_KEYCHAIN_PREFIX (tests), ATIVO_SQLITE_BINDING (Electron's ABI).
 *
 * This module is an entry point: importing it starts a host.
 */
import { createBackend } from './backend';
import { nodeProcessTransport, parentPortTransport, serveBackend, type ParentPortLike } from './host-protocol';

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;

async function main(): Promise<void> {
  const transport = parentPort !== undefined ? await parentPortTransport(parentPort) : process.send !== undefined ? nodeProcessTransport() : null;
  if (transport === null) {
    console.error('The Ativo backend host runs under the desktop app (or a process that forks it with an IPC channel); it cannot be started on its own.');
    process.exit(2);
  }
  const opening = createBackend({
    ...(process.env.ATIVO_DATA_DIR ? { dataDir: process.env.ATIVO_DATA_DIR } : {}),
    // Tests use a keychain prefix of their own so they never touch the person's real entries.
    ...(process.env.ATIVO_KEYCHAIN_PREFIX ? { keychainPrefix: process.env.ATIVO_KEYCHAIN_PREFIX } : {}),
  });
  serveBackend(opening, transport, () => {
    // Give the last posted messages a moment to leave, then go.
    setTimeout(() => process.exit(0), 50);
  });
}

void main();
