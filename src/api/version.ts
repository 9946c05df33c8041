import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** Ativo's version, from package.json (read once). */
export const VERSION: string = (require('../../package.json') as { version: string }).version;
