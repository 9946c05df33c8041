#!/usr/bin/env node
// The `ativo` command. It runs the TypeScript sources through tsx, so the CLI, the
// browser shell and the tests all execute the very same code.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
