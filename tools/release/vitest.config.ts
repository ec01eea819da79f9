import { defineConfig } from 'vitest/config';

// The release tools' own tests. Not a project of the root vitest run: the consumer test packs
// and installs every package (a minute or more), so it runs only when asked for:
//   SYSCAGE_CONSUMER_TEST=1 pnpm exec vitest run --config tools/release/vitest.config.ts
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['tests/**/*.test.ts'],
    testTimeout: 15 * 60 * 1000,
  },
});
