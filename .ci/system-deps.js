#!/usr/bin/env node
// The system packages `npm test` needs. Installs the missing ones with apt-get when it can
// (root, Debian/Ubuntu); otherwise prints the one `apt-get install` line and exits 1.
import { execFileSync, spawnSync } from 'node:child_process';

/** command on PATH → Debian package that provides it */
const NEEDED = {
  chromium: 'chromium', // Playwright e2e (never `npx playwright install`)
  'gnome-keyring-daemon': 'gnome-keyring', // the OS keychain, headless
  'dbus-run-session': 'dbus', // a private session bus for the keychain tests
  'secret-tool': 'libsecret-tools', // tests look the wallet up in the keychain
  age: 'age', // encrypted files must decrypt with the age CLI
  sha256sum: 'coreutils', // the content-root reference and the benchmark baseline
  setpriv: 'util-linux', // unreadable-file tests as an unprivileged user
  xargs: 'findutils',
};

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(Object.entries(NEEDED).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg))];
if (missing.length === 0) process.exit(0);

const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = process.getuid?.() === 0;
if (!isRoot || !has('apt-get') || process.env.ATIVO_NO_APT === '1') {
  console.error(`Ativo's tests need system packages that are missing. Install them with:\n  sudo ${line}`);
  process.exit(1);
}
console.log(`Installing system packages for the tests: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
} catch {
  console.error(`Installing failed. Install them by hand:\n  ${line}`);
  process.exit(1);
}
