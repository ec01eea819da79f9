import { defineProject } from 'vitest/config';

// The shared-data locator's own tests (a project of the root vitest.config.ts).
export default defineProject({
  root: import.meta.dirname,
  test: {
    name: 'shared-data',
    include: ['tests/**/*.test.ts'],
  },
});
