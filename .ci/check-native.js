#!/usr/bin/env node
// npm 11 skips dependency install scripts that package.json's allowScripts does not approve.
// This proves the native modules were really built/installed and load on this Node.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const checks = {
  'better-sqlite3': () => {
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    const v = db.prepare('select sqlite_version() as v').get().v;
    db.close();
    return `SQLite ${v}`;
  },
  '@napi-rs/keyring': () => (typeof require('@napi-rs/keyring').Entry === 'function' ? 'loaded' : 'no Entry'),
  keccak: () => (require('keccak/bindings') ? 'native binding' : 'missing'),
  secp256k1: () => (require('secp256k1/bindings') ? 'native binding' : 'missing'),
};
let failed = false;
for (const [name, check] of Object.entries(checks)) {
  try {
    console.log(`native ok: ${name} (${check()})`);
  } catch (e) {
    failed = true;
    console.error(`native FAILED: ${name}: ${e instanceof Error ? e.message : String(e)}\n  Is it approved in package.json "allowScripts"? Try: npm rebuild ${name}`);
  }
}
process.exit(failed ? 1 : 0);
