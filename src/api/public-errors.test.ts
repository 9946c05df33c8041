/**
 * The messages the app shows never hold a CLI command or backticks, and refused input never
 * names the API's command or field: checked over every error message written in the backend's
 * sources (the catalogue of what it can say), and by refusing every field of every command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../test-support/fs';
import { AtivoError, DAMAGED_CATALOG_APP, DAMAGED_CATALOG_CLI } from '../util/errors';
import { createBackend, type Backend } from './backend';
import { commands } from './contract';
import { FIELD_WORDS } from './fields';
import { cliMessage, toResultError } from './public-errors';
import { ethText } from '../util/format';
import { fundsShort } from './storage';

const SRC = fileURLToPath(new URL('..', import.meta.url));
/** What an app message must never hold: a backtick, an `ativo <command>`, an npm script. */
const CLI_IN_APP = /`|\bativo [a-z]|\bnpm (run|install)\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ['cli', 'test-support', 'fixtures', 'bench'].includes(e.name) ? [] : sources(p);
    return /\.ts$/.test(e.name) && !/\.(test|bench)\.ts$|\.d\.ts$|\.child\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The text of every string and template literal in a node, except under a `cli:` property (the CLI's wording). */
function texts(node: ts.Node, out: string[] = []): string[] {
  if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'cli') return out;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
  else if (ts.isTemplateExpression(node)) out.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('…'));
  node.forEachChild((c) => {
    texts(c, out);
  });
  return out;
}

/** Where a message a person reads is made: a new …Error(…), a job's wait or error text, a note. */
function isMessageSite(node: ts.Node): node is ts.NewExpression | ts.CallExpression {
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) return /Error$/.test(node.expression.text);
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) return ['wait', 'markError', 'fail'].includes(node.expression.name.text);
  return false;
}

describe('public error messages', () => {
  it('no message written in the backend holds a backtick or a CLI command outside its CLI wording', () => {
    const found: string[] = [];
    let sites = 0;
    for (const file of sources(SRC)) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node): void => {
        if (isMessageSite(n)) {
          sites++;
          for (const t of (n.arguments ?? []).flatMap((a) => texts(a))) {
            if (CLI_IN_APP.test(t)) found.push(`${relative(SRC, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${t}`);
          }
        }
        n.forEachChild(visit);
      };
      visit(sf);
    }
    expect(sites).toBeGreaterThan(300); // the scan really reads the backend's messages
    expect(found).toEqual([]);
  });

  it('each surface gets its wording: the app never a command, the command line its own', () => {
    const damaged = toResultError(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }));
    expect(damaged).toEqual({ code: 'CATALOG_ERROR', message: DAMAGED_CATALOG_APP, cli: DAMAGED_CATALOG_CLI });
    expect(DAMAGED_CATALOG_APP).not.toMatch(CLI_IN_APP);
    expect(cliMessage(damaged)).toContain('ativo catalog rebuild');
    expect(toResultError(new SyntaxError('Bad control character in string literal in JSON at position 20936')).message).toBe(DAMAGED_CATALOG_APP);
    const odd = toResultError(new TypeError('x is undefined'));
    expect(odd).toEqual({ code: 'INTERNAL', message: 'Something went wrong inside Ativo (x is undefined). Try again; if it happens again, restart Ativo.' });
    const plain = toResultError(new AtivoError('BUSY', 'Wait.'));
    expect(plain).toEqual({ code: 'BUSY', message: 'Wait.' });
    expect(cliMessage(plain)).toBe('Wait.');
  });

  it('a wallet short of ETH for funding storage hears what it has and needs, per network and surface', () => {
    const e = fundsShort({ balance: 10n ** 14n, amount: 10n ** 16n, fee: 21_000n * 2_000_000_001n, network: 'sandbox' });
    expect(e.message).toBe(
      'Your wallet has 0.0001 ETH, but adding 0.01 ETH to your storage balance needs about 0.010043 ETH (the amount plus the network fee). Nothing was sent. Get test ETH on the Wallet screen, or fund a smaller amount.',
    );
    expect(e.cli).toBe(
      'Your wallet has 0.0001 ETH, but adding 0.01 ETH to your storage balance needs about 0.010043 ETH (the amount plus the network fee). Nothing was sent. Get test ETH with ativo sandbox fund, or fund a smaller amount.',
    );
    const t = fundsShort({ balance: 10n ** 14n, amount: 10n ** 16n, fee: 21_000n * 2_000_000_001n, network: 'testnet' });
    expect(t.message).toMatch(/Add at least 0\.009943 ETH to your wallet, or fund a smaller amount\.$/);
    expect(ethText(1n, true)).toBe('0.000001 ETH');
    expect(ethText(10n ** 18n)).toBe('1 ETH');
  });
});

describe('refused input names the field as a person knows it', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  beforeAll(async () => {
    dir = tempDir();
    backend = await createBackend({ dataDir: join(dir.path, 'data'), runJobs: false });
  });
  afterAll(async () => {
    await backend.close();
    dir.cleanup();
  });

  const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> | undefined => {
    let s: unknown = schema;
    for (let i = 0; i < 5 && s !== undefined; i++) {
      if (s instanceof z.ZodObject) return s.shape;
      const def = (s as { def?: { in?: unknown; innerType?: unknown; schema?: unknown } }).def;
      s = def?.in ?? def?.innerType ?? def?.schema;
    }
    return undefined;
  };

  it('every field of every command has words for the app and the command line', () => {
    const missing: string[] = [];
    for (const [name, c] of Object.entries(commands)) {
      for (const field of Object.keys(shapeOf(c.input) ?? {})) {
        if (!Object.hasOwn(FIELD_WORDS, field) && !Object.hasOwn(FIELD_WORDS, `${name}:${field}`)) missing.push(`${name}: ${field}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a wrong value in any field of any command is refused in a sentence without the command or field name', async () => {
    let checked = 0;
    for (const [name, c] of Object.entries(commands)) {
      for (const field of Object.keys(shapeOf(c.input) ?? {})) {
        const r = await backend.invoke(name, { [field]: { wrong: true } });
        expect(r.ok, `${name}.${field}`).toBe(false);
        if (r.ok) continue;
        expect(r.error.code).toBe('INVALID_INPUT');
        for (const text of [r.error.message, r.error.cli ?? '']) {
          expect(text, `${name}.${field}`).not.toContain(name);
          if (/[A-Z]/.test(field)) expect(text, `${name}.${field}`).not.toContain(field);
          expect(text).not.toMatch(/Invalid input|expected \w+, received|`/);
        }
        expect(r.error.message).not.toMatch(CLI_IN_APP);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('the Publish form and the publish command word a bad price each their way', async () => {
    const r = await backend.invoke('assets.publish', { id: 1, priceEth: 'abc' });
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: 'Price must be an amount like 0.01 (in ETH; 0 makes it free).',
        cli: '--price must be an amount like 0.01 (in ETH; 0 makes it free)',
        fields: [{ field: 'priceEth', message: 'must be an amount like 0.01 (in ETH; 0 makes it free)' }],
      },
    });
    const split = await backend.invoke('assets.publish', { id: 1, split: [{ address: 'bob', percent: 100 }] });
    expect(split).toMatchObject({ ok: false, error: { message: 'Payout split (entry 1, address) must be a 0x-prefixed 20-byte address.' } });
  });
});
