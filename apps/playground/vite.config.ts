import { defaultClientConditions, defineConfig } from 'vite';
import { offlinePlugin } from './offline.js';

// Internal packages are resolved from their TypeScript sources (the `@syscage/source` export
// condition), so the playground runs and builds without building the packages first.
export default defineConfig({
  base: './',
  plugins: [offlinePlugin()],
  resolve: { conditions: ['@syscage/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    // One file per lazily loaded architecture table; the report lists them all.
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      // The per-plugin timing report is noise in test and bench output.
      checks: { bundlerTimings: false },
      output: {
        // Architecture tables come from `packages/arch-<name>/src/index.ts`; name their chunks
        // after the package rather than after the file (`src-….js`).
        chunkFileNames: (chunk) => {
          const archPackage = /\/packages\/(arch-[a-z0-9-]+)\//.exec(chunk.facadeModuleId ?? '')?.[1];
          return `assets/${archPackage ?? '[name]'}-[hash].js`;
        },
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
