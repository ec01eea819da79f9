import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: { include: ['tests/**/*.test.ts'] },
});
