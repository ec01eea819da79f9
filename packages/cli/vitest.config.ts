import { configDefaults, defineProject } from 'vitest/config';

/** Files that replace a module with `vi.mock`: they run in a project of their own (vitest.isolated.config.ts). */
export const mockingFiles = ['tests/compile-proof.test.ts'];

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...mockingFiles],
    // One worker runs every file with the modules it has already loaded, instead of loading the
    // whole CLI (every command, both code generators, the architecture tables) again per file.
    // A module mock would leak into the files after it, so those files run isolated.
    isolate: false,
    // run and learn start jail-runner's launcher: built once per run, not run through tsx.
    globalSetup: ['tests/global-setup.ts'],
    setupFiles: ['tests/setup-launcher.ts'],
    // Set-up hooks compile an example or a tree, and tests run whole commands in-process or spawn
    // the built binary; on a shared 2-core machine under load that takes many times longer than
    // vitest's defaults (5 s a test, 10 s a hook). The timeouts catch a hang; they do not time them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
