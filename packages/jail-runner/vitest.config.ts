import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/** Where tests/global-setup.ts puts the built launcher (inside the package, so koffi resolves). */
export const launcherBuildDir = fileURLToPath(new URL('./node_modules/.cache/syscage-launcher', import.meta.url));

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    env: { SYSCAGE_LAUNCHER: `${launcherBuildDir}/launcher.js` },
    // One worker runs every file with the modules it has already loaded (the runner, bpf-codegen,
    // every architecture table) instead of loading them again per file. No test mocks a module;
    // filters, no_new_privs and signal handlers are set in the launched processes, never in the
    // worker; the one test that changes SYSCAGE_LAUNCHER puts it back in a finally.
    isolate: false,
    // Tests start real processes (Node launchers, tracers, supervisors); on a shared 2-core machine
    // under load each start takes many times longer than alone. The timeouts catch a hang; they do
    // not time the runs.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
