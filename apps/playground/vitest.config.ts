import { defineProject } from 'vitest/config';

// Tests run in Node: unit tests import the app's pure modules from source; the end-to-end test
// builds the app, serves the built files and drives Chromium through playwright-core.
export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The browser test polls the page; on a busy 2-core CI machine a recompile can take a while.
    expect: { poll: { timeout: 15_000 } },
  },
});
