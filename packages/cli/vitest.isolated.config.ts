import { defineProject } from 'vitest/config';
import shared, { mockingFiles } from './vitest.config.js';

// The CLI's tests that mock a module (`vi.mock`), each loaded in a fresh module graph so that
// the mock reaches no other file; vitest.config.ts runs the rest without isolation.
export default defineProject({
  ...shared,
  test: { ...shared.test, name: '@syscage/cli (isolated)', include: mockingFiles, exclude: [], isolate: true },
});
