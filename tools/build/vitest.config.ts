import { defineProject } from 'vitest/config';

// The build tools' own tests (tools/build): fast, no build needed.
export default defineProject({
  root: import.meta.dirname,
  test: { name: 'build-tools', include: ['tests/**/*.test.ts'] },
});
