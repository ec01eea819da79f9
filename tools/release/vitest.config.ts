import { defineProject } from 'vitest/config';

// The release tools' own tests. The consumer test packs and installs every package (a minute
// or more) and is skipped unless SYSCAGE_CONSUMER_TEST=1; the rest is fast. Run with
//   pnpm exec vitest run --config tools/release/vitest.config.ts
// or add 'tools/release' to the projects of the root vitest.config.ts.
export default defineProject({
  root: import.meta.dirname,
  test: {
    name: 'release-tools',
    include: ['tests/**/*.test.ts'],
    testTimeout: 15 * 60 * 1000,
  },
});
