import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One test run over every package; each package's own vitest.config.ts is a project here, and so
// are the build tools' tests, the release tools' (the slow consumer test runs only with
// SYSCAGE_CONSUMER_TEST=1) and the shared-data locator's (tools/shared-data: tests pass without
// ../shared). The CLI's files that mock a module run in a project of their own
// (packages/cli/vitest.isolated.config.ts).
export default defineConfig({
  test: {
    projects: ['packages/*', 'packages/cli/vitest.isolated.config.ts', 'apps/*', 'tools/build', 'tools/release', 'tools/shared-data'],
    reporters: ['default', './tools/summary-reporter.ts'],
    // vitest's default leaves a core to its main process, so a 2-core machine ran one file at a
    // time; that process mostly waits once the files are transformed, so run at least two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
