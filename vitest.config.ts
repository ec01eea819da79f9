import { defineConfig } from 'vitest/config';

// One test run over every package; each package's own vitest.config.ts is a project here, and so
// are the release tools' tests (the slow consumer test runs only with SYSCAGE_CONSUMER_TEST=1) and
// the shared-data locator's (tools/shared-data: tests pass without ../shared).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/release', 'tools/shared-data'],
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
