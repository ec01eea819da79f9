import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // Set-up hooks compile an example or a tree; on a shared 2-core machine under load that
    // takes longer than vitest's default of 10 s.
    hookTimeout: 60_000,
  },
});
