import { resolve } from 'node:path';
import { cpSync } from 'node:fs';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** The catalog reads its numbered .sql migrations from disk next to the bundle. */
const copyMigrations = (): Plugin => ({
  name: 'ativo-copy-migrations',
  writeBundle(options) {
    const outDir = options.dir ?? resolve(import.meta.dirname, 'out/main');
    cpSync(resolve(import.meta.dirname, 'src/catalog/migrations'), resolve(outDir, 'migrations'), { recursive: true });
  },
});

export default defineConfig({
  main: {
    plugins: [copyMigrations()],
    build: {
      // Two entries: Electron main (windows, IPC relay) and the backend host it starts with
      // utilityProcess.fork. Main must never load the backend (src/api/host-bundle.test.ts checks).
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/main.ts'), host: resolve(import.meta.dirname, 'src/api/host.ts') },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/preload.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    plugins: [react()],
    build: {
      minify: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'renderer/index.html') } },
    },
  },
});
