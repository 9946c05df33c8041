/**
 * Reading secrets (private keys, recovery phrases, passwords) for the CLI: never from
 * command-line arguments (other users can see those in `ps`), only from a pipe, an
 * environment variable set by the caller, or a prompt that does not echo.
 */
import { stdin, stderr } from 'node:process';

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A prompt on the terminal with no echo. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return;
        }
        if (ch === '\u0003') {
          done(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Reads one secret: from stdin when piped, else a hidden prompt. */
export async function readSecret(question: string): Promise<string> {
  if (!stdin.isTTY) return (await readAllStdin()).trim();
  return (await promptHidden(question)).trim();
}

/** A new password: env var, else the first line of stdin, else asked twice on the terminal. */
export async function readNewPassword(envVar: string): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!stdin.isTTY) return ((await readAllStdin()).split('\n')[0] ?? '').replace(/\r$/, '');
  const a = await promptHidden('Password for the keystore file: ');
  const b = await promptHidden('Repeat it: ');
  if (a !== b) throw new Error('the two passwords differ');
  return a;
}
