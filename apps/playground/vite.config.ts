import { defaultClientConditions, defineConfig } from 'vite';

// Internal packages are resolved from their TypeScript sources (the `@syscage/source` export
// condition), so the playground runs and builds without building the packages first.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@syscage/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    // One file per lazily loaded architecture table; the report lists them all.
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
