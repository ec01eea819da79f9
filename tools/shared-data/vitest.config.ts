import { defineProject } from 'vitest/config';

// The shared-data locator's own tests (a project of the root vitest.config.ts).
export default defineProject({
  root: import.meta.dirname,
  test: {
    name: 'shared-data',
    include: ['tests/**/*.test.ts'],
    // The checks read every test and tool of the repository; on a shared 2-core machine under
    // load that takes longer than vitest's default of 5 s. The timeout catches a hang only.
    testTimeout: 60_000,
  },
});
