import { defineConfig } from 'vitest/config';

// One test run over every package; each package's own vitest.config.ts is a project here.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
