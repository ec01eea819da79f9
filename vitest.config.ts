import { defineConfig } from 'vitest/config';

// One test run over every package; each package's own vitest.config.ts is a project here, and so
// are the build tools' tests, the release tools' (the slow consumer test runs only with
// SYSCAGE_CONSUMER_TEST=1) and the shared-data locator's (tools/shared-data: tests pass without
// ../shared).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/build', 'tools/release', 'tools/shared-data'],
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
